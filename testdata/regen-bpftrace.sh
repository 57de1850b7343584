#!/usr/bin/env bash
# Regenerates Stackweave's bpftrace test captures (testdata/bpftrace/) and their reference outputs.
# Run as root on Linux with bpftrace (0.17 made the committed files), perl, gzip, coreutils and the
# programs in testdata/programs/bin (see README.md, "bpftrace captures").
#
#   FLAMEGRAPH_DIR   directory holding brendangregg/FlameGraph's stackcollapse-bpftrace.pl
#                    (default /work/FlameGraph). FlameGraph files are never copied here.
#   ONLY             optional space-separated capture names to remake (stacks kstack ustack hist printf
#                    lost perf); the others are kept. Default: everything, from an emptied directory.
#
# Every capture is real bpftrace output; only `interrupted*` are cut short on purpose (head -c) to
# stand for a capture whose print was interrupted, and `raw-mode.txt` is written from bpftrace's
# documented raw stack layout because bpftrace 0.17 has no raw mode (see README.md).
set -euo pipefail
export LC_ALL=C
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$TD/bpftrace"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-bpftrace.pl"
[ -f "$SC" ] || { echo "stackcollapse-bpftrace.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
CPP_PROG="$TD/programs/bin/burn-cpp"
[ -x "$CPP_PROG" ] || { echo "$CPP_PROG missing: run regen.sh first" >&2; exit 1; }
if [ ! -e /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing || true; fi

ONLY="${ONLY:-}"
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
[ -n "$ONLY" ] || rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"

# bpftrace prints "couldn't set RLIMIT_MEMLOCK" on stderr on this kernel (harmless): stderr is kept per capture.
bt() { # bt NAME [bpftrace args...]: runs bpftrace with the workload started once its probes are attached;
        # stdout to NAME, stderr to NAME.stderr
  local name="$1"; shift
  bpftrace "$@" > "$name" 2> "$name.stderr" &
  local pid=$! i=0
  # bpftrace compiles for seconds on a loaded machine: start the workload only when the probes are attached.
  while ! grep -q -E '^Attaching|attached_probes' "$name" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  load 1
  wait "$pid" || true
  wait
  [ -s "$name.stderr" ] || rm -f "$name.stderr"
}

# Workloads: burn-cpp (user stacks, writes every 50 rounds), dd and cat (read/write syscalls, kernel stacks).
load() { # load SECONDS
  "$CPP_PROG" "$(( $1 * 1000 + 6000 ))" 1 50 > /dev/null &
  timeout "$(( $1 + 2 ))" dd if=/dev/zero of=/dev/null bs=64k status=none &
  ( for i in 1 2 3 4 5 6; do cat /usr/lib/x86_64-linux-gnu/libc.so.6 /usr/bin/bash /etc/services > /dev/null; sleep 0.2; done ) &
}

cat > stacks.bt <<'BT'
// Profile stacks of burn-cpp and dd, every key shape in one run: several maps, both stack modes.
profile:hz:199 /comm == "burn-cpp" || comm == "dd"/ {
  @[kstack, ustack] = count();
  @k[kstack] = count();
  @u[comm, pid, tid, ustack] = count();
  @kp[kstack(perf), comm] = count();
  @up[ustack(perf)] = count();
  @ku[kstack(perf), ustack(perf), pid] = count();
}
interval:s:1 { exit(); }
BT
cat > kstack.bt <<'BT'
// System-wide kernel stacks (one unnamed map: stackcollapse-bpftrace.pl's input).
profile:hz:99 { @[kstack] = count(); }
interval:s:1 { exit(); }
BT
cat > ustack.bt <<'BT'
// burn-cpp user stacks (one unnamed map: stackcollapse-bpftrace.pl's input).
profile:hz:199 /comm == "burn-cpp"/ { @[ustack] = count(); }
interval:s:1 { exit(); }
BT
cat > hist.bt <<'BT'
// read() latency and size histograms and the scalar aggregations.
tracepoint:syscalls:sys_enter_read /comm == "dd" || comm == "cat"/ { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_read /@start[tid]/ {
  @ns = hist(nsecs - @start[tid]);
  @bytes[comm] = lhist(args->ret, 0, 131072, 16384);
  @big = hist(args->ret * 100000);
  @st = stats(args->ret); @avg = avg(args->ret); @cnt[comm, pid] = count();
  @sum[comm] = sum(args->ret); @mn = min(args->ret); @mx = max(args->ret);
  delete(@start[tid]);
}
interval:s:1 { exit(); }
END { clear(@start); }
BT
cat > printf.bt <<'BT'
// A write() timeline: a leading nsecs column (auto-detected), then pid, tid, comm, name, value.
tracepoint:syscalls:sys_enter_write /comm == "burn-cpp"/ {
  printf("%llu %d %d %s write %d\n", nsecs, pid, tid, comm, args->count);
}
tracepoint:syscalls:sys_enter_openat /comm == "cat"/ {
  printf("%llu %d %d %s openat %d\n", nsecs, pid, tid, comm, 0);
}
interval:s:1 { exit(); }
BT
cat > printf-kv.bt <<'BT'
// A timeline in key=value form (read with --bpftrace-line), time() lines and a count map in between.
tracepoint:syscalls:sys_enter_write /comm == "burn-cpp"/ {
  printf("ts=%llu pid=%d tid=%d comm=%s op=write count=%d\n", nsecs, pid, tid, comm, args->count);
  @writes[comm] = count();
}
interval:ms:400 { time("%H:%M:%S\n"); }
interval:s:2 { exit(); }
BT

cat > perf.bt <<'BT'
// perf stack mode alone: kernel stacks with comm, user stacks, and default-mode kernel stacks beside them.
profile:hz:199 /comm == "burn-cpp" || comm == "dd"/ {
  @kp[kstack(perf), comm] = count();
  @up[ustack(perf)] = count();
  @k[kstack] = count();
}
interval:s:1 { exit(); }
BT

# Stacks in several shapes (default and perf modes).
if want stacks; then
  bt stacks.txt stacks.bt
  bt stacks.json -f json stacks.bt
fi
# perf mode (bpftrace 0.17 printed only some of stacks.bt's six maps at exit; this run has three).
if want perf; then
  bt perf.txt perf.bt
  bt perf.json -f json perf.bt
fi
# System-wide kernel stacks, with the kallsyms that symbolizes raw/perf addresses.
if want kstack; then
  bt kstack.txt kstack.bt
  bt kstack.json -f json kstack.bt
  cat /proc/kallsyms | gzip -9 -n > kallsyms.gz
fi
# User stacks.
if want ustack; then bt ustack.txt ustack.bt; fi
# Histograms and scalar maps.
if want hist; then
  bt hist.txt hist.bt
  bt hist.json -f json hist.bt
fi
# printf timelines.
if want printf; then
  bt printf.txt printf.bt
  bt printf.json -f json printf.bt
  bt printf-kv.txt printf-kv.bt
fi
# Lost events: a 1-page perf buffer flooded by printf from a dd copying one byte at a time.
lost() { # lost NAME [bpftrace args...]
  local name="$1"; shift
  timeout 30 dd if=/dev/zero of=/dev/null bs=1 status=none &
  local dd=$!
  sleep 0.2
  BPFTRACE_PERF_RB_PAGES=1 bpftrace "$@" -e 'tracepoint:raw_syscalls:sys_enter /comm == "dd"/ { printf("%llu %d\n", nsecs, pid); } interval:ms:100 { exit(); }' > "$name" 2> "$name.stderr" || true
  kill "$dd" 2> /dev/null || true
  wait
  [ -s "$name.stderr" ] || rm -f "$name.stderr"
}
if want lost; then
  lost lost.txt
  lost lost.json -f json
fi
# Interrupted prints: the real stacks output cut inside a stack (head -c), as a killed or truncated capture leaves it.
if want stacks; then
head -c "$(( $(grep -b -m 3 '^@u\[' stacks.txt | tail -1 | cut -d: -f1) + 40 ))" stacks.txt > interrupted.txt
head -c "$(( $(wc -c < stacks.json) * 2 / 3 ))" stacks.json > interrupted.json

# Raw stack mode (bpftrace >= 0.18 prints "\n" then one bare hex address per line, src/bpftrace.cpp
# get_stack): bpftrace 0.17 lacks it, so raw-mode.txt is stacks.txt's @ku map (perf mode, kernel and user
# stacks, pid) with each frame line "\t<hex> sym+off (module)" cut to its address "<hex>": real addresses
# in the documented raw layout; the map is renamed @raw.
awk '
  /^@ku\[/ { on = 1; sub(/^@ku/, "@raw") }
  /^@/ && !/^@raw/ { on = 0 }
  on { if ($0 ~ /^\t/) { sub(/^\t/, ""); split($0, f, " "); print f[1] } else print }
' stacks.txt > raw-mode.txt
fi

# References: stackcollapse-bpftrace.pl on the captures whose only stack map is unnamed "@[".
for f in kstack.txt ustack.txt; do if [ -f "$f" ]; then perl "$SC" "$f" > "$f.folded"; fi; done

{
  echo "bpftrace: $(bpftrace --version)"
  echo "kernel: $(uname -r)"
  echo "stackcollapse-bpftrace.pl sha256: $(sha256sum "$SC" | cut -d' ' -f1)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "versions${ONLY:+-${ONLY// /-}}.txt"
