#!/usr/bin/env bash
# Regenerates testdata/gopclntab/ (see the "Go pclntab" section of testdata/README.md).
# Needs: root (perf record), perf, Go 1.19 (/usr/bin/go), binutils (readelf, objcopy, addr2line), llvm-addr2line
# (Debian llvm-14), python3, npm (esbuild binaries, via gopclntab/fetch-esbuild.sh).
set -euo pipefail
cd "$(dirname "$0")/gopclntab"
work=/tmp/stackweave-gopcln          # the path the capture records for the profiled binary
esb=${STACKWEAVE_ESBUILD_DIR:-${HOME:-/root}/.cache/stackweave-esbuild}
rm -rf "$work" && mkdir -p "$work"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0

(cd gosymdump && go build -o "$work/gosymdump" .)
(cd prog && go build -trimpath -o "$work/gopcln-dwarf" . && go build -trimpath -ldflags='-s -w' -o "$work/gopcln-stripped" .)
# The DWARF goldens hold for the stripped build only if both builds have the same code at the same addresses.
objcopy -O binary --only-section=.text "$work/gopcln-dwarf" "$work/text1"
objcopy -O binary --only-section=.text "$work/gopcln-stripped" "$work/text2"
cmp "$work/text1" "$work/text2"
[ "$(readelf -SW "$work/gopcln-dwarf" | awk '$2==".text"{print $4}')" = "$(readelf -SW "$work/gopcln-stripped" | awk '$2==".text"{print $4}')" ]

# A copy without section headers (e_shoff = e_shnum = e_shstrndx = 0), cut after its last PT_LOAD byte: only the
# header scan can find its pclntab.
python3 - "$work/gopcln-stripped" gopcln-noshdr <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
assert d[:4] == b'\x7fELF' and d[4] == 2 and d[5] == 1       # ELF64 little-endian
phoff, = struct.unpack_from('<Q', d, 32)
phentsize, phnum = struct.unpack_from('<HH', d, 54)
end = 0
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', d, phoff + i * phentsize)
    if p_type == 1: end = max(end, p_offset + p_filesz)
struct.pack_into('<Q', d, 40, 0)                               # e_shoff
struct.pack_into('<HHH', d, 58, 0, 0, 0)                       # e_shentsize, e_shnum, e_shstrndx
open(sys.argv[2], 'wb').write(d[:end])
PY
chmod +x gopcln-noshdr
cp gopcln-noshdr "$work/gopcln"

rm -f perf.data perf.data.old
perf record -g -F 999 -o perf.data -- "$work/gopcln" 1000 > record.stdout 2> record.stderr
perf script -i perf.data -F comm,tid,time,ip,sym,dso > capture.script.txt

# Every frame of the Go binary in the capture: leaf addresses as they are, callers at address - 1 (the call).
python3 - "$work/gopcln" capture.script.txt > capture.addrs <<'PY'
import struct, sys
binary, script = sys.argv[1], sys.argv[2]
d = open(binary, 'rb').read()
phoff, = struct.unpack_from('<Q', d, 32); phentsize, phnum = struct.unpack_from('<HH', d, 54)
loads = []
for i in range(phnum):
    p_type, _, off, va, _, filesz = struct.unpack_from('<IIQQQQ', d, phoff + i * phentsize)
    if p_type == 1: loads.append((off, va, filesz))
seen = set(); first = False
for line in open(script):
    if not line.strip(): first = False; continue
    if not line.startswith('\t'): first = True; continue
    parts = line.split()
    if not parts[-1] == '(' + binary + ')': first = False; continue
    off = int(parts[0], 16)   # perf script prints file-backed user addresses as file offsets (map__map_ip)
    va = next(off - o + v for o, v, n in loads if o <= off < o + n)
    key = (va, 'leaf' if first else 'caller'); first = False
    if key not in seen: seen.add(key); print('0x%x %s' % key)
PY
python3 -c 'import sys; [print("0x%x" % (int(a, 16) - (k == "caller"))) for a, k in (l.split() for l in sys.stdin)]' < capture.addrs | sort -u > "$work/lookups"
"$work/gosymdump" "$work/gopcln-stripped" < "$work/lookups" > capture.gosym.txt
addr2line -a -i -f -e "$work/gopcln-dwarf" < "$work/lookups" > capture.addr2line.txt
llvm-addr2line -a -i -f -e "$work/gopcln-dwarf" < "$work/lookups" > capture.llvm-addr2line.txt
# Every function of the program (entry, middle, last byte).
"$work/gosymdump" -funcs 1 "$work/gopcln-stripped" > "$work/funcs"
"$work/gosymdump" "$work/gopcln-stripped" < "$work/funcs" | gzip -9n > funcs.gosym.txt.gz
llvm-addr2line -a -i -f -e "$work/gopcln-dwarf" < "$work/funcs" | gzip -9n > funcs.llvm-addr2line.txt.gz

# esbuild (stripped Go binaries of every pclntab layout): debug/gosym on every 16th function.
./fetch-esbuild.sh "$esb"
while read -r _ name; do
  "$work/gosymdump" -funcs 16 "$esb/$name" > "$work/$name.addrs"
  "$work/gosymdump" "$esb/$name" < "$work/$name.addrs" | gzip -9n > "$name.gosym.txt.gz"
done < esbuild.sha256

{
  echo "go: $(go version)"
  echo "perf: $(perf version)"
  echo "addr2line: $(addr2line --version | head -1)"
  echo "llvm-addr2line: $(llvm-addr2line --version | grep -m1 -i version)"
  echo "kernel: $(uname -r)"
  for f in "$esb"/esbuild-*; do echo "$(basename "$f"): $(go version "$f" 2>&1 | sed 's/^[^:]*: //')"; done
  sha256sum gopcln-noshdr
} > versions.txt
