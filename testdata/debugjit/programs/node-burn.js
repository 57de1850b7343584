// CPU-bound workload for testdata/regen-debugjit.sh: named functions that V8 compiles (perf map / jitdump names).
'use strict';
function innerMix(i) { return ((i * 2654435761) ^ (i >>> 3)) >>> 0; }
function middleLoop(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + innerMix(i)) >>> 0; return s; }
function outerWork(n) { return middleLoop(n) + middleLoop(n >> 1); }
const ms = Number(process.argv[2] || 500);
const end = Date.now() + ms;
let acc = 0;
while (Date.now() < end) acc = (acc + outerWork(20000)) >>> 0;
console.log(acc & 0xff);
