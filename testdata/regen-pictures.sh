#!/usr/bin/env bash
# Regenerates testdata/pictures/: flamegraph.pl's SVGs of bundled folded goldens, the reference for Stackweave's
# --format svg (frame weights by path, and the colours of a differential graph, which flamegraph.pl computes
# deterministically). Needs perl and FlameGraph ($FLAMEGRAPH_DIR, default /work/FlameGraph). No capture is remade.
set -euo pipefail
cd "$(dirname "$0")"
fg=${FLAMEGRAPH_DIR:-/work/FlameGraph}
out=pictures
mkdir -p "$out"
# plain flame graph of go-fp's folded stacks (made by stackcollapse-perf.pl, see regen.sh); every frame kept
perl "$fg/flamegraph.pl" --minwidth 0 go-fp/perf.data.folded > "$out/go-fp.flamegraph.svg"
# differential: zstd/ (burn-go 300, base) against go-fp/ (burn-go 300, new), as difffolded.pl + flamegraph.pl draw it
perl "$fg/difffolded.pl" zstd/perf.data.folded go-fp/perf.data.folded > "$out/zstd-go-fp.diff.folded"
perl "$fg/flamegraph.pl" --minwidth 0 "$out/zstd-go-fp.diff.folded" > "$out/zstd-go-fp.diff.flamegraph.svg"
# cpp-fp with kernel annotations (_[k]) in icicle form
perl "$fg/flamegraph.pl" --minwidth 0 --inverted cpp-fp/perf.data.kernel.folded > "$out/cpp-fp-kernel.icicle.flamegraph.svg"
{
  echo "flamegraph.pl sha256 $(sha256sum "$fg/flamegraph.pl" | cut -d' ' -f1)"
  echo "difffolded.pl sha256 $(sha256sum "$fg/difffolded.pl" | cut -d' ' -f1)"
  perl -v | sed -n 2p
} > "$out/versions.txt"
