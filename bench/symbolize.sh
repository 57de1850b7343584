#!/usr/bin/env bash
# Symbolization benchmark against a large binary: a capture of node (Debian's /usr/bin/node, ~100 MB, unstripped:
# full .symtab) running bench/node-work.js with --perf-basic-prof, symbolized by Stackweave (folded output) and by
# `perf script | stackcollapse-perf.pl`. Checks first that the folded outputs are identical, then times each command
# RUNS times (wall and CPU time, peak RSS from /usr/bin/time) and replaces the "Symbolizing" section of bench/RESULTS.md
# with the medians, the capture's size and the symbolizer's counts (distinct addresses, symbols loaded per binary).
#
# Needs: root (perf record), linux-perf, nodejs, time, perl, FlameGraph's stackcollapse-perf.pl in $FLAMEGRAPH_DIR
# (default /work/FlameGraph), the .NET SDK.
# Usage: sudo bench/symbolize.sh     (records bench/work/node.data if missing; delete it to record anew)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
fg=${FLAMEGRAPH_DIR:-/work/FlameGraph}
runs=${RUNS:-3}
work=$here/work
mkdir -p "$work"
export TZ=UTC LC_ALL=C
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

data=$work/node.data
if [ ! -f "$data" ]; then
  # (in $work: --perf-basic-prof also writes an isolate-*-v8.log into the working directory)
  (cd "$work" && perf record -g -F 4999 -o "$data" -- node --perf-basic-prof "$here/node-work.js" 4000 > /dev/null 2> "$work/node-record.stderr")
  pid=$( (perf script -i "$data" -F pid 2>/dev/null || true) | head -1 | tr -d ' ')
  cp "/tmp/perf-$pid.map" "$work/"
fi
pid=$( (perf script -i "$data" -F pid 2>/dev/null || true) | head -1 | tr -d ' ')
# perf reads the map at /tmp/perf-PID.map; Stackweave finds it next to the capture.
cp "$work/perf-$pid.map" "/tmp/perf-$pid.map"
samples=$(perf report --stats -i "$data" 2>/dev/null | sed -nE 's/^ *SAMPLE events: *([0-9]+).*/\1/p' | head -1)
size=$(du -h "$data" | cut -f1)
nodesize=$(du -m "$(readlink -f /usr/bin/node)" | cut -f1)

dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/stackweave" >/dev/null
sw="$work/stackweave/stackweave"

perf script -i "$data" 2>/dev/null | perl "$fg/stackcollapse-perf.pl" > "$work/node.reference.folded" 2>/dev/null
"$sw" convert "$data" --format folded -o "$work/node.stackweave.folded"
# Same stacks and counts; frames may differ where perf's choice between overlapping symbols depends on its rb-tree's
# shape (node has labels inside functions): those lines are counted and reported, not hidden.
total() { awk '{t+=$NF} END{printf "%d", t}' "$1"; }
if [ "$(total "$work/node.reference.folded")" != "$(total "$work/node.stackweave.folded")" ] \
   || [ "$(wc -l < "$work/node.reference.folded")" != "$(wc -l < "$work/node.stackweave.folded")" ]; then
  echo "folded outputs differ in lines or totals; not timing (diff $work/node.reference.folded $work/node.stackweave.folded)" >&2
  exit 1
fi
difflines=$(diff "$work/node.reference.folded" "$work/node.stackweave.folded" | grep -c '^<' || true)
difframes=$(diff <(tr ';' '\n' < "$work/node.reference.folded" | sed 's/ [0-9]*$//' | sort -u) \
                 <(tr ';' '\n' < "$work/node.stackweave.folded" | sed 's/ [0-9]*$//' | sort -u) | grep '^[<>]' | tr '\n' ' ' || true)
# What the symbolizer did: distinct addresses, per-binary symbol counts (stackweave info --json).
"$sw" info "$data" --json > "$work/node.info.json"
counts=$(python3 - "$work/node.info.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))[0]["binaries"]
addrs = sum(x["addresses"] for x in b)
unres = sum(x["unresolved"] for x in b)
node = next(x for x in b if x["path"].endswith("/node"))
jit = next((x for x in b if x["kind"] == "Jit"), None)
print(f"{addrs} distinct addresses ({unres} unresolved) in {len(b)} binaries; /usr/bin/node: {node['symbols']} symbols, "
      f"{node['addresses']} addresses, in {node['samples']} samples ({node['frames']} frames)" + (f"; JIT map: {jit['symbols']} symbols, {jit['addresses']} addresses" if jit else ""))
PY
)

measure() { # command...; prints "wall_s cpu_s rss_mb" medians (cpu = user + sys)
  local walls=() cpus=() rsss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c "$*" >/dev/null 2>&1
    read -r w u s r < "$work/time.txt"
    walls+=("$w"); cpus+=("$(echo "$u + $s" | bc)"); rsss+=("$((r / 1024))")
  done
  local mid=$(( (runs + 1) / 2 ))
  printf '%s %s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "${mid}p")" \
    "$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n "${mid}p")" "$(printf '%s\n' "${rsss[@]}" | sort -g | sed -n "${mid}p")"
}

rows=()
row() { local name=$1; shift; read -r w c r <<< "$(measure "$@")"; rows+=("| \`$name\` | $w | $c | $r |"); }
row "stackweave convert --format folded (dotnet tool, ReadyToRun)" "'$sw' convert '$data' --format folded -o /dev/null"
row "stackweave info (symbolizes to count per binary)" "'$sw' info '$data' > /dev/null"
row "perf script | stackcollapse-perf.pl" "perf script -i '$data' 2>/dev/null | perl '$fg/stackcollapse-perf.pl' > /dev/null"
row "perf script > /dev/null" "perf script -i '$data' > /dev/null 2>&1"
rm -f "/tmp/perf-$pid.map"

section=$work/symbolize-section.md
{
  echo "## Symbolizing against a large binary (node)"
  echo
  echo "Made by \`bench/symbolize.sh\` on $(date -u +%F): $(nproc) cores, $(perf --version), node $(node --version) (/usr/bin/node: ${nodesize} MB, unstripped), .NET $(dotnet --version)."
  echo "Capture: \`perf record -g -F 4999 -- node --perf-basic-prof bench/node-work.js 4000\`: ${size}, ${samples} samples."
  echo "Symbolizer counts: ${counts}."
  if [ "$difflines" = 0 ]; then echo "Stackweave's folded output was checked identical to the pipeline's before timing."
  else echo "Stackweave's folded output has the pipeline's lines and counts; ${difflines} of $(wc -l < "$work/node.reference.folded") lines name a frame differently (perf's pick among overlapping node symbols, e.g. a NOTYPE label inside a FUNC, depends on its rb-tree's shape): \`${difframes}\`."; fi
  echo "Medians of ${runs} runs (wall and CPU = user + sys seconds from /usr/bin/time; peak RSS %M)."
  echo
  echo "| command | wall s | cpu s | peak RSS MB |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Each binary's symbol table is loaded once, when the first address in it is symbolized (binaries mapped but never"
  echo "sampled are not opened), and kept for the run; each distinct (mapping, address) location is resolved once, whatever"
  echo "the number of samples through it (tests: DebugJit/SymbolizeOnceTests)."
} > "$section"

results=$here/RESULTS.md
if grep -q '^## Symbolizing against a large binary' "$results"; then
  python3 - "$results" "$section" <<'PY'
import sys, re
text = open(sys.argv[1]).read(); new = open(sys.argv[2]).read()
text = re.sub(r"## Symbolizing against a large binary.*?(?=\n## |\Z)", new.rstrip("\n") + "\n", text, flags=re.S)
open(sys.argv[1], "w").write(text)
PY
else
  { echo; cat "$section"; } >> "$results"
fi
cat "$section"
