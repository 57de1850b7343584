#!/usr/bin/env bash
# Regenerates testdata/gogaps/ (see the "Go inline trees of Go 1.9–1.13 and PIE" section of testdata/README.md).
# Needs: root (perf record), perf, Go 1.19 (/usr/bin/go), binutils (objcopy, readelf), llvm-addr2line (Debian llvm-14),
# python3, npm (the old Go binaries, via gogaps/fetch-old-go.sh).
set -euo pipefail
cd "$(dirname "$0")/gogaps"
work=/tmp/stackweave-gogaps          # the path the capture records for the profiled binary
esb=${STACKWEAVE_ESBUILD_DIR:-${HOME:-/root}/.cache/stackweave-esbuild}
rm -rf "$work" && mkdir -p "$work"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0
# Also needs gcc (the PIE's external link).

# A copy without section headers (e_shoff = e_shnum = e_shstrndx = 0), cut after its last PT_LOAD byte.
noshdr() {
python3 - "$1" "$2" <<'PY'
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
chmod +x "$2"
}

(cd ../gopclntab/gosymdump && go build -o "$work/gosymdump" .)

# 1. The pclntab test program built -buildmode=pie by Go 1.19 with external linking (gcc, GNU ld: the pclntab is merged
#    into .data.rel.ro, no .gopclntab section; go:func.* in .rodata), with DWARF and stripped (-s -w): same .text.
(cd ../gopclntab/prog && CGO_ENABLED=1 go build -trimpath -buildmode=pie -ldflags='-linkmode=external' -o "$work/pie-dwarf" . \
  && CGO_ENABLED=1 go build -trimpath -buildmode=pie -ldflags='-linkmode=external -s -w' -o "$work/pie-stripped" .)
objcopy -O binary --only-section=.text "$work/pie-dwarf" "$work/text1"
objcopy -O binary --only-section=.text "$work/pie-stripped" "$work/text2"
cmp "$work/text1" "$work/text2"
[ "$(readelf -SW "$work/pie-dwarf" | awk '$2==".text"{print $4}')" = "$(readelf -SW "$work/pie-stripped" | awk '$2==".text"{print $4}')" ]
gzip -9nc "$work/pie-stripped" > pie-stripped.gz
# gosymdump reads the unstripped build (its symbols locate the table: runtime.pclntab … runtime.epclntab, runtime.text).
"$work/gosymdump" -funcs 1 "$work/pie-dwarf" > "$work/pie.addrs"
"$work/gosymdump" "$work/pie-dwarf" < "$work/pie.addrs" | gzip -9n > pie.gosym.txt.gz
llvm-addr2line -a -i -f -e "$work/pie-dwarf" < "$work/pie.addrs" | gzip -9n > pie.llvm-addr2line.txt.gz

# 2. Old Go binaries: debug/gosym on every N-th function; DWARF inlined frames (llvm-addr2line -i) where they have DWARF.
./fetch-old-go.sh "$esb"
every() { case "$1" in pbf2json-4.9.0|esbuild-0.1.0) echo 2 ;; *) echo 16 ;; esac; }
while read -r _ name _ _; do
  "$work/gosymdump" -funcs "$(every "$name")" "$esb/$name" > "$work/$name.addrs"
  "$work/gosymdump" "$esb/$name" < "$work/$name.addrs" | gzip -9n > "$name.gosym.txt.gz"
  if readelf -SW "$esb/$name" | grep -q '\.z\?debug_info'; then
    llvm-addr2line -a -i -f -e "$esb/$name" < "$work/$name.addrs" | gzip -9n > "$name.llvm-addr2line.txt.gz"
  fi
done < old-go.sha256

# 3. A capture of a Go 1.11 binary (16-byte inline records): buildifier 0.19.2 without section headers (so only the
#    pclntab names its frames) formatting a generated 6,000-rule BUILD file read from stdin.
noshdr "$esb/buildifier-0.19.2" "$work/buildifier"
python3 - > "$work/BUILD" <<'PY'
import random
random.seed(7)
for i in range(6000):
    deps = ",".join('"//pkg%d:lib%d"' % (random.randrange(100), random.randrange(50)) for _ in range(random.randrange(1, 8)))
    print('go_library(name="lib%d",srcs=["a%d.go","b%d.go"],deps=[%s],visibility=["//visibility:public"])' % (i, i, i, deps))
PY
rm -f perf.data perf.data.old
perf record -g -F 499 -o perf.data -- "$work/buildifier" < "$work/BUILD" > /dev/null 2> record.stderr
perf script -i perf.data -F comm,tid,time,ip,sym,dso > "$work/capture.script.txt"
gzip -9nc "$work/capture.script.txt" > capture.script.txt.gz
# Every frame of the Go binary in the capture: leaf addresses as they are, callers at address - 1 (the call).
python3 - "$work/buildifier" "$work/capture.script.txt" > capture.addrs <<'PY'
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
"$work/gosymdump" "$esb/buildifier-0.19.2" < "$work/lookups" > capture.gosym.txt

{
  echo "go: $(go version)"
  echo "perf: $(perf version)"
  echo "llvm-addr2line: $(llvm-addr2line --version | grep -m1 -i version)"
  echo "kernel: $(uname -r)"
  while read -r _ name pkg _; do
    echo "$name ($pkg): $(strings -n 6 "$esb/$name" | grep -m1 -oE '^go1\.[0-9]+(\.[0-9]+)?$|go1\.[0-9]+(\.[0-9]+)?' )"
  done < old-go.sha256
  echo "gcc: $(gcc --version | head -1)"
  echo "ld: $(ld --version | head -1)"
} > versions.txt
