#!/usr/bin/env bash
# Regenerates testdata/unwind/: perf record --call-graph dwarf captures of a C++ program (-O2 -g, no frame pointers),
# a C++ program running inside libc/libstdc++, a Rust program and a Go program, plus a frame-pointer capture of the
# Go program; the goldens perf script and FlameGraph's stackcollapse-perf.pl make of them; and a symfs tree holding
# every binary the captures map (the programs, libc, libstdc++, libm, libgcc_s, ld.so, the vdso from perf's build-id
# cache), and the symbol tables of libc6-dbg's debug files (perf names libc internals from them).
# Run as root with linux-perf, g++, rustc, golang-go (1.19), libc6-dbg, zstd, perl and FlameGraph (FLAMEGRAPH_DIR).
# The programs are built into /srv/swu (the path the captures record; the symfs mirrors it).
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-perf.pl"
[ -f "$SC" ] || { echo "stackcollapse-perf.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
OUT="$TD/unwind"
SRC="$OUT/programs"
BIN=/srv/swu
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$BIN"
g++ -O2 -g -fomit-frame-pointer -o "$BIN/cppburn" "$SRC/cppburn.cpp"
g++ -O2 -g -fomit-frame-pointer -o "$BIN/libcall" "$SRC/libcall.cpp"
# -C strip=debuginfo: Rust's std ships DWARF that would make the binary 4.6 MB; .symtab and .eh_frame stay.
rustc -C opt-level=2 -g -C strip=debuginfo -o "$BIN/rustburn" "$SRC/rustburn.rs"
(cd "$TD/programs/burn-go" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/burn-go" .)

rm -rf "$OUT"/*-dwarf "$OUT"/go-fp2 "$OUT/symfs" "$OUT/debug" "$OUT/buildid"
record() { # name callgraph program args...
  local name="$1" cg="$2"; shift 2
  mkdir -p "$OUT/$name"
  perf record -F 499 --call-graph "$cg" -o "$WORK/$name.data" -- "$@" > "$OUT/$name/record.stdout" 2> "$OUT/$name/record.stderr"
  (
    cd "$OUT/$name"
    perf script -i "$WORK/$name.data" > "$WORK/$name.script.txt" 2> script.stderr
    perf script -i "$WORK/$name.data" --no-inline > script.noinline.txt 2>> script.stderr
    perl "$SC" < script.noinline.txt > noinline.folded
    perl "$SC" < "$WORK/$name.script.txt" > inline.folded
    perf report -i "$WORK/$name.data" --stats > stats.txt 2> /dev/null || true
    zstd -19 -q -f "$WORK/$name.data" -o perf.data.zst
  )
}
record cpp-dwarf dwarf,8192 "$BIN/cppburn" 1500
record libcall-dwarf dwarf,8192 "$BIN/libcall" 1500
record rust-dwarf dwarf,8192 "$BIN/rustburn" 1500
record go-dwarf dwarf,8192 "$BIN/burn-go" 1500
record go-fp2 fp "$BIN/burn-go" 1500

# symfs: every file the captures map, at its recorded path; the vdso from perf's build-id cache.
for name in cpp-dwarf libcall-dwarf rust-dwarf go-dwarf; do
  zstd -dc "$OUT/$name/perf.data.zst" > "$WORK/x.data"
  perf buildid-list -i "$WORK/x.data" --with-hits 2> /dev/null | while read -r id path rest; do
    case "$path" in
      \[vdso\]) mkdir -p "$OUT/buildid/.build-id/${id:0:2}/${id:2}"; cp "$HOME/.debug/[vdso]/$id/vdso" "$OUT/buildid/.build-id/${id:0:2}/${id:2}/vdso" ;;
      \[*) ;;
      /*) mkdir -p "$OUT/symfs$(dirname "$path")"; cp -L "$path" "$OUT/symfs$path"
          dbg="/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
          if [ -f "$dbg" ]; then
            # only the symbol table of the debug file (perf names libc internals from it): no DWARF
            mkdir -p "$OUT/debug/.build-id/${id:0:2}"
            objcopy --strip-debug "$dbg" "$OUT/debug/.build-id/${id:0:2}/${id:2}.debug"
          fi ;;
    esac
  done
done
mkdir -p "$OUT/symfs$BIN"; cp "$BIN/burn-go" "$OUT/symfs$BIN/"   # Go binaries have no build id perf lists
{
  perf version; g++ --version | head -1; rustc --version; go version; ldd --version | head -1
  echo "FlameGraph $(git -C "$FG" rev-parse --short HEAD 2> /dev/null || echo unknown)"
} > "$OUT/versions.txt"
