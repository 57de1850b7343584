namespace Stackweave.Merge.Unwind;

/// <summary>What the unwinder needs to know of an architecture: DWARF register columns and perf's register numbering.</summary>
public sealed class UnwindArch
{
    /// <summary>x86_64: DWARF numbers from the System V AMD64 psABI §3.6.2 (Figure 3.36); perf's from arch/x86/include/uapi/asm/perf_regs.h.</summary>
    public static readonly UnwindArch X86_64 = new("x86_64", columns: 17, sp: 7, fp: 6, ra: 16, pcInRa: true,
        // perf_event_x86_regs: AX BX CX DX SI DI BP SP IP FLAGS CS SS DS ES FS GS R8..R15 → DWARF rax=0 rdx=1 rcx=2 rbx=3 rsi=4 rdi=5 rbp=6 rsp=7 r8..r15=8..15
        perfToDwarf: [0, 3, 2, 1, 4, 5, 6, 7, Pc, -1, -1, -1, -1, -1, -1, -1, 8, 9, 10, 11, 12, 13, 14, 15]);

    /// <summary>AArch64: DWARF numbers from the AAPCS64 DWARF supplement (x0–x30 = 0–30, sp = 31); perf's from arch/arm64/include/uapi/asm/perf_regs.h (x0–x30, sp = 31, pc = 32).</summary>
    public static readonly UnwindArch Aarch64 = new("aarch64", columns: 33, sp: 31, fp: 29, ra: 30, pcInRa: false,
        perfToDwarf: [.. Enumerable.Range(0, 32), Pc]);

    private const int Pc = -2;
    private readonly int[] _perfToDwarf;

    private UnwindArch(string name, int columns, int sp, int fp, int ra, bool pcInRa, int[] perfToDwarf)
    {
        PcInRaColumn = pcInRa;
        Name = name;
        Columns = columns;
        SpColumn = sp;
        FpColumn = fp;
        DefaultRaColumn = ra;
        _perfToDwarf = perfToDwarf;
    }

    /// <summary>True when the return-address column is the pc register itself (x86_64 rip = 16), not a general register (AArch64 x30).</summary>
    public bool PcInRaColumn { get; }
    /// <summary>perf's name (HEADER_ARCH).</summary>
    public string Name { get; }
    /// <summary>DWARF register columns tracked (0 … Columns−1).</summary>
    public int Columns { get; }
    /// <summary>The stack pointer's DWARF number (its value in the caller is the CFA).</summary>
    public int SpColumn { get; }
    /// <summary>The frame pointer's DWARF number.</summary>
    public int FpColumn { get; }
    /// <summary>The return address column the ABI's CIEs use.</summary>
    public int DefaultRaColumn { get; }

    /// <summary>
    /// AArch64 only: return addresses may carry a pointer authentication code (CFI marks such rows with
    /// DW_CFA_AARCH64_negate_ra_state). Stripping clears the bits above the user virtual address size.
    /// </summary>
    public bool HasPointerAuth => ReferenceEquals(this, Aarch64);

    /// <summary>AArch64 Linux only: signal handlers return into the kernel's sigreturn trampoline (see <see cref="Aarch64SignalFrame"/>).</summary>
    public bool HasSigreturnTrampoline => ReferenceEquals(this, Aarch64);

    /// <summary>
    /// Bits of a user code address on AArch64 Linux: 48 (arch/arm64/Kconfig ARM64_VA_BITS_48, the default; 52-bit user
    /// addresses are handed out only to mmap hints above 2^48). The PAC sits above them and bit 55 is 0 for user (TTBR0)
    /// addresses, so stripping = clearing bits 63..48, what XPACI does for a user pointer.
    /// </summary>
    public const int Aarch64UserAddressBits = 48;

    /// <summary>The address without its pointer authentication code (AArch64); other architectures return it unchanged.</summary>
    public ulong StripPointerAuth(ulong address) => HasPointerAuth ? address & ((1UL << Aarch64UserAddressBits) - 1) : address;

    /// <summary>The architecture perf names <paramref name="arch"/> (HEADER_ARCH / uname -m), or null.</summary>
    public static UnwindArch? FromPerfName(string? arch) => arch switch
    {
        "x86_64" or "amd64" => X86_64,
        "aarch64" or "arm64" => Aarch64,
        _ => null,
    };

    /// <summary>Converts REGS_USER (perf order) to DWARF-numbered registers; false when the pc or the stack pointer is missing.</summary>
    public bool TryLoad(ulong mask, ReadOnlySpan<ulong> perfRegs, Span<ulong> regs, out ulong valid, out ulong pc)
    {
        valid = 0;
        pc = 0;
        var havePc = false;
        var i = 0;
        for (var bit = 0; bit < 64 && i < perfRegs.Length; bit++)
        {
            if ((mask & (1UL << bit)) == 0) continue;
            var v = perfRegs[i++];
            if (bit >= _perfToDwarf.Length) continue;
            var d = _perfToDwarf[bit];
            if (d == Pc) { pc = v; havePc = true; }
            else if (d >= 0 && d < regs.Length) { regs[d] = v; valid |= 1UL << d; }
        }
        return havePc && (valid & (1UL << SpColumn)) != 0;
    }
}
