#!/usr/bin/env bash
# Whole-process benchmark: the same large capture through Stackweave and through
# `perf script | stackcollapse-perf.pl`, plus `perf script > /dev/null` alone.
# Checks first that the folded outputs are identical, then times each command RUNS times
# (wall time and peak RSS from /usr/bin/time), and writes the medians to bench/RESULTS.md.
#
# Needs: root (perf record -a), linux-perf, time, perl, FlameGraph's stackcollapse-perf.pl in
# $FLAMEGRAPH_DIR (default /work/FlameGraph; not part of this repository).
# Usage: sudo bench/run.sh            (records bench/work/perf.data if missing; delete it to record anew)
#        RUNS=5 SECONDS_TO_RECORD=15 sudo bench/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
fg=${FLAMEGRAPH_DIR:-/work/FlameGraph}
runs=${RUNS:-3}
secs=${SECONDS_TO_RECORD:-11}
work=$here/work
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

data=$work/perf.data
if [ ! -f "$data" ]; then
  # Load both CPUs with the bundled C++ and Go programs, sample every 20 us of CPU time, system-wide.
  "$root/testdata/programs/bin/burn-cpp" $((secs * 1000 + 1500)) 2 >/dev/null &
  "$root/testdata/programs/bin/burn-go" $((secs * 1000 + 1500)) >/dev/null &
  sleep 0.3
  perf record -a -g -m 1024 -e cpu-clock -c 20000 -o "$data" -- sleep "$secs" 2>"$work/record.stderr"
  wait
fi
# a capture recorded earlier says how long it ran in its own command line ("... -- sleep N")
recorded=$(perf report --header-only -i "$data" 2>/dev/null | sed -nE 's/^# cmdline : .* sleep ([0-9]+) *$/\1/p' | head -1)
secs=${recorded:-$secs}
samples=$(perf report --stats -i "$data" 2>/dev/null | sed -nE 's/^ *SAMPLE events: *([0-9]+).*/\1/p' | head -1)
size=$(du -h "$data" | cut -f1)

# Two builds of the same code: the dotnet tool as users install it (framework-dependent, precompiled ReadyToRun),
# and a native executable (Native AOT: no JIT at start-up; `dotnet publish src/Cli -r linux-x64 -p:PublishAot=true`).
dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/stackweave" >/dev/null
dotnet publish "$root/src/Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$work/stackweave-aot" >/dev/null
sw="$work/stackweave/stackweave"
swaot="$work/stackweave-aot/stackweave"

perf script -i "$data" 2>/dev/null | perl "$fg/stackcollapse-perf.pl" > "$work/reference.folded" 2>/dev/null
for bin in "$sw" "$swaot"; do
  "$bin" convert "$data" --format folded -o "$work/stackweave.folded"
  if ! cmp -s "$work/reference.folded" "$work/stackweave.folded"; then
    echo "folded outputs differ ($bin); not timing (diff $work/reference.folded $work/stackweave.folded)" >&2
    exit 1
  fi
done

measure() { # name, command...; prints "wall_s rss_kb" medians
  local name=$1; shift
  local walls=() rsss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" bash -c "$*" >/dev/null 2>&1
    read -r w r < "$work/time.txt"
    walls+=("$w"); rsss+=("$r")
  done
  local mw mr
  mw=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  mr=$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%s\t%s\t%s\n' "$name" "$mw" "$mr"
}

results=()
results+=("$(measure "stackweave convert --format folded (native AOT)" "'$swaot' convert '$data' --format folded -o /dev/null")")
results+=("$(measure "stackweave convert --format folded (dotnet tool, ReadyToRun)" "'$sw' convert '$data' --format folded -o /dev/null")")
results+=("$(measure "perf script | stackcollapse-perf.pl" "perf script -i '$data' 2>/dev/null | perl '$fg/stackcollapse-perf.pl' > /dev/null")")
results+=("$(measure "perf script > /dev/null" "perf script -i '$data' > /dev/null 2>&1")")

section=$work/section.md
{
  echo "## Folded: Stackweave against perf script and stackcollapse-perf.pl"
  echo
  echo "Made by \`bench/run.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, $(perf --version), .NET $(dotnet --version)."
  echo "Capture: system-wide \`perf record -a -g -m 1024 -e cpu-clock -c 20000\` for ${secs} s while the bundled"
  echo "C++ and Go programs load both CPUs: $size, $samples samples with callchains."
  echo "Both Stackweave builds' folded outputs were checked identical to the pipeline's before timing."
  echo "Medians of $runs runs (wall time from /usr/bin/time %e; peak RSS %M, for a pipeline the largest process)."
  echo
  echo "| command | wall s | peak RSS MB |"
  echo "|---|---:|---:|"
  for r in "${results[@]}"; do
    IFS=$'\t' read -r n w m <<<"$r"
    echo "| \`${n//|/\\|}\` | $w | $(( m / 1024 )) |"
  done
  echo
} > "$section"
# Replace this script's section of RESULTS.md (other scripts append their own sections after it).
out=$here/RESULTS.md
if [ -f "$out" ] && grep -q '^## Folded: Stackweave against' "$out"; then
  awk -v sec="$section" '
    /^## Folded: Stackweave against/ { while ((getline l < sec) > 0) print l; skip=1; next }
    skip && /^## / { skip=0 }
    !skip { print }' "$out" > "$out.tmp" && mv "$out.tmp" "$out"
else
  { echo "# Benchmark results"; echo; cat "$section"; [ -f "$out" ] && sed '1{/^# Benchmark results$/d}' "$out"; } > "$out.tmp" && mv "$out.tmp" "$out"
fi
cat "$section"
