#!/usr/bin/env bash
# Regenerates testdata/anchors/ (bpftrace wall-clock anchors, issue 9 point 1; see README.md, "bpftrace wall-clock anchors").
# Run as root on Linux with perf 6.1 (linux-perf), bpftrace 0.17, Go 1.19 (/usr/bin/go) and tracefs.
#
# One run of clockprobe (testdata/clock/clockprobe/main.go: prints its own CLOCK_REALTIME/MONOTONIC/MONOTONIC_RAW/BOOTTIME
# readings at start and end, write()s every 2-6 ms in between) is watched at once by
#   perf record -g -k CLOCK_MONOTONIC_RAW -F 499 -e cpu-clock -e syscalls:sys_enter_write --pid PID
#   bpftrace anchors.bt PID           text output: every write() as "nsecs pid tid comm write fd <strftime of the same nsecs>",
#                                     a "nsecs tick <strftime %H:%M:%S.%f of the same nsecs>" line and a time() line every 200 ms
#   bpftrace -f json anchors.bt PID   the same script, JSON output
#   runtime/pprof                     (the program's own CPU profile, cpu.pb.gz)
# TZ=UTC: bpftrace's strftime() and time() print local time (localtime_r); UTC here, so the text is UTC.
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$TD/anchors"
MS="${MS:-1500}"
if [ ! -e /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing || true; fi
BIN="$(mktemp -d)"
trap 'rm -rf "$BIN"' EXIT
(cd "$TD/clock/clockprobe" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/clockprobe" .)

mkdir -p "$OUT"
cd "$OUT"
rm -f perf.data perf.data.* cpu.pb.gz cpu.pb.gz.* bpftrace.txt bpftrace.txt.stderr bpftrace.json bpftrace.json.stderr \
      clockprobe.stdout clockprobe.stderr perf.stderr writes.out versions.txt
cat > anchors.bt <<'BT'
// bpftrace 0.17 wall-clock text next to nsecs (pid = $1). nsecs is read once into $t so that the number printed and the
// number strftime() converts are the same reading (each use of the nsecs builtin reads the clock again).
// strftime() adds bpftrace's boot-time wall clock (CLOCK_REALTIME - CLOCK_BOOTTIME, measured once at start) to its argument
// and formats it with localtime_r; %f is bpftrace's extension for microseconds (6 digits, truncated).
tracepoint:syscalls:sys_enter_write /pid == $1/ {
  $t = nsecs;
  printf("%llu %d %d %s write %d %s\n", $t, pid, tid, comm, args->fd, strftime("%Y-%m-%dT%H:%M:%S.%f", $t));
}
// A dateless strftime() line and a time() line (time() = user-space wall clock when the line is printed, "%H:%M:%S\n").
interval:ms:200 {
  $t = nsecs;
  printf("%llu tick %s\n", $t, strftime("%H:%M:%S.%f", $t));
  time();
}
tracepoint:sched:sched_process_exit /pid == $1 && tid == $1/ { exit(); }
BT

mkfifo "$BIN/go"
"$BIN/clockprobe" "$OUT" "$MS" < "$BIN/go" > clockprobe.stdout 2> clockprobe.stderr &
PROBE=$!
exec 3> "$BIN/go"
i=0; while ! grep -q '^ready' clockprobe.stdout && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

perf record -g -k CLOCK_MONOTONIC_RAW -F 499 -e cpu-clock -e syscalls:sys_enter_write --pid "$PROBE" -o perf.data 2> perf.stderr &
PERF=$!
bpftrace anchors.bt "$PROBE" > bpftrace.txt 2> bpftrace.txt.stderr &
BT=$!
bpftrace -f json anchors.bt "$PROBE" > bpftrace.json 2> bpftrace.json.stderr &
BTJ=$!
# bpftrace compiles for seconds on a loaded machine: start the workload only once both have attached their probes.
i=0; while { ! grep -q '^Attaching' bpftrace.txt || ! grep -q 'attached_probes' bpftrace.json; } && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
echo go >&3
exec 3>&-
wait "$PROBE"
sleep 0.5
kill -INT "$PERF" 2> /dev/null || true
wait "$PERF" || true
for p in "$BT" "$BTJ"; do kill -INT "$p" 2> /dev/null || true; wait "$p" || true; done
rm -f writes.out
for f in bpftrace.txt.stderr bpftrace.json.stderr; do [ -s "$f" ] || rm -f "$f"; done

# References made by the tools themselves on these files.
perf script -i perf.data -F comm,pid,tid,time,tod,event --ns > perf.data.script-tod.txt 2> /dev/null
go tool pprof -symbolize=none -raw cpu.pb.gz > cpu.pb.gz.raw.txt 2> /dev/null
{
  perf --version
  bpftrace --version
  go version
  uname -r
  date -u +'made %Y-%m-%dT%H:%M:%SZ, TZ=UTC'
} > versions.txt
ls -l
