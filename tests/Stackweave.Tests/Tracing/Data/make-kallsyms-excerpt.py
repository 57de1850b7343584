#!/usr/bin/env python3
# Writes kallsyms.excerpt: for every word of the script outputs (stdin) that names a kernel symbol, its kallsyms
# line and the line of the next symbol by address (so the symbol's end is known).
# Usage: cat mixed.script.txt ipi.script.txt ... | python3 make-kallsyms-excerpt.py KALLSYMS > kallsyms.excerpt
import re, sys
words = set(re.findall(r'[A-Za-z_][\w.]*', sys.stdin.read()))
syms = []
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 3 and p[1].upper() in 'TWDB':
        syms.append((int(p[0], 16), line.rstrip('\n')))
syms.sort(key=lambda s: s[0])
keep = set()
for i, (addr, line) in enumerate(syms):
    if line.split()[2] in words:
        keep.add(i)
        j = i + 1
        while j < len(syms) and syms[j][0] == addr:
            j += 1
        if j < len(syms):
            keep.add(j)
for i in sorted(keep):
    print(syms[i][1])
