#!/usr/bin/env python3
# Copies a file-mode perf.data, replacing the "print fmt:" line of chosen tracepoint formats inside its
# TRACING_DATA feature section: the edited blob is appended to the file and the feature section table entry
# (bit 1, HEADER_TRACING_DATA) is pointed at it, so no other offset changes. Real `perf script` then renders
# the recorded payloads with the edited formats, which gives golden output for constructs the kernel's own
# formats do not use. Usage: python3 make-synthetic.py IN OUT [2]   (2 selects the second set of formats)
import struct, sys

FMTS = {
    ('raw_syscalls', 'sys_enter'):
        'print fmt: "%c|%5ld|%-5ld|%05lx|%#lo|%#x|%hhd|%hu|%.3ld|%*ld|%-*lx|%lld %llu %i %X %zu %% %lx %ld %ld %d",'
        ' REC->id, REC->id, REC->id, REC->args[0], REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->id,'
        ' 6, REC->id, 8, REC->args[5], REC->id - REC->args[2] - 1, REC->id * -REC->args[1], REC->id ^ 3,'
        ' REC->id / 3 % 5, REC->args[1] >> 4 << 2, (int)REC->args[1], (u8)REC->args[2] + (char)REC->id, -REC->id',
    ('sched', 'sched_switch'):
        'print fmt: "%s %10s %-10s| %.3s %d %s %s %s %s %d %s", REC->prev_comm, REC->next_comm, REC->prev_comm,'
        ' REC->next_comm, REC->prev_pid - REC->next_pid - 1, __print_symbolic(REC->prev_prio, { 120, "normal" },'
        ' { HI_SOFTIRQ, "hi" }), __print_flags(REC->prev_state, "|", { 1, "S" }, { 2, "D" }, { 0x100, "W" }),'
        ' REC->prev_pid > 100 ? "big" : "small", __print_hex(REC->prev_comm, 4), REC->next_pid == 0 && REC->prev_pid || 0,'
        ' __print_symbolic(REC->next_prio, { 1, "one" })',
    ('sched', 'sched_process_exec'):
        'print fmt: "%s %s [%d] %*s|%-*s| %s", __get_str(filename), __print_hex_str(__get_dynamic_array(filename), 3),'
        ' __get_dynamic_array_len(filename), 12, __get_str(filename), 14, __get_str(filename), REC->pid ? "y" : "n"',
    ('kmem', 'kmalloc'):
        'print fmt: "%p %p %pS %ps %pF %s [%s] %x", REC->ptr, REC->bytes_req - REC->bytes_req, (void *)REC->call_site,'
        ' REC->call_site, REC->call_site, REC->ptr, __print_array(REC->ptr, 2, 4), (unsigned int)(REC->ptr >> 32)',
    ('sched', 'sched_wakeup'):
        'print fmt: "comm=%s pid=%d", REC->comm, no_such_function(REC->pid)',
    ('irq', 'softirq_entry'):
        'print fmt: "%d %d %u %d %d %d %d %s", REC->vec & 1 | 2, -REC->vec, ~REC->vec, REC->vec ? 1 : 0 + 5,'
        ' (int)(REC->vec - 10), (REC->vec + 250) & 0xff, !REC->vec, __print_symbolic(REC->vec, { TIMER_SOFTIRQ, "T" },'
        ' { SCHED_SOFTIRQ, "S" }, { RCU_SOFTIRQ, "R" })',
    ('timer', 'hrtimer_start'):
        'print fmt: "%llu %lld %d %lu %s", REC->expires / 1000, (s32)REC->expires, REC->mode == 0,'
        ' REC->expires & (0xff | 0xff00), __print_flags(REC->mode, "", { 1, "a" }, { 2, "b" }, { 8, "h" })',
}

FMTS2 = {
    ('sched', 'sched_process_exec'):
        'print fmt: "%d %s", REC->pid, sizeof(REC->pid)',
    ('sched', 'sched_switch'):
        'print fmt: "[%s][%s][%d][%s][%5s][%-3s]%s %s", (long)REC->prev_pid, REC->prev_pid + 1, REC->prev_comm,'
        ' __print_flags(REC->prev_state & 0, "|", { HRTIMER_RESTART, "r" }, { 1, "S" }),'
        ' __print_symbolic(REC->prev_prio, { 120, "n" }), __print_symbolic(REC->next_prio, { 120, "n" }, { 110, "m" }),'
        ' __print_flags(REC->prev_state | 0x30, ",", { 0x10, "x" }), REC->prev_state & 0x2 ? "D" : REC->prev_comm',
    ('raw_syscalls', 'sys_enter'):
        'print fmt: "%*ph|%02hhx|%lu|%lu|%lu|%ld|%lu", 4, REC->args, REC->id + 0x1ff, REC->id < 5 || REC->id >= 60,'
        ' REC->args[1] != 0 && REC->id <= 9, (REC->args[0] & 0xfff) % 7, -1 + REC->id * 2, 010 + 0x10 + 1UL',
    ('kmem', 'kmalloc'):
        'print fmt: "%pM %pm %pU %pI4 %d", REC->bytes_req, REC->ptr, REC->ptr, REC->ptr, REC->node',
    ('irq', 'softirq_entry'):
        'print fmt: "%s%s", __print_hex(REC->vec, 2), __print_hex_str(REC->vec, 3)',
}

def main():
    src, dst = sys.argv[1], sys.argv[2]
    global FMTS
    if len(sys.argv) > 3 and sys.argv[3] == '2':
        FMTS = FMTS2
    d = bytearray(open(src, 'rb').read())
    data_off, data_size = struct.unpack_from('<QQ', d, 40)
    bits = int.from_bytes(d[72:104], 'little')
    assert bits & 2 and not bits & 1
    sec = data_off + data_size  # first section entry is TRACING_DATA (bit 1)
    off, size = struct.unpack_from('<QQ', d, sec)
    blob = bytes(d[off:off + size])
    out = bytearray()
    p = 10
    nul = blob.index(b'\0', p); p = nul + 1          # version
    p += 2 + 4                                       # endian, long size, page size
    p += 12; n, = struct.unpack_from('<Q', blob, p); p += 8 + n   # header_page
    p += 13; n, = struct.unpack_from('<Q', blob, p); p += 8 + n   # header_event
    out += blob[:p]
    cnt, = struct.unpack_from('<I', blob, p); out += blob[p:p + 4]; p += 4
    for _ in range(cnt):
        n, = struct.unpack_from('<Q', blob, p); out += blob[p:p + 8 + n]; p += 8 + n
    nsys, = struct.unpack_from('<I', blob, p); out += blob[p:p + 4]; p += 4
    for _ in range(nsys):
        nul = blob.index(b'\0', p); sysname = blob[p:nul].decode(); out += blob[p:nul + 1]; p = nul + 1
        cnt, = struct.unpack_from('<I', blob, p); out += blob[p:p + 4]; p += 4
        for _ in range(cnt):
            n, = struct.unpack_from('<Q', blob, p); text = blob[p + 8:p + 8 + n].decode('latin1'); p += 8 + n
            name = text.split('\n', 1)[0].split(': ', 1)[1]
            if (sysname, name) in FMTS:
                head = text[:text.index('print fmt:')]
                text = head + FMTS[(sysname, name)] + '\n'
            t = text.encode('latin1')
            out += struct.pack('<Q', len(t)) + t
    out += blob[p:]
    new_off = len(d)
    d += out
    struct.pack_into('<QQ', d, sec, new_off, len(out))
    open(dst, 'wb').write(d)

main()
