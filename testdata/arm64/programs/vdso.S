/*
 * A stand-in for the arm64 kernel vdso's signal return trampoline (testdata/arm64, issue 10 point 2). It has the two
 * instructions every arm64 kernel's __kernel_rt_sigreturn has (mov x8, #__NR_rt_sigreturn; svc #0), the NOP before
 * them, and the CFI kernels before 5.13 gave it (a signal frame whose CFA is x29, with x29 and x30 saved there);
 * kernels since then give it none. The symbol sits at a page start, where qemu-user puts its own trampoline.
 */
	.text
	.balign	4096
	.skip	4088
	nop
	nop
	.globl	__kernel_rt_sigreturn
	.type	__kernel_rt_sigreturn, %function
__kernel_rt_sigreturn:
	.cfi_startproc
	.cfi_signal_frame
	.cfi_def_cfa	x29, 0
	.cfi_offset	x29, 0
	.cfi_offset	x30, 8
	mov	x8, #139
	svc	#0
	.cfi_endproc
	.size	__kernel_rt_sigreturn, . - __kernel_rt_sigreturn
