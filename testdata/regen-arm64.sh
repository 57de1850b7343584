#!/usr/bin/env bash
# Regenerates testdata/arm64/ (issue 10 point 2, aarch64): an aarch64 C++ program (-O2 -g -fomit-frame-pointer,
# -mbranch-protection=pac-ret; chain.c's CFI only in .debug_frame) built with Debian's cross compiler, run under
# qemu-aarch64 twice — pointer authentication off (gdb then unwinds every frame: the reference backtraces) and on
# (real PAC-signed return addresses); SVE off (gdb 13 cannot read qemu 7.2's SVE signal context) — with gdb-multiarch stopping it at chosen points through qemu's gdbstub and
# dumping what perf's REGS_USER and STACK_USER would hold (snapshot.py). The tests turn the snapshots into aarch64
# perf.data captures. Also: a stand-in vdso holding the arm64 sigreturn trampoline (programs/vdso.S), and a symfs of
# every object file the program maps, with code and data zeroed in the libraries (the unwinder reads only their
# headers, symbols and CFI).
# Needs: g++-aarch64-linux-gnu, binutils-aarch64-linux-gnu, qemu-user, gdb-multiarch, zstd, python3. Run as root
# (the program is built into /srv/swa64, the path the snapshots record).
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$TD/arm64"
SRC="$OUT/programs"
BIN=/srv/swa64
SYSROOT=/usr/aarch64-linux-gnu
PORT="${SNAP_PORT:-23946}"
WORK="$(mktemp -d)"
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT

mkdir -p "$BIN"
aarch64-linux-gnu-gcc -O2 -g -fomit-frame-pointer -mbranch-protection=pac-ret -fno-asynchronous-unwind-tables -fno-unwind-tables \
  -c "$SRC/chain.c" -o "$WORK/chain.o"
aarch64-linux-gnu-g++ -O2 -g -fomit-frame-pointer -mbranch-protection=pac-ret -c "$SRC/armburn.cpp" -o "$WORK/armburn.o"
aarch64-linux-gnu-g++ -O2 -g -Wl,--build-id "$WORK/armburn.o" "$WORK/chain.o" -o "$BIN/armburn"
aarch64-linux-gnu-as -o "$WORK/vdso.o" "$SRC/vdso.S"
aarch64-linux-gnu-ld -shared -soname linux-vdso.so.1 --build-id=sha1 --hash-style=sysv --eh-frame-hdr \
  -z max-page-size=4096 -z common-page-size=4096 -z norelro -o "$WORK/vdso.so" "$WORK/vdso.o"

STOPS="cpp_leaf:2,*'level2(long)':1,*'level2(long)'+4:1,*'level2(long)'+8:1,*'level2(long)'+24:1,compare_longs:1,CountingBuf::overflow:1,*on_ill:1,handler_leaf:2"
snap() { # name qemu-cpu
  env -i PATH=/usr/bin:/bin qemu-aarch64 -cpu "$2" -g "$PORT" -L "$SYSROOT" "$BIN/armburn" 5 > "$WORK/$1.stdout" 2>&1 &
  local q=$!
  sleep 1
  SNAP_OUT="$WORK/$1.json" SNAP_STOPS="$STOPS" SNAP_TRAMP_AFTER="*on_ill" SNAP_PROGRAM="$BIN/armburn" SNAP_PORT="$PORT" \
    SNAP_SYSROOT="$SYSROOT" gdb-multiarch -nx -batch -x "$OUT/snapshot.py" > "$WORK/$1.gdb.log" 2>&1
  wait "$q" || true
  zstd -19 -q -f "$WORK/$1.json" -o "$OUT/snapshots-$1.json.zst"
}
rm -rf "$OUT/symfs" "$OUT/buildid" "$OUT"/snapshots-*.json.zst
snap nopac max,sve=off,pauth=off
snap pac max,sve=off,pauth=on

# symfs: the program without DWARF but with .symtab and .debug_frame; libraries with code and data zeroed.
keep_cfi() { # in out: zero every section but headers, symbols, notes and CFI (offsets and sizes stay)
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", data, 0x28); shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
sh = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
names = sh[shstrndx][4]
keep = (".note", ".gnu.hash", ".hash", ".dynsym", ".dynstr", ".gnu.version", ".eh_frame", ".dynamic", ".symtab", ".strtab", ".shstrtab", ".debug_frame", ".gnu_debuglink")
for name, typ, flags, addr, off, size, *_ in sh:
    n = data[names + name:data.index(0, names + name)].decode()
    if typ != 8 and size and not n.startswith(keep):  # SHT_NOBITS has no bytes
        data[off:off + size] = bytes(size)
open(sys.argv[2], "wb").write(data)
PY
}
mkdir -p "$OUT/symfs$BIN"
aarch64-linux-gnu-objcopy -R .debug_info -R .debug_abbrev -R .debug_line -R .debug_str -R .debug_line_str \
  -R .debug_aranges -R .debug_rnglists -R .debug_loclists "$BIN/armburn" "$WORK/armburn"
zstd -19 -q -f "$WORK/armburn" -o "$OUT/symfs$BIN/armburn.zst"
for lib in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libgcc_s.so.1 libstdc++.so.6; do
  real="$(readlink -f "$SYSROOT/lib/$lib")"
  mkdir -p "$OUT/symfs$(dirname "$real")"
  keep_cfi "$real" "$WORK/lib"
  zstd -19 -q -f "$WORK/lib" -o "$OUT/symfs$real.zst"
done
id="$(aarch64-linux-gnu-readelf -n "$WORK/vdso.so" | awk '/Build ID/ {print $3}')"
mkdir -p "$OUT/buildid/.build-id/${id:0:2}/${id:2}"
cp "$WORK/vdso.so" "$OUT/buildid/.build-id/${id:0:2}/${id:2}/vdso"
{
  aarch64-linux-gnu-g++ --version | head -1; aarch64-linux-gnu-ld --version | head -1; qemu-aarch64 --version | head -1
  gdb-multiarch --version | head -1; dpkg-query -W -f='${Package} ${Version}\n' libc6-arm64-cross libstdc++6-arm64-cross
} > "$OUT/versions.txt"
