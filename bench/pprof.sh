#!/usr/bin/env bash
# pprof benchmark: a large synthetic profile (bench/work/big.pb, raw protobuf, made by
# testdata/pprof/gen -big) read by Stackweave and by `go tool pprof -raw` (Go 1.19).
# Checks first that Stackweave's folded total of the cpu column equals the total of that column in
# go tool pprof's -raw listing, then times each command RUNS times (wall time, peak RSS from
# /usr/bin/time) and replaces the "pprof" section of bench/RESULTS.md with the medians.
#
# Needs: golang-go (go, go tool pprof), time, the .NET SDK.
# Usage: bench/pprof.sh          (SAMPLES=600000 RUNS=1 by default; delete bench/work/big.pb to remake it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-1}
samples=${SAMPLES:-600000}
work=$here/work
mkdir -p "$work"
export HOME=${HOME:-/root} TZ=UTC
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

big=$work/big.pb
if [ ! -f "$big" ]; then
  (cd "$root/testdata/pprof/gen" && GOFLAGS=-buildvcs=false go build -trimpath -o "$work/pprofgen" .)
  "$work/pprofgen" -big "$big" "$samples"
fi
size=$(du -m "$big" | cut -f1)

dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/stackweave" >/dev/null
sw="$work/stackweave/stackweave"

# Same totals: Stackweave's folded cpu column against go tool pprof's listing of the samples.
go tool pprof -symbolize=none -raw "$big" > "$work/big.raw.txt" 2>/dev/null
expected=$(awk '/^Samples:/{s=1; next} /^Locations/{s=0} s && /^ +[0-9-]+ +[0-9-]+ +[0-9-]+: /{t+=$2} END{printf "%d", t}' "$work/big.raw.txt")
"$sw" convert "$big" --sample-type cpu -o "$work/big.folded"
actual=$(awk '{t+=$NF} END{printf "%d", t}' "$work/big.folded")
if [ "$expected" != "$actual" ]; then
  echo "cpu totals differ: go tool pprof $expected, stackweave $actual; not timing" >&2
  exit 1
fi

measure() { # command...; prints "wall_s cpu_s rss_mb" medians (cpu = user + sys)
  local walls=() cpus=() rsss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c "$*" >/dev/null 2>&1
    read -r w u s r < "$work/time.txt"
    walls+=("$w"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')"); rsss+=("$r")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  echo "$(med "${walls[@]}") $(med "${cpus[@]}") $(( $(med "${rsss[@]}") / 1024 ))"
}

read -r w1 c1 r1 < <(measure "$sw convert '$big' --sample-type cpu -o '$work/big.folded'")
read -r w2 c2 r2 < <(measure "$sw convert '$big' -o '$work/big.out.pb.gz'")
read -r w3 c3 r3 < <(measure "go tool pprof -symbolize=none -raw '$big' > /dev/null")
read -r w4 c4 r4 < <(measure "go tool pprof -symbolize=none -proto '$big' > '$work/big.go.pb.gz'")

section=$(cat <<MD
## pprof

Made by \`bench/pprof.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores (load average $(cut -d' ' -f1 /proc/loadavg) while
measuring: the machine is shared, so wall times are inflated alike), $(go version | cut -d' ' -f3), .NET $(dotnet --version).
Profile: \`bench/work/big.pb\`, ${size} MB raw protobuf, ${samples} samples of 20,000 distinct stacks (8–64 frames)
with two string labels and one numeric label each, three sample types (\`testdata/pprof/gen -big\`, fixed seed).
Stackweave's folded cpu total was checked equal to the cpu total of \`go tool pprof -raw\` before timing.
Medians of ${runs} run(s) from /usr/bin/time: wall %e, CPU %U + %S (both runtimes use more than one thread:
their garbage collectors and JIT or scheduler threads), peak RSS %M. CPU time is the fairer figure on a loaded machine.

| command | wall s | CPU s | peak RSS MB |
|---|---:|---:|---:|
| \`stackweave convert big.pb --sample-type cpu -o big.folded\` | $w1 | $c1 | $r1 |
| \`stackweave convert big.pb -o big.pb.gz\` (pprof → pprof) | $w2 | $c2 | $r2 |
| \`go tool pprof -symbolize=none -raw big.pb\` | $w3 | $c3 | $r3 |
| \`go tool pprof -symbolize=none -proto big.pb\` | $w4 | $c4 | $r4 |
MD
)
results=$here/RESULTS.md
# Replace an earlier "## pprof" section (up to the next "## " heading), else append.
awk -v sec="$section" '
  /^## pprof$/ {skip=1; print sec; done=1; next}
  skip && /^## / {skip=0}
  !skip {print}
  END {if (!done) {print ""; print sec}}' "$results" > "$results.new"
mv "$results.new" "$results"
echo "$section"
