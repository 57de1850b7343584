#!/usr/bin/env bash
# Output-writer benchmark: time and peak memory of writing speedscope JSON and CSV tables from the large capture
# that bench/run.sh records (bench/work/perf.data; run that first). `--format folded` is the baseline: it reads and
# symbolizes the same model and writes a small output, so the RSS above it is what a writer adds.
# Appends a section to bench/RESULTS.md. Needs /usr/bin/time (apt-get install time).
# Usage: bench/run-writers.sh        RUNS=5 bench/run-writers.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-3}
work=$here/work
data=$work/perf.data
if [ ! -f "$data" ]; then echo "no $data: run bench/run.sh first (it records the capture)" >&2; exit 1; fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/stackweave" >/dev/null
sw="$work/stackweave/stackweave"
samples=$(perf report --stats -i "$data" 2>/dev/null | sed -nE 's/^ *SAMPLE events: *([0-9]+).*/\1/p' | head -1 || true)

measure() { # name, output file, args...; prints "name wall rss bytes" (medians)
  local name=$1 out=$2; shift 2
  local walls=() rsss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$sw" convert "$data" -o "$out" "$@" >/dev/null 2>&1
    read -r w r < "$work/time.txt"
    walls+=("$w"); rsss+=("$r")
  done
  local mw mr
  mw=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  mr=$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%s\t%s\t%s\t%s\n' "$name" "$mw" "$mr" "$(stat -c %s "$out")"
  rm -f "$out"
}

results=()
results+=("$(measure "--format folded (baseline)" "$work/w.folded" --format folded)")
results+=("$(measure "--format speedscope (evented)" "$work/w.speedscope.json" --format speedscope)")
results+=("$(measure "--format speedscope --sampled" "$work/w.speedscope.json" --format speedscope --sampled)")
results+=("$(measure "--format speedscope --all-events" "$work/w.speedscope.json" --format speedscope --all-events)")
results+=("$(measure "--csv samples" "$work/w.csv" --csv samples)")
results+=("$(measure "--csv stacks" "$work/w.csv" --csv stacks)")
results+=("$(measure "--csv functions" "$work/w.csv" --csv functions)")

{
  echo
  echo "## Writers: speedscope and CSV"
  echo
  echo "Made by \`bench/run-writers.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, .NET $(dotnet --version), the capture above"
  echo "(${samples:-?} samples). Each row is \`stackweave convert perf.data -o FILE …\` (read, symbolize, write), medians of $runs"
  echo "runs; peak RSS from /usr/bin/time %M. The folded row is the baseline: the same model with a small output."
  echo
  echo "| command | wall s | peak RSS MB | output MB |"
  echo "|---|---:|---:|---:|"
  for r in "${results[@]}"; do
    IFS=$'\t' read -r n w m b <<<"$r"
    echo "| \`$n\` | $w | $(( m / 1024 )) | $(( b / 1048576 )) |"
  done
} >> "$here/RESULTS.md"
tail -n 16 "$here/RESULTS.md"
