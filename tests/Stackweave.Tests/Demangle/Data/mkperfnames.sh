#!/bin/sh
# Perf-style golden for every corpus name: assembles one shared object whose symbols are all the names of
# corpus.tsv.gz and rust-corpus.tsv.gz (one 1-byte function each) and asks perf 6.1 to list them demangled
# (perf probe -F uses the same dso__load_sym -> demangle_sym path as perf script). Output: sorted, distinct.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
(zcat corpus.tsv.gz; zcat rust-corpus.tsv.gz) | cut -f1 | sort -u |
  awk 'BEGIN { print ".text" } { printf ".globl \"%s\"\n.type \"%s\",@function\n\"%s\":\n  ret\n.size \"%s\",1\n", $0, $0, $0, $0 }' > "$tmp/syms.s"
gcc -shared -nostdlib -o "$tmp/syms.so" "$tmp/syms.s"
perf probe -F --filter='*' -x "$tmp/syms.so" | LC_ALL=C sort -u | gzip -9n > perf-names.txt.gz
rm -rf "$tmp"
