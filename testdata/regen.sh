#!/usr/bin/env bash
# Regenerates Stackweave's real perf.data test captures and the reference ("golden") outputs.
# Run as root (perf record -a, tracepoints, namespaces and cgroups need it) on Linux with
# linux-perf, golang-go, g++, libc6-dbg, perl, gzip installed. See README.md.
#
#   FLAMEGRAPH_DIR   directory holding brendangregg/FlameGraph's stackcollapse-perf.pl
#                    (default /work/FlameGraph). FlameGraph files are never copied here.
#   ONLY             optional space-separated list of capture names to regenerate (default: all).
#                    The programs are always rebuilt.
#
# The captures record absolute paths: run it from the checkout at /work/main so the paths in the
# captures and golden files stay /work/main/testdata/programs/bin/… (see README.md).
set -euo pipefail
export LC_ALL=C
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-perf.pl"
[ -f "$SC" ] || { echo "stackcollapse-perf.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
BIN="$TD/programs/bin"
GO_PROG="$BIN/burn-go"
CPP_PROG="$BIN/burn-cpp"
ONLY="${ONLY:-}"

want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

# ---------------------------------------------------------------- programs
build() {
  mkdir -p "$BIN"
  (cd "$TD/programs/burn-cpp" &&
    g++ -O2 -g -fno-omit-frame-pointer -pthread -o "$BIN/burn-cpp" burn.cpp)
  (cd "$TD/programs/burn-go" &&
    CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/burn-go" .)
}

# tracefs for tracepoints
if [ ! -e /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing || true
fi

# ---------------------------------------------------------------- golden outputs
# golden <capture path relative to its directory> (run inside the capture directory)
golden() {
  local X="$1"
  perf report --stats -i "$X" > "$X.stats.txt" 2> /dev/null
  perf evlist -v -i "$X" 2> /dev/null | grep -v '^# Tip' > "$X.evlist.txt"
  perf script -i "$X" > "$X.script.txt" 2> "$X.script.stderr"
  # The "cpu" field is only accepted when the samples carry PERF_SAMPLE_CPU.
  local side="comm,pid,tid,time,event,ip,sym,dso,period"
  if perf evlist -v -i "$X" 2> /dev/null | grep -q 'sample_type: [A-Z_|]*|CPU'; then
    side="comm,pid,tid,cpu,time,event,ip,sym,dso,period"
  fi
  perf script -i "$X" --show-mmap-events --show-task-events --show-switch-events \
    --show-namespace-events --show-cgroup-events --show-lost-events \
    -F "$side" > "$X.script-side.txt" 2>> "$X.script.stderr"
  echo "$side" > "$X.script-side.fields"
  perf script -i "$X" -F comm,pid,tid,time,event,ip,sym,dso,period > "$X.script-pid.txt" 2>> "$X.script.stderr"
  # FlameGraph folding (stderr kept: "Filtering for events of type: …")
  perl "$SC" < "$X.script.txt" > "$X.folded" 2> "$X.folded.stderr"
  perl "$SC" --kernel < "$X.script.txt" > "$X.kernel.folded" 2> "$X.kernel.folded.stderr"
  perl "$SC" --jit < "$X.script.txt" > "$X.jit.folded" 2> "$X.jit.folded.stderr"
  perl "$SC" --all < "$X.script.txt" > "$X.all.folded" 2> "$X.all.folded.stderr"
  perl "$SC" --addrs < "$X.script.txt" > "$X.addrs.folded" 2> "$X.addrs.folded.stderr"
  perl "$SC" --pid < "$X.script-pid.txt" > "$X.pid.folded" 2> "$X.pid.folded.stderr"
  perl "$SC" --tid < "$X.script-pid.txt" > "$X.tid.folded" 2> "$X.tid.folded.stderr"
  # Raw dump only when small.
  perf script -i "$X" -D > "$X.dump.txt" 2> /dev/null || true
  if [ "$(stat -c %s "$X.dump.txt")" -ge 2000000 ]; then rm -f "$X.dump.txt"; fi
  # drop empty stderr files
  find . -maxdepth 1 -name '*.stderr' -size 0 -delete
}

# fresh <name>: make an empty capture directory and cd into it
fresh() {
  rm -rf "${TD:?}/$1"
  mkdir -p "$TD/$1"
  cd "$TD/$1"
}

build

# 1. go-fp: Go program, frame-pointer call graphs
if want go-fp; then
  fresh go-fp
  perf record -g -F 499 -o perf.data -- "$GO_PROG" 300 > record.stdout 2> record.stderr
  golden perf.data
fi

# 2. cpp-fp: C++ program, frame-pointer call graphs (fib is recursive)
if want cpp-fp; then
  fresh cpp-fp
  perf record -g -F 499 -o perf.data -- "$CPP_PROG" 300 > record.stdout 2> record.stderr
  golden perf.data
fi

# 3. pipe: pipe-mode stream (header.size == 16); the workload's stdout ends up in perf's stderr
if want pipe; then
  fresh pipe
  perf record -g -F 499 -o - -- "$CPP_PROG" 300 > perf.data.pipe 2> record.stderr
  golden perf.data.pipe
  perf script -i perf.data.pipe -F comm,tid,time,tod > perf.data.pipe.script-tod.txt 2>&1 || true
fi

# 4. zstd: compressed records (-z)
if want zstd; then
  fresh zstd
  perf record -z -g -F 499 -o perf.data -- "$GO_PROG" 300 > record.stdout 2> record.stderr
  golden perf.data
fi

# 5. threads: directory format perf.data/{data,data.N} on a 2-thread program
if want threads; then
  fresh threads
  perf record --threads -g -F 499 -o perf.data -- "$CPP_PROG" 200 2 > record.stdout 2> record.stderr
  golden perf.data
fi

# 6. two-events: two software events with different fixed periods. (perf record -c is one global
#    option: "-e cpu-clock -c 2000000 -e task-clock -c 4000000" gives BOTH events period 4000000.)
if want two-events; then
  fresh two-events
  perf record -g -e cpu-clock/period=2000000/ -e task-clock/period=4000000/ -o perf.data -- "$CPP_PROG" 300 \
    > record.stdout 2> record.stderr
  golden perf.data
fi

# 7. tracepoints: write(2) entries and scheduler switches of a program that writes
if want tracepoints; then
  fresh tracepoints
  perf record -g -e syscalls:sys_enter_write -e sched:sched_switch -o perf.data -- \
    "$CPP_PROG" 200 2 400 > record.stdout 2> record.stderr
  golden perf.data
fi

# 8. system-wide: -a for 0.3 s while burn-cpp (1 thread, user-space CPU) and dd (syscalls, i.e.
#    kernel stacks) run; /proc/kallsyms saved alongside
if want system-wide; then
  fresh system-wide
  "$CPP_PROG" 1000 1 > /dev/null &
  wl1=$!
  timeout 1 dd if=/dev/zero of=/dev/null bs=64k status=none &
  wl2=$!
  sleep 0.2
  perf record -a -g -F 499 -o perf.data -- sleep 0.3 > record.stdout 2> record.stderr
  cat /proc/kallsyms | gzip -9 -n > kallsyms.gz
  wait "$wl1"
  wait "$wl2" || true
  golden perf.data
fi

# 9. monoraw: -k CLOCK_MONOTONIC_RAW (HEADER_CLOCKID + HEADER_CLOCK_DATA); also -F tod output
if want monoraw; then
  fresh monoraw
  perf record -k CLOCK_MONOTONIC_RAW -g -F 499 -o perf.data -- "$GO_PROG" 300 > record.stdout 2> record.stderr
  golden perf.data
  perf script -i perf.data -F comm,pid,tid,time,tod,event,ip,sym > perf.data.script-tod.txt
fi

# 10. switch-ns-cgroup: context-switch, namespace and cgroup records
if want switch-ns-cgroup; then
  fresh switch-ns-cgroup
  perf record --switch-events --namespaces --all-cgroups -g -F 499 -o perf.data -- \
    "$CPP_PROG" 200 2 500 > record.stdout 2> record.stderr
  golden perf.data
fi

# record sizes / versions for README bookkeeping
cd "$TD"
{
  echo "perf: $(perf --version)"
  echo "go: $(go version)"
  echo "g++: $(g++ --version | head -1)"
  echo "kernel: $(uname -r)"
  echo "libc6-dbg: $(dpkg-query -W -f='${Version}' libc6-dbg 2> /dev/null || echo missing)"
  echo "FlameGraph stackcollapse-perf.pl sha256: $(sha256sum "$SC" | cut -d" " -f1)"
} > versions.txt
echo "done"
