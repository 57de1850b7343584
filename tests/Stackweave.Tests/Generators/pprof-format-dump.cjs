// Decodes pprof files with Datadog's npm package pprof-format (Profile.decode) and prints, per file, every field it
// decoded as normalized text lines (strings resolved through the string table, numbers in decimal), the form
// tests/Stackweave.Tests/Generators/GenPprofOracleTests.cs builds from a generated file's sidecar.
// Usage: node pprof-format-dump.cjs TOOLS_DIR FILE...   (TOOLS_DIR holds node_modules/pprof-format)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [toolsDir, ...files] = process.argv.slice(2);
const { Profile } = require(path.join(toolsDir, 'node_modules', 'pprof-format'));

const out = {};
for (const file of files) {
  let data = fs.readFileSync(file);
  // gzip magic 1f 8b (RFC 1952 ID1 ID2)
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
  const p = Profile.decode(data);
  const str = (i) => p.stringTable.strings[Number(i)];
  // uint64 fields (ids, addresses) and int64 fields: pprof-format 2.3.2 hands negative int64 values back as their
  // unsigned 64-bit pattern (e.g. -3 as 18446744073709551613), so int64 fields are reinterpreted as signed here
  const n = (x) => BigInt.asUintN(64, BigInt(x ?? 0)).toString();
  const i = (x) => BigInt.asIntN(64, BigInt(x ?? 0)).toString();
  const b = (x) => (x ? '1' : '0');
  const lines = [];
  for (const t of p.sampleType) lines.push(`T ${str(t.type)}/${str(t.unit)}`);
  for (const s of p.sample) {
    const labels = s.label.map((l) => (Number(l.str) !== 0 ? `${str(l.key)}=${str(l.str)}` : `${str(l.key)}#${i(l.num)} ${str(l.numUnit)}`));
    lines.push(`S ${s.locationId.map(n).join(',')} | ${s.value.map(i).join(',')} | ${labels.join(',')}`);
  }
  for (const m of p.mapping) {
    lines.push(`M ${n(m.id)} ${n(m.memoryStart)} ${n(m.memoryLimit)} ${n(m.fileOffset)} ${str(m.filename)} ${str(m.buildId)} ` +
      `${b(m.hasFunctions)}${b(m.hasFilenames)}${b(m.hasLineNumbers)}${b(m.hasInlineFrames)}`);
  }
  for (const l of p.location) {
    lines.push(`L ${n(l.id)} ${n(l.mappingId)} ${n(l.address)} ${b(l.isFolded)} | ` +
      l.line.map((x) => `${n(x.functionId)}:${i(x.line)}:${i(x.column)}`).join(','));
  }
  for (const f of p.function) lines.push(`F ${n(f.id)} ${str(f.name)} ${str(f.systemName)} ${str(f.filename)} ${i(f.startLine)}`);
  const pt = p.periodType ? `${str(p.periodType.type)}/${str(p.periodType.unit)}` : '-';
  lines.push(`P ${pt} ${i(p.period)} ${i(p.timeNanos)} ${i(p.durationNanos)} ${str(p.defaultSampleType)} ${str(p.dropFrames)} ${str(p.keepFrames)} ${str(p.docUrl)}`);
  for (const c of p.comment) lines.push(`C ${str(c)}`);
  out[file] = lines;
}
process.stdout.write(JSON.stringify(out));
