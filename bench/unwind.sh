#!/usr/bin/env bash
# Unwinding benchmark (issue 10 point 4): samples/s unwound by Stackweave on a large --call-graph dwarf capture,
# against `perf script` (perf 6.1's libunwind-based unwinding) on the same file. Checks first how much of the folded
# weight agrees, then times each command RUNS times (median CPU time user+sys and wall time, /usr/bin/time: CPU time is
# the figure to compare on a shared machine), and prints a Markdown table to append to bench/RESULTS.md.
#
# Needs: root, linux-perf, g++, time, perl, FlameGraph's stackcollapse-perf.pl in $FLAMEGRAPH_DIR (default /work/FlameGraph).
# Usage: sudo bench/unwind.sh     (records bench/work/unwind.data if missing; SECONDS_TO_RECORD, FREQ, RUNS)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
fg=${FLAMEGRAPH_DIR:-/work/FlameGraph}
runs=${RUNS:-3}
secs=${SECONDS_TO_RECORD:-20}
freq=${FREQ:-3999}
work=$here/work
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

data=$work/unwind.data
if [ ! -f "$data" ]; then
  # The libc/libstdc++ program of testdata/unwind (stacks crossing shared libraries), built as the tests' copy is.
  g++ -O2 -g -fomit-frame-pointer -o "$work/libcall" "$root/testdata/unwind/programs/libcall.cpp"
  perf record -F "$freq" --call-graph dwarf,8192 -o "$data" -- "$work/libcall" $((secs * 1000)) >/dev/null 2>"$work/unwind.record.stderr"
fi
samples=$(perf report --stats -i "$data" 2>/dev/null | sed -nE 's/^ *SAMPLE events: *([0-9]+).*/\1/p' | head -1)
size=$(du -h "$data" | cut -f1)

dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/stackweave" >/dev/null
sw="$work/stackweave/stackweave"
# kernel symbols from the running kernel (the capture was just made here); binaries at their recorded paths
"$sw" convert "$data" -o "$work/unwind.sw.folded"
perf script -i "$data" --no-inline 2>/dev/null | perl "$fg/stackcollapse-perf.pl" > "$work/unwind.ref.folded" 2>/dev/null
match=$(python3 - "$work/unwind.sw.folded" "$work/unwind.ref.folded" <<'PY'
import sys
def load(p):
    d = {}
    for l in open(p):
        k, _, v = l.rstrip('\n').rpartition(' ')
        if k: d[k] = d.get(k, 0) + int(v)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
print(f"{100 * sum(min(a.get(k, 0), v) for k, v in b.items()) / sum(b.values()):.2f}")
PY
)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # label, command...
  local label=$1; shift
  local t=() w=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U %S %e" -o "$work/t" "$@" >/dev/null 2>&1
    t+=("$(awk '{printf "%.2f", $1 + $2}' "$work/t")")
    w+=("$(awk '{print $3}' "$work/t")")
  done
  local m mw; m=$(printf '%s\n' "${t[@]}" | median); mw=$(printf '%s\n' "${w[@]}" | median)
  printf '| %s | %s | %s | %s |\n' "$label" "$m" "$mw" "$(awk -v s="$samples" -v t="$m" 'BEGIN {printf "%.0f", s / t}')"
  echo "$m" > "$work/last.cpu"
}
{
  echo "## Unwinding --call-graph dwarf samples"
  echo
  echo "Made by \`bench/unwind.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, $(perf version), .NET $(dotnet --version)."
  echo "Capture: \`perf record -F $freq --call-graph dwarf,8192\` of testdata/unwind's \`libcall\` for ${secs} s: $size, $samples samples."
  echo "Machine load average while timing: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Folded weight equal to \`perf script --no-inline | stackcollapse-perf.pl\`: $match %. Medians of $runs runs."
  echo
  echo "| command | CPU s | wall s | samples/s (CPU) |"
  echo "|---|---:|---:|---:|"
  timeit '`stackweave convert --format folded` (unwinds)' "$sw" convert "$data" -o "$work/o.folded"
  with=$(cat "$work/last.cpu")
  timeit '`stackweave convert --format folded --no-unwind`' "$sw" convert "$data" --no-unwind -o "$work/o.folded"
  without=$(cat "$work/last.cpu")
  timeit '`perf script > /dev/null` (unwinds)' perf script -i "$data"
  timeit '`perf script --no-inline > /dev/null`' perf script -i "$data" --no-inline
  echo
  echo "Unwinding alone (CPU with unwinding − CPU with \`--no-unwind\`): $(awk -v a="$with" -v b="$without" -v s="$samples" \
    'BEGIN { d = a - b; if (d <= 0) print "below the timing noise"; else printf "%.2f s, %.0f samples/s", d, s / d }')."
}
