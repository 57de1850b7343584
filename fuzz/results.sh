#!/usr/bin/env bash
# Prints the Markdown table of fuzz/RESULTS.md from the committed AFL fuzzer_stats (fuzz/results/TARGET/fuzzer_stats).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
echo "| target | started (UTC) | time (s) | executions | execs/s (mean) | paths (corpus_count) | cycles | stability | bitmap coverage | crashes | hangs |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in "$root"/fuzz/results/*/fuzzer_stats; do
  t=$(basename "$(dirname "$f")")
  v() { sed -n "s/^$1 *: //p" "$f"; }
  start=$(date -u -d "@$(v start_time)" +%Y-%m-%d\ %H:%M)
  rt=$(v run_time); ex=$(v execs_done)
  echo "| $t | $start | $rt | $ex | $(( rt > 0 ? ex / rt : 0 )) | $(v corpus_count) | $(v cycles_done) | $(v stability) | $(v bitmap_cvg) | $(v saved_crashes) | $(v saved_hangs) |"
done
