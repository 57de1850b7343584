#!/bin/sh
# Builds the demangler corpus: every distinct _Z/_R symbol (.dynsym and .symtab) of the listed libraries,
# paired with what c++filt prints for it. Run on Debian 12 (binutils 2.40).
set -e
L=/usr/lib/x86_64-linux-gnu
{
  for f in $L/libstdc++.so.6 $L/libicui18n.so.72 $L/libicuuc.so.72 $L/libgrpc.so.29.0.0; do
    readelf -sW --dyn-syms "$f"; readelf -sW "$f"
  done | awk '{print $8}' | sed 's/@.*//' | grep -E '^_[ZR]' | sort -u
  # every 8th distinct name of libLLVM-15 and libclang-cpp-14 (sorted), to keep the file small
  for f in $L/libLLVM-15.so.1 $L/libclang-cpp.so.14; do readelf -sW --dyn-syms "$f"; done \
    | awk '{print $8}' | sed 's/@.*//' | grep -E '^_[ZR]' | sort -u | awk 'NR % 8 == 0'
} | sort -u > names.txt
c++filt < names.txt > demangled.txt
paste names.txt demangled.txt | gzip -9n > corpus.tsv.gz

# node's .dynsym (Debian/nodesource nodejs 20.20.2, /usr/bin/node): every 8th of its distinct _Z/_R names, to keep the
# file small (all 78,865 were checked once the same way: every one matched c++filt).
readelf -sW --dyn-syms /usr/bin/node | awk '{print $8}' | sed 's/@.*//' | grep -E '^_[ZR]' | sort -u | awk 'NR % 8 == 0' > node.names
c++filt < node.names > node.demangled
paste node.names node.demangled | gzip -9n > node-dynsym.tsv.gz
