# gdb-multiarch script (testdata/arm64, issue 10 point 2): at each chosen stop of an aarch64 program running under
# qemu-aarch64's gdbstub, dumps what perf's REGS_USER and STACK_USER would hold (x0–x30, sp, pc and the top of the
# stack), gdb's own backtrace as the reference, and where each object file's .text was loaded.
# Run: gdb-multiarch -batch -x snapshot.py (settings through the environment: SNAP_OUT, SNAP_STOPS, SNAP_STACK).
import json
import os
import re

import gdb

OUT = os.environ["SNAP_OUT"]
STACK = int(os.environ.get("SNAP_STACK", "8192"))
# "location:count[,location:count…]": gdb break locations and how many snapshots to take at each
# SNAP_TRAMP_AFTER: after a snapshot at this stop, break once where its x30 points (stripped of a PAC): the sigreturn trampoline
TRAMP_AFTER = os.environ.get("SNAP_TRAMP_AFTER")
USER_VA = (1 << 48) - 1
STOPS = [(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])) for s in os.environ["SNAP_STOPS"].split(",")]

def u64(expr):
    return int(gdb.parse_and_eval(expr).cast(gdb.lookup_type("unsigned long")))

def read_stack(sp):
    inf = gdb.selected_inferior()
    n = STACK
    while n >= 8:
        try:
            return bytes(inf.read_memory(sp, n))
        except gdb.MemoryError:
            n //= 2
    return b""

def frames():
    out = []
    f = gdb.newest_frame()
    while f is not None and len(out) < 200:
        fn = f.function()
        out.append({
            "pc": f.pc(),
            "type": {gdb.NORMAL_FRAME: "normal", gdb.INLINE_FRAME: "inline", gdb.SIGTRAMP_FRAME: "sigtramp"}.get(f.type(), str(f.type())),
            "name": f.name(),
            "function": fn.print_name if fn is not None else None,
        })
        try:
            f = f.older()
        except gdb.error:
            break
    return out

def objfiles():
    text = gdb.execute("info target", to_string=True)
    seen = {}
    for m in re.finditer(r"(0x[0-9a-f]+) - (0x[0-9a-f]+) is \.text(?: in (\S+))?", text):
        path = m.group(3) or gdb.current_progspace().filename
        seen.setdefault(path, int(m.group(1), 16))
    return [{"path": os.path.realpath(p), "text": a} for p, a in seen.items()]

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set backtrace past-main on")  # the reference goes on to __libc_start_call_main and _start
gdb.execute("handle SIGILL nostop noprint pass")  # the program traps on purpose; its handler skips the udf
gdb.execute("file " + os.environ["SNAP_PROGRAM"])
gdb.execute("set sysroot " + os.environ.get("SNAP_SYSROOT", "/usr/aarch64-linux-gnu"))
gdb.execute("target remote localhost:" + os.environ["SNAP_PORT"])
wanted = {}
for loc, count in STOPS:
    bp = gdb.Breakpoint(loc)
    wanted[bp.number] = [loc, count]
snaps = []
while any(c > 0 for _, c in wanted.values()):
    try:
        gdb.execute("continue")
    except gdb.error:
        break
    bps = [b for b in gdb.breakpoints() if b.number in wanted and b.hit_count > 0]
    pc = u64("$pc")
    hit = None
    for b in gdb.breakpoints():
        if b.number in wanted and b.location is not None:
            for loc in (b.locations if hasattr(b, "locations") else []):
                if loc.address == pc:
                    hit = b
    if hit is None:
        break
    entry = wanted[hit.number]
    if entry[1] <= 0:
        continue
    entry[1] -= 1
    regs = [u64("$x%d" % i) for i in range(31)]
    sp = u64("$sp")
    snaps.append({
        "stop": entry[0],
        "regs": regs,
        "sp": sp,
        "pc": pc,
        "stack": read_stack(sp).hex(),
        "backtrace": frames(),
        "objfiles": objfiles(),
    })
    if entry[1] == 0:
        hit.enabled = False
    if entry[0] == TRAMP_AFTER:
        bp = gdb.Breakpoint("*0x%x" % (regs[30] & USER_VA))
        wanted[bp.number] = ["sigtramp", 1]
with open(OUT, "w") as f:
    json.dump({"gdb": gdb.VERSION, "snapshots": snaps}, f, indent=1)
gdb.execute("kill")
