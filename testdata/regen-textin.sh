#!/usr/bin/env bash
# Regenerates testdata/textin/: perf script text in several layouts (from the captures next door and one new capture
# without call graphs) and FlameGraph's stackcollapse-perf.pl output on each. Run as root with linux-perf, perl and
# FlameGraph (FLAMEGRAPH_DIR, default /work/FlameGraph); run testdata/regen.sh first if the captures changed.
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-perf.pl"
[ -f "$SC" ] || { echo "stackcollapse-perf.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
OUT="$TD/textin"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"

# Layouts of the existing captures.
perf script -i "$TD/go-fp/perf.data" --ns > go-fp.ns.txt
perf script -i "$TD/cpp-fp/perf.data" -F comm,tid,time,ip,sym > cpp-fp.comm-tid-time-ip-sym.txt
perf script -i "$TD/tracepoints/perf.data" -F comm,pid,tid,cpu,time,event,trace,ip,sym,dso > tracepoints.cpu-trace.txt 2> /dev/null
perf script -i "$TD/monoraw/perf.data" -F +tod > monoraw.tod.txt
perf script -i "$TD/system-wide/perf.data" --header > system-wide.header.txt

# A capture without call graphs (one-line stacks: the ip on the header line), of a program whose name holds a blank.
mkdir -p prog
cp "$TD/programs/bin/burn-go" "prog/burn go"
perf record -F 499 -o nog.data -- "./prog/burn go" 200 > nog.record.stdout 2> nog.record.stderr
perf script -i nog.data > nog.txt
rm -rf prog nog.data nog.data.old

# stackcollapse-perf.pl on each text (the first 5 stderr lines kept when there are any).
for t in *.txt; do
  b="${t%.txt}"
  perl "$SC" < "$t" > "$b.folded" 2> stderr.tmp || true
  [ -s stderr.tmp ] && head -n 5 stderr.tmp > "$b.folded.stderr"
  perl "$SC" --kernel < "$t" > "$b.kernel.folded" 2> stderr.tmp || true
  [ -s stderr.tmp ] && head -n 5 stderr.tmp > "$b.kernel.folded.stderr"
  rm -f stderr.tmp
done

{
  perf --version
  echo "stackcollapse-perf.pl sha256 $(sha256sum "$SC" | cut -d' ' -f1)"
} > versions.txt
