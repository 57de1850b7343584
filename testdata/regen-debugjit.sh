#!/usr/bin/env bash
# Regenerates testdata/debugjit/: captures for debug-file discovery (a stripped C program with a detached debug file),
# JIT perf maps and jitdump files (.NET, Node.js), and perf 6.1's view of each (goldens). Run as root with linux-perf,
# gcc, binutils (objcopy, strip), the .NET 10 SDK, node, perl and FlameGraph (FLAMEGRAPH_DIR, default /work/FlameGraph).
# ONLY="debug dotnet node nodeprof" limits what is regenerated.
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FG="${FLAMEGRAPH_DIR:-/work/FlameGraph}"
SC="$FG/stackcollapse-perf.pl"
[ -f "$SC" ] || { echo "stackcollapse-perf.pl not found in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
OUT="$TD/debugjit"
PROG="$OUT/programs"
ONLY="${ONLY:-debug dotnet node nodeprof}"
# Programs run from this fixed directory, so the recorded paths do not depend on the checkout.
WORK=/tmp/stackweave-debugjit
rm -rf "$WORK"
mkdir -p "$WORK/bin"
want() { case " $ONLY " in *" $1 "*) return 0;; *) return 1;; esac; }

# perf script text, and stackcollapse-perf.pl over it (default, --jit, --addrs); gzip -9n keeps them small.
goldens() { # DIR NAME [perf script args...]
  local dir="$1" name="$2"; shift 2
  perf script "$@" > "$dir/$name.script.txt" 2> "$dir/$name.script.stderr" || true
  [ -s "$dir/$name.script.stderr" ] || rm -f "$dir/$name.script.stderr"
  perl "$SC" < "$dir/$name.script.txt" > "$dir/$name.folded" 2> /dev/null
  perl "$SC" --jit < "$dir/$name.script.txt" > "$dir/$name.jit.folded" 2> /dev/null
  perl "$SC" --addrs < "$dir/$name.script.txt" > "$dir/$name.addrs.folded" 2> /dev/null
  gzip -9nf "$dir/$name.script.txt" "$dir/$name.folded" "$dir/$name.jit.folded" "$dir/$name.addrs.folded"
}

if want debug; then
  D="$OUT/debug"
  rm -rf "$D"; mkdir -p "$D"
  # -g: DWARF and .symtab go to the debug file; the runtime binary keeps only .dynsym and a .gnu_debuglink.
  for v in 0 1; do
    gcc -O1 -g -fno-omit-frame-pointer -fno-inline -DVARIANT=$v -o "$WORK/burn-c.$v" "$PROG/burn-c.c"
    objcopy --only-keep-debug "$WORK/burn-c.$v" "$WORK/burn-c.$v.debug"
    strip --strip-all "$WORK/burn-c.$v"
    (cd "$WORK" && cp "burn-c.$v.debug" burn-c.debug && objcopy --add-gnu-debuglink=burn-c.debug "burn-c.$v")
    rm -f "$WORK/burn-c.debug"
  done
  cp "$WORK/burn-c.0" "$WORK/bin/burn-c"
  cp "$WORK/burn-c.0" "$D/burn-c"               # the stripped binary that ran
  cp "$WORK/burn-c.0.debug" "$D/burn-c.debug"   # its debug file (the name its .gnu_debuglink gives)
  cp "$WORK/burn-c.1.debug" "$D/other.debug"    # a debug file of another build (VARIANT=1): other build id, other CRC
  (cd "$D" && perf record -e cpu-clock:u -g -F 499 -o perf.data -- "$WORK/bin/burn-c" 400 > record.stdout 2> record.stderr)
  # perf's view without the debug file (frames of burn-c unknown), then with it next to the binary (found by debuglink).
  goldens "$D" nodebug -i "$D/perf.data"
  cp "$D/burn-c.debug" "$WORK/bin/burn-c.debug"
  goldens "$D" debuglink -i "$D/perf.data"
  perf buildid-list -i "$D/perf.data" > "$D/buildid-list.txt"
  readelf -n "$D/burn-c" | sed -n 's/.*Build ID: //p' > "$D/burn-c.buildid"
  readelf -n "$D/other.debug" | sed -n 's/.*Build ID: //p' > "$D/other.buildid"
  rm -f "$WORK/bin/burn-c.debug"
fi

if want dotnet; then
  D="$OUT/dotnet"
  rm -rf "$D"; mkdir -p "$D"
  dotnet build -c Release "$PROG/dotnet-burn/dotnet-burn.csproj" -o "$WORK/dotnet-burn" \
    -p:BaseIntermediateOutputPath="$WORK/obj/" > /dev/null
  rm -f /tmp/perf-*.map /tmp/jit-*.dump
  # PerfMapEnabled=1: /tmp/perf-PID.map and /tmp/jit-PID.dump. StubGranularity=3: stubs one by one (the default block
  # records of .NET 10.0 read uncommitted memory and end the jitdump after two records). W^X off: JIT code in //anon
  # mappings, as perf's perf-map lookup needs (with W^X it runs from "/memfd:doublemapper", which perf 6.1 does not map).
  # -k mono: jitdump times are CLOCK_MONOTONIC, which perf inject --jit needs.
  (cd "$D" && DOTNET_PerfMapEnabled=1 DOTNET_PerfMapStubGranularity=3 DOTNET_EnableWriteXorExecute=0 \
     perf record -k mono -g -F 499 -o perf.data -- "$WORK/dotnet-burn/dotnet-burn" 500 > record.stdout 2> record.stderr)
  PID=$( (perf script -i "$D/perf.data" -F pid 2> /dev/null || true) | head -1 | tr -d ' ')
  cp "/tmp/perf-$PID.map" "$D/"
  gzip -9n < "/tmp/jit-$PID.dump" > "$D/jit-$PID.dump.gz"
  goldens "$D" perfmap -i "$D/perf.data"
  # jitdump: perf needs perf inject --jit (it reads /tmp/jit-PID.dump, the path the capture's MMAP record names).
  mv "/tmp/perf-$PID.map" "$WORK/perf-$PID.map.aside"
  perf inject --jit -i "$D/perf.data" -o "$WORK/dotnet.jit.data"
  goldens "$D" jitdump -i "$WORK/dotnet.jit.data"
  rm -f "/tmp/jit-$PID.dump" "$WORK/perf-$PID.map.aside" /tmp/jitted-"$PID"-*.so
fi

if want node; then
  D="$OUT/node"
  rm -rf "$D"; mkdir -p "$D"
  cp "$PROG/node-burn.js" "$WORK/"
  (cd "$D" && perf record -g -F 499 -o perf.data -- node --perf-basic-prof "$WORK/node-burn.js" 400 > record.stdout 2> record.stderr)
  PID=$( (perf script -i "$D/perf.data" -F pid 2> /dev/null || true) | head -1 | tr -d ' ')
  cp "/tmp/perf-$PID.map" "$D/"
  goldens "$D" perfmap -i "$D/perf.data"
  rm -f "/tmp/perf-$PID.map" "$D"/isolate-*-v8.log
fi

if want nodeprof; then
  D="$OUT/nodeprof"
  rm -rf "$D"; mkdir -p "$D"
  cp "$PROG/node-burn.js" "$WORK/"
  # --perf-prof: V8 writes jit-PID.dump in the working directory (CODE_LOAD, CODE_DEBUG_INFO; unwinding info records
  # with --perf-prof-unwinding-info); --interpreted-frames-native-stack gives interpreted functions their own frames.
  (cd "$WORK" && perf record -k mono -g -F 499 -o "$D/perf.data" -- node --perf-prof --perf-prof-unwinding-info \
     --interpreted-frames-native-stack node-burn.js 400 > "$D/record.stdout" 2> "$D/record.stderr")
  PID=$( (perf script -i "$D/perf.data" -F pid 2> /dev/null || true) | head -1 | tr -d ' ')
  # V8 writes every builtin's code into the file (about 2 MB); zstd -19 keeps it at about 450 KB.
  zstd -q -19 < "$WORK/jit-$PID.dump" > "$D/jit-$PID.dump.zst"
  perf inject --jit -i "$D/perf.data" -o "$WORK/node.jit.data"
  goldens "$D" jitdump -i "$WORK/node.jit.data"
  rm -f /tmp/jitted-"$PID"-*.so
fi

{
  perf --version
  gcc --version | head -1
  objcopy --version | head -1
  echo "dotnet $(dotnet --version), runtime $(dotnet --list-runtimes | grep NETCore | tail -1 | cut -d' ' -f2)"
  echo "node $(node --version)"
  echo "stackcollapse-perf.pl sha256 $(sha256sum "$SC" | cut -d' ' -f1)"
} > "$OUT/versions.txt"
rm -rf "$WORK"
