#!/usr/bin/env bash
# Makes the starting seeds of one fuzz target from testdata/ (small files, or the first lines/bytes of larger ones).
# usage: fuzz/seeds.sh TARGET OUTDIR HARNESS_DLL   (HARNESS_DLL: the uninstrumented Stackweave.Fuzz.dll, for section seeds)
set -euo pipefail
target=$1; out=$2; harness=$3
root=$(cd "$(dirname "$0")/.." && pwd)
td=$root/testdata
mkdir -p "$out"
lines() { head -n "$2" "$1" > "$out/$3"; }        # first N lines of a text file
zlines() { zcat "$1" | head -n "$2" > "$out/$3" || true; }
seed() { dotnet "$harness" seed "$@"; }
case $target in
  perf)
    cp "$td/zstd/perf.data" "$out/zstd.data"
    cp "$td/pipe/perf.data.pipe" "$out/pipe.data"
    cp "$td/monoraw/perf.data" "$out/monoraw.data"
    cp "$td/tracepoints/perf.data" "$out/tracepoints.data"
    cp "$td/threads/perf.data/data" "$out/threads-header.data" ;;
  pprof)
    cp "$td/pprof/cpu.pb" "$td/pprof/heap.pb" "$td/pprof/crafted.pb" "$out/"
    for f in goroutine mutex block allocs; do zcat "$td/pprof/$f.pb.gz" > "$out/$f.pb"; done ;;
  bpftrace-text)
    cp "$td/bpftrace/hist.txt" "$td/bpftrace/printf.txt" "$td/bpftrace/ustack.txt" "$td/bpftrace/raw-mode.txt" "$out/"
    lines "$td/bpftrace/kstack.txt" 120 kstack.txt
    lines "$td/bpftrace/printf-kv.txt" 60 printf-kv.txt
    lines "$td/bpftrace/lost.txt" 80 lost.txt ;;
  bpftrace-json)
    cp "$td/bpftrace/hist.json" "$td/bpftrace/printf.json" "$td/bpftrace/kstack.json" "$out/"
    lines "$td/bpftrace/perf.json" 20 perf.json ;;
  folded)
    cp "$td/cpp-fp/perf.data.folded" "$out/cpp-fp.folded"
    cp "$td/textin/nog.folded" "$out/nog.folded"
    lines "$td/bpftrace/ustack.txt.folded" 40 ustack.folded ;;
  perf-script)
    cp "$td/textin/nog.txt" "$out/nog.txt"
    lines "$td/textin/cpp-fp.comm-tid-time-ip-sym.txt" 80 cpp-fp.txt
    lines "$td/textin/tracepoints.cpu-trace.txt" 80 tracepoints.txt
    lines "$td/textin/system-wide.header.txt" 120 system-wide-header.txt
    lines "$td/cpp-fp/perf.data.script.txt" 60 cpp-fp-script.txt ;;
  elf)
    cp "$td/debugjit/debug/burn-c" "$out/burn-c.elf"
    cp "$td/debugjit/debug/burn-c.debug" "$out/burn-c.debug.elf"
    cp "$td/unwind/buildid/.build-id/b0/af7178ba47aca58d16966d2c4d17c913589189/vdso" "$out/vdso.elf" ;;
  dwarf)
    seed dwarf "$td/dwarf/bin/inl" "$out/inl.dwarf"
    seed dwarf "$td/dwarf/bin/inl-dwarf4" "$out/inl-dwarf4.dwarf"
    seed dwarf "$td/dwarf/bin/inl-lto" "$out/inl-lto.dwarf"
    seed dwarf "$td/debugjit/debug/burn-c.debug" "$out/burn-c.dwarf" ;;
  cfi)
    seed cfi "$td/unwind/symfs/srv/swu/cppburn" "$out/cppburn.cfi"
    seed cfi "$td/debugjit/debug/burn-c" "$out/burn-c.cfi"
    seed cfi "$td/debugjit/debug/burn-c.debug" "$out/burn-c-debug-frame.cfi" ;;
  pclntab)
    seed pclntab-gen "$out"
    seed pclntab "$td/programs/bin/burn-go" "$out/burn-go.pcln" ;;
  jitdump)
    zcat "$td/debugjit/dotnet/jit-25892.dump.gz" | head -c 12000 > "$out/dotnet-head.dump" || true ;;
  kallsyms)
    zlines "$td/bpftrace/kallsyms.gz" 200 kallsyms-head.txt ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
