#!/usr/bin/env bash
# Regenerates testdata/dwarf/: a tiny C++ program with inlined functions built five ways (DWARF 5, DWARF 4,
# zlib- and zstd-compressed debug sections, LTO with cross-CU references), a frame-pointer perf capture of each,
# a DWARF-unwound capture of the DWARF 5 build, and the references: perf script (--inline), addr2line -i -f -C on
# every sampled address of the program, and stackcollapse-perf.pl --inline.
# Run as root with g++, binutils, linux-perf, perl and FlameGraph (FLAMEGRAPH_DIR, default /work/FlameGraph).
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-perf.pl"
[ -f "$SC" ] || { echo "stackcollapse-perf.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
D="$TD/dwarf"
cd "$D"
rm -rf bin fp-* dw versions.txt
mkdir -p bin

# The builds (same source; only the debug information differs, except LTO).
CXX="g++ -O2 -fno-omit-frame-pointer"
$CXX -g                                    -o bin/inl        prog/inl.cpp
$CXX -gdwarf-4                             -o bin/inl-dwarf4 prog/inl.cpp
$CXX -g -Wl,--compress-debug-sections=zlib -o bin/inl-zlib   prog/inl.cpp
$CXX -g -Wl,--compress-debug-sections=zstd -o bin/inl-zstd   prog/inl.cpp
$CXX -g -flto                              -o bin/inl-lto    prog/inl.cpp

# One frame-pointer capture per build, with its references.
for b in inl inl-dwarf4 inl-zlib inl-zstd inl-lto; do
  mkdir "fp-$b"
  (
    cd "fp-$b"
    perf record -g -F 999 -o perf.data -- "$D/bin/$b" 300 > record.stdout 2> record.stderr
    perf script -i perf.data > script.tmp 2> /dev/null
    perf script -i perf.data --inline > perf.data.script-inline.txt 2> /dev/null
    # perf 6.1 adds inlined frames only to callchains it unwinds itself (--call-graph dwarf): here both are the same.
    cmp -s script.tmp perf.data.script-inline.txt || { echo "fp-$b: perf script --inline differs from perf script" >&2; exit 1; }
    rm -f script.tmp
    perl "$SC" --inline < perf.data.script-inline.txt > perf.data.inline.folded 2> inline.folded.stderr || true
    [ -s inline.folded.stderr ] || rm -f inline.folded.stderr
    perl "$SC" < perf.data.script-inline.txt > perf.data.folded
    # Every distinct address perf printed in the program's own frames (sample ips and return addresses, as printed),
    # and addr2line's answer for each, in stackcollapse-perf.pl's own invocation minus -s (full paths kept). One
    # addr2line process per address, as stackcollapse-perf.pl runs it: binutils 2.40 names an inlined function without
    # a linkage name differently on a second lookup in the same process.
    awk -v m="($D/bin/$b)" '$NF == m { print "0x" $1 }' perf.data.script-inline.txt | sort -u > addrs.txt
    while read -r a; do addr2line -a "$a" -i -f -C -e "$D/bin/$b"; done < addrs.txt > addrs.addr2line.txt
  )
done

# A DWARF-unwound capture (perf unwinds it itself and, in perf 6.1, adds inlined frames only on this path).
mkdir dw
(
  cd dw
  perf record --call-graph dwarf,1024 -F 499 -o perf.data -- "$D/bin/inl" 150 > record.stdout 2> record.stderr
  perf script -i perf.data --inline > perf.data.script-inline.txt 2> /dev/null
)

{
  echo "perf: $(perf version)"
  echo "g++: $(g++ --version | head -n 1)"
  echo "binutils: $(addr2line --version | head -n 1)"
  echo "kernel: $(uname -r)"
  echo "stackcollapse-perf.pl sha256: $(sha256sum "$SC" | cut -d' ' -f1)"
  echo "FlameGraph commit: $(git -C "$FG" rev-parse HEAD 2> /dev/null || echo unknown)"
} > versions.txt
