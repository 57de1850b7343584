// Loads speedscope files into speedscope's own published build (npm package `speedscope`, dist/release),
// served on 127.0.0.1 and opened in headless Chromium through playwright-core, and reports what the app shows.
//
// usage: node speedscope-load.mjs TOOLS_DIR CHROMIUM FILE...
//   TOOLS_DIR: a folder with node_modules/speedscope and node_modules/playwright-core (made by .ci/run)
// Prints one JSON array on stdout: per file { file, loaded, error, dialogs, failures, title, profiles: [{ name, frames }] }
// where `frames` are the symbol names of the sandwich view's rows (one row per frame of the profile) and `totals`
// the rows' "Total" cells as shown (e.g. "19.00ns (66%)").
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [toolsDir, chromiumPath, ...files] = process.argv.slice(2);
const require = createRequire(path.join(toolsDir, 'package.json'));
const { chromium } = require('playwright-core');
const dist = path.join(toolsDir, 'node_modules', 'speedscope', 'dist', 'release');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split('?')[0]);
  let p = null;
  if (url.startsWith('/app/')) p = path.join(dist, path.normalize(url.slice(5)));
  const m = /^\/profile\/(\d+)\//.exec(url);
  if (m) p = files[Number(m[1])];
  if (!p || !fs.existsSync(p) || !fs.statSync(p).isFile()) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': types[path.extname(p)] ?? 'application/octet-stream' });
  fs.createReadStream(p).pipe(res);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

// SwiftShader gives speedscope the WebGL context it needs without a GPU.
const browser = await chromium.launch({
  executablePath: chromiumPath, headless: true,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});

// What the page shows: toolbar position "(i/N)", profile names from the profile selector, sandwich rows.
function readPage() {
  // The toolbar: left part holds the view buttons ("Time Order"...), the centre the profile name and "(i/N)".
  const left = [...document.querySelectorAll('div')].find(d => d.children.length === 3 && /Time Order$/.test(d.children[0].textContent.trim()));
  // With one profile the centre is a bare text node; with several, a div whose first span reads "name (i/N)".
  let centreText = '';
  if (left) {
    const nodes = [...left.parentElement.childNodes];
    for (const n of nodes.slice(1, nodes.length - 1))
      centreText += n.nodeType === 1 && n.firstElementChild && n.firstElementChild.tagName === 'SPAN' ? n.firstElementChild.textContent : n.textContent;
    centreText = centreText.trim();
  }
  const position = /\((\d+)\/(\d+)\)$/.exec(centreText);
  const current = position ? centreText.slice(0, position.index).trim() : centreText;
  const names = [...document.querySelectorAll('tr[title]')]
    .filter(tr => tr.cells.length === 3 && /^\d+$/.test(tr.cells[0].textContent.trim()))
    .map(tr => tr.getAttribute('title'));
  const header = [...document.querySelectorAll('table')].find(t => t.tHead && /Symbol Name/.test(t.tHead.textContent));
  // The rows are a virtual list: only those in view are rendered, inside a spacer as tall as all rows together.
  let frames = null, totals = null, rows = 0;
  if (header) {
    const list = header.parentElement.querySelectorAll('table');
    frames = [];
    totals = [];
    let rowHeight = 0, spacer = null;
    for (const t of list) {
      if (t === header) continue;
      for (const tr of t.rows) if (tr.cells.length === 3) { frames.push(tr.cells[2].textContent); totals.push(tr.cells[0].textContent); rowHeight = tr.getBoundingClientRect().height; }
      spacer = t.parentElement && t.parentElement.parentElement;
    }
    rows = spacer && rowHeight > 0 ? Math.round(spacer.getBoundingClientRect().height / rowHeight) : frames.length;
  }
  const error = /Something went wrong/.test(document.body.textContent);
  return { index: position ? Number(position[1]) : 1, count: position ? Number(position[2]) : 1, current, names, frames, totals, rows, error };
}

const results = [];
for (let i = 0; i < files.length; i++) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1500 } });
  const r = { file: files[i], loaded: false, error: false, dialogs: [], failures: [], title: '', profiles: [] };
  page.on('dialog', d => { r.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('console', m => { if (/fail|error/i.test(m.text()) || m.type() === 'error') r.failures.push(m.text()); });
  page.on('pageerror', e => r.failures.push(String(e)));
  const profileUrl = `${base}/profile/${i}/${encodeURIComponent(path.basename(files[i]))}`;
  await page.goto(`${base}/app/index.html#profileURL=${encodeURIComponent(profileUrl)}&view=sandwich`);
  const deadline = Date.now() + 60000;
  let s = null;
  while (Date.now() < deadline) {
    s = await page.evaluate(readPage);
    if (s.error || r.dialogs.length > 0 || (s.frames && s.frames.length > 0)) break;
    await page.waitForTimeout(200);
  }
  r.error = s.error;
  r.title = await page.title();
  if (!s.error && s.frames && s.frames.length > 0) {
    r.loaded = true;
    // Start from the first profile ('p' goes back), then step with 'n', reading each one's sandwich rows.
    const names = s.names.length > 0 ? s.names : null;
    for (let k = s.index; k > 1; k--) await page.keyboard.press('p');
    for (let k = 1; k <= s.count; k++) {
      let cur = null;
      const until = Date.now() + 20000;
      while (Date.now() < until) {
        cur = await page.evaluate(readPage);
        if (cur.index === k && cur.frames) break;
        await page.waitForTimeout(100);
      }
      // a rendered frame settles the rows of the new profile
      await page.waitForTimeout(300);
      cur = await page.evaluate(readPage);
      r.profiles.push({ name: cur.current, listed: names ? names[k - 1] : null, index: cur.index, rows: cur.rows, frames: cur.frames, totals: cur.totals });
      if (k < s.count) await page.keyboard.press('n');
    }
  }
  results.push(r);
  await page.close();
}
await browser.close();
server.close();
process.stdout.write(JSON.stringify(results));
