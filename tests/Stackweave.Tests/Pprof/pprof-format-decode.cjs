// Decodes pprof files with Datadog's npm package pprof-format (its Profile.decode) and prints, as JSON per file,
// what the decoder saw: counts of samples, locations, functions and mappings, the sample types, and the summed values
// per "stack | labels" key in the form tests/Stackweave.Tests/Pprof/RawText.cs uses (function names root first,
// inlined frames expanded, a location without lines as [mapping base name] or [unknown], labels "k:[v ...]" sorted).
// Usage: node pprof-format-decode.cjs TOOLS_DIR FILE...   (TOOLS_DIR holds node_modules/pprof-format)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [toolsDir, ...files] = process.argv.slice(2);
const { Profile } = require(path.join(toolsDir, 'node_modules', 'pprof-format'));
const version = require(path.join(toolsDir, 'node_modules', 'pprof-format', 'package.json')).version;

const out = [];
for (const file of files) {
  let data = fs.readFileSync(file);
  // gzip magic 1f 8b (RFC 1952 ID1 ID2)
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
  const p = Profile.decode(data);
  const str = (i) => p.stringTable.strings[Number(i)];
  const functions = new Map(p.function.map((f) => [String(f.id), f]));
  const mappings = new Map(p.mapping.map((m) => [String(m.id), m]));
  const locations = new Map(p.location.map((l) => [String(l.id), l]));
  const stacks = {};
  for (const s of p.sample) {
    if (s.value.every((v) => BigInt(v) === 0n)) continue;
    const frames = [];
    // location_id[0] is the leaf; within a location line[0] is the innermost inlined frame.
    for (let k = s.locationId.length - 1; k >= 0; k--) {
      const loc = locations.get(String(s.locationId[k]));
      if (loc === undefined) throw new Error(`${file}: sample names location ${s.locationId[k]} that the profile lacks`);
      if (loc.line.length === 0) {
        const m = mappings.get(String(loc.mappingId));
        const f = m === undefined ? '' : str(m.filename);
        frames.push(f ? `[${f.slice(f.lastIndexOf('/') + 1)}]` : '[unknown]');
      }
      for (let j = loc.line.length - 1; j >= 0; j--) frames.push(str(functions.get(String(loc.line[j].functionId)).name));
    }
    const strLabels = new Map();
    const numLabels = new Map();
    for (const l of s.label) {
      const key = str(l.key);
      const isStr = Number(l.str) !== 0;
      const d = isStr ? strLabels : numLabels;
      if (!d.has(key)) d.set(key, []);
      const unit = str(l.numUnit);
      d.get(key).push(isStr ? str(l.str) : unit ? `${l.num} ${unit}` : String(l.num));
    }
    const labels = [...strLabels, ...numLabels].map(([k, v]) => `${k}:[${v.join(' ')}]`).sort();
    const key = frames.join(';') + ' | ' + labels.join(' ');
    const sum = stacks[key] ?? (stacks[key] = s.value.map(() => 0n));
    s.value.forEach((v, k) => { sum[k] += BigInt(v); });
  }
  out.push({
    file,
    decoder: 'pprof-format ' + version,
    sampleTypes: p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
    samples: p.sample.length,
    locations: p.location.length,
    functions: p.function.length,
    mappings: p.mapping.length,
    stacks: Object.fromEntries(Object.entries(stacks).map(([k, v]) => [k, v.map(String)])),
  });
}
process.stdout.write(JSON.stringify(out));
