// Workload for bench/symbolize.sh: spends its time inside node's own C++ (JSON, zlib, crypto, regexps, Buffer), so the
// capture has many distinct addresses in the ~100 MB /usr/bin/node binary, plus JIT frames from --perf-basic-prof.
'use strict';
const zlib = require('zlib');
const crypto = require('crypto');
const ms = Number(process.argv[2] || 3000);
const end = Date.now() + ms;
const doc = { items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: 'item' + i, tags: ['a', 'b', String(i % 7)] })) };
let n = 0;
while (Date.now() < end) {
  const text = JSON.stringify(doc);
  const back = JSON.parse(text);
  const z = zlib.deflateSync(Buffer.from(text));
  zlib.inflateSync(z);
  crypto.createHash('sha256').update(text).digest('hex');
  n += (text.match(/item\d+3/g) || []).length + back.items.length;
  Buffer.from(text).toString('base64');
}
console.log(n & 0xff);
