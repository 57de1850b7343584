#!/usr/bin/env bash
# Regenerates testdata/clock/ (clock alignment, issue 9; see README.md, "Clock alignment captures").
# Run as root on Linux with perf 6.1 (linux-perf), bpftrace 0.17, Go 1.19 (/usr/bin/go) and tracefs.
#
# One run of clockprobe (clockprobe/main.go) is watched at once by
#   perf record -g -k CLOCK_MONOTONIC_RAW -F 499 -e cpu-clock -e syscalls:sys_enter_write --pid PID
#   bpftrace clock.bt PID   (nsecs, pid, tid, comm of every write() of PID)
#   runtime/pprof           (the program's own CPU profile, cpu.pb.gz)
# and prints its own CLOCK_REALTIME/MONOTONIC/MONOTONIC_RAW/BOOTTIME readings at start and end
# (clockprobe.stdout). The program blocks reading a line from a fifo before it starts, so both tracers
# are attached to its pid before its first reading.
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$TD/clock"
MS="${MS:-1500}"
if [ ! -e /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing || true; fi
BIN="$(mktemp -d)"
trap 'rm -rf "$BIN"' EXIT
(cd "$OUT/clockprobe" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/clockprobe" .)

cd "$OUT"
rm -f perf.data perf.data.* cpu.pb.gz cpu.pb.gz.* bpftrace.txt bpftrace.txt.stderr clockprobe.stdout clockprobe.stderr \
      perf.stderr writes.out versions.txt
cat > clock.bt <<'BT'
// Every write() of one process (pid = $1): nsecs (CLOCK_BOOTTIME on bpftrace 0.17), pid, tid, comm, fd.
tracepoint:syscalls:sys_enter_write /pid == $1/ { printf("%llu %d %d %s write %d\n", nsecs, pid, tid, comm, args->fd); }
tracepoint:sched:sched_process_exit /pid == $1 && tid == $1/ { exit(); }
BT

mkfifo "$BIN/go"
"$BIN/clockprobe" "$OUT" "$MS" < "$BIN/go" > clockprobe.stdout 2> clockprobe.stderr &
PROBE=$!
exec 3> "$BIN/go"
i=0; while ! grep -q '^ready' clockprobe.stdout && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

perf record -g -k CLOCK_MONOTONIC_RAW -F 499 -e cpu-clock -e syscalls:sys_enter_write --pid "$PROBE" -o perf.data 2> perf.stderr &
PERF=$!
bpftrace clock.bt "$PROBE" > bpftrace.txt 2> bpftrace.txt.stderr &
BT=$!
# bpftrace compiles for seconds on a loaded machine: start the workload only once its probes are attached.
i=0; while ! grep -q '^Attaching' bpftrace.txt && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
echo go >&3
exec 3>&-
wait "$PROBE"
sleep 0.5
kill -INT "$PERF" 2> /dev/null || true
wait "$PERF" || true
kill -INT "$BT" 2> /dev/null || true
wait "$BT" || true
rm -f writes.out
[ -s bpftrace.txt.stderr ] || rm -f bpftrace.txt.stderr

# References made by the tools themselves on these files.
perf script -i perf.data -F comm,pid,tid,time,tod,event --ns > perf.data.script-tod.txt 2> /dev/null
perf report --stats -i perf.data > perf.data.report-stats.txt 2> /dev/null
go tool pprof -symbolize=none -raw cpu.pb.gz > cpu.pb.gz.raw.txt 2> /dev/null
{
  perf --version
  bpftrace --version
  go version
  uname -r
} > versions.txt
ls -l
