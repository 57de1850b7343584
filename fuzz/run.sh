#!/usr/bin/env bash
# Fuzzes one target (or all, one after the other) with AFL++ for SECONDS each. See fuzz/README.md.
# usage: fuzz/run.sh TARGET|all SECONDS
# Needs afl++ (Debian: apt-get install afl++) and the SharpFuzz.CommandLine dotnet tool (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0).
# Work files go to $FUZZ_WORK (default fuzz/.work, not committed). After each run: AFL's fuzzer_stats is copied to
# fuzz/results/TARGET/, the queue is minimised (afl-cmin) into fuzz/corpus/TARGET/, and crashes/hangs are copied to
# fuzz/findings/TARGET/ (not committed) and replayed with the uninstrumented harness.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 TARGET|all SECONDS" >&2; exit 2; }
target=$1; seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORK:-$root/fuzz/.work}
export PATH=$PATH:$HOME/.dotnet/tools
mkdir -p "$work"
plain=$root/fuzz/Stackweave.Fuzz/bin/Release/net10.0/Stackweave.Fuzz.dll

# Build once (a lock keeps two concurrent runs from building over each other): the plain harness (seeds, replay) and an
# instrumented copy (SharpFuzz rewrites the library dlls to report branch coverage to AFL's shared memory).
(
  flock 9
  if [ ! -f "$work/bin/.instrumented" ] || [ -n "$(find "$root/src/Formats" "$root/src/Merge" "$root/fuzz/Stackweave.Fuzz" -name '*.cs' -newer "$work/bin/.instrumented" -print -quit)" ]; then
    dotnet build "$root/fuzz/Stackweave.Fuzz" -c Release -v q -nologo | tail -2
    rm -rf "$work/bin"
    dotnet publish "$root/fuzz/Stackweave.Fuzz" -c Release -o "$work/bin" -v q -nologo | tail -1
    for dll in Stackweave.Formats.dll Stackweave.Merge.dll; do sharpfuzz "$work/bin/$dll"; done
    touch "$work/bin/.instrumented"
  fi
) 9>"$work/build.lock"

# afl-fuzz runs dotnet, which has no AFL instrumentation of its own: SharpFuzz's fork server speaks the protocol.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
# afl-cmin refuses work directories under /tmp unless told (FUZZ_WORK may be there).
export AFL_ALLOW_TMP=1
dotnet_bin=$(command -v dotnet)
# Memory cap: the GC heap of the harness is limited to 2 GiB (an allocation past it is an OutOfMemoryException, a
# finding); AFL's own -m cannot be used, dotnet reserves far more address space than it uses.
export DOTNET_GCHeapHardLimit=0x80000000
# A hang is an input that runs over 2 s (afl-fuzz -t 2000).
timeout_ms=2000

# Saves a minimised queue as fuzz/corpus/TARGET/: smallest files first, up to $FUZZ_CORPUS_BUDGET bytes (default
# 400 KiB; the committed corpora replay in every test run and must stay small, all together well under 5 MB), none over 256 KiB.
keep_corpus() {
  local t=$1 from=$2 total=0 i=0 size f
  local budget=${FUZZ_CORPUS_BUDGET:-409600}
  rm -rf "$root/fuzz/corpus/$t"; mkdir -p "$root/fuzz/corpus/$t"
  while read -r size f; do
    [ "$size" -le 262144 ] && [ $((total + size)) -le "$budget" ] || continue
    cp "$f" "$root/fuzz/corpus/$t/$(printf '%04d' $i)"; i=$((i+1)); total=$((total + size))
  done < <(find "$from" -maxdepth 1 -type f -printf '%s %p\n' | sort -n)
  echo "corpus: $i of $(find "$from" -maxdepth 1 -type f | wc -l) minimised files ($total bytes) in fuzz/corpus/$t"
}

fuzz_one() {
  local t=$1 dir=$work/$1
  rm -rf "$dir"; mkdir -p "$dir/in"
  cp -r "$work/bin" "$dir/bin"   # own copy: a rebuild for another run does not change this one under AFL
  "$root/fuzz/seeds.sh" "$t" "$dir/in" "$plain"
  if [ -d "$root/fuzz/corpus/$t" ]; then cp "$root/fuzz/corpus/$t/"* "$dir/in/" 2>/dev/null || true; fi
  echo "== $t: fuzzing $seconds s from $(ls "$dir/in" | wc -l) seeds ($(date -u +%H:%M:%S) UTC)"
  afl-fuzz -V "$seconds" -i "$dir/in" -o "$dir/out" -t "$timeout_ms" -m none -- "$dotnet_bin" "$dir/bin/Stackweave.Fuzz.dll" "$t" > "$dir/afl.log" 2>&1 || { tail -20 "$dir/afl.log"; return 1; }
  local q=$dir/out/default
  mkdir -p "$root/fuzz/results/$t"
  cp "$q/fuzzer_stats" "$root/fuzz/results/$t/fuzzer_stats"
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs) ' "$q/fuzzer_stats"
  # Minimised corpus: the smallest set of queue entries with the same coverage.
  rm -rf "$dir/cmin"
  if afl-cmin -i "$q/queue" -o "$dir/cmin" -t 5000 -m none -- "$dotnet_bin" "$dir/bin/Stackweave.Fuzz.dll" "$t" > "$dir/cmin.log" 2>&1; then
    keep_corpus "$t" "$dir/cmin"
  else
    echo "afl-cmin failed (see $dir/cmin.log); corpus not updated"
  fi
  local found=0
  for kind in crashes hangs; do
    for f in "$q/$kind/"id*; do
      [ -f "$f" ] || continue
      mkdir -p "$root/fuzz/findings/$t/$kind"; cp "$f" "$root/fuzz/findings/$t/$kind/"; found=1
    done
  done
  if [ $found = 1 ]; then
    echo "findings of $t (replayed without instrumentation):"
    dotnet "$plain" run "$t" "$root/fuzz/findings/$t/"*/id* | grep -v '^ok\|^format-error' | grep -E 'FINDING|^ *at ' | head -40 || true
  fi
}

if [ "$target" = all ]; then
  for t in $(dotnet "$plain" 2>&1 | sed -n 's/^targets: //p'); do fuzz_one "$t"; done
else
  fuzz_one "$target"
fi
