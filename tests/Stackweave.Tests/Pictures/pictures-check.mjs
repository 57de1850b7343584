// Opens Stackweave SVG flame graphs and HTML timeline pages as files in headless Chromium (playwright-core) and reports
// what they show and do: console errors, frames, a click-to-zoom, a regex search, lanes and a brushed window.
//
// usage: node pictures-check.mjs TOOLS_DIR CHROMIUM JOBS_JSON
//   TOOLS_DIR: a folder with node_modules/playwright-core (made by .ci/run)
//   JOBS_JSON: [{ file, kind: "svg"|"html", search: REGEX, brush: [fromFraction, toFraction] | null, screenshot: PNG }]
// Prints one JSON array on stdout, one result per job.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const [toolsDir, chromiumPath, jobsFile] = process.argv.slice(2);
const require = createRequire(path.join(toolsDir, 'package.json'));
const { chromium } = require('playwright-core');
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });

// Every frame as the DOM has it, in document order.
function readFrames() {
  return [...document.querySelectorAll('g.frame')].map(g => {
    const r = g.querySelector('rect');
    return {
      name: g.getAttribute('data-name'), weight: g.getAttribute('data-weight'), depth: Number(g.getAttribute('data-depth')),
      merged: g.classList.contains('merged'), match: g.classList.contains('match'), hidden: g.classList.contains('hide'),
      x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width')),
      shownWidth: g.classList.contains('hide') ? 0 : r.getBoundingClientRect().width,
    };
  });
}

const results = [];
for (const job of jobs) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const r = { file: job.file, errors: [], loaded: false };
  page.on('console', m => { if (m.type() === 'error') r.errors.push('console: ' + m.text()); });
  page.on('pageerror', e => r.errors.push('pageerror: ' + String(e)));
  page.on('requestfailed', q => r.errors.push('request failed: ' + q.url()));
  page.on('request', q => { if (!q.url().startsWith('file:') && !q.url().startsWith('data:')) r.errors.push('network request: ' + q.url()); });
  try {
    await page.goto(pathToFileURL(job.file).href, { waitUntil: 'load', timeout: 60000 });
    r.loaded = true;
    r.hasApi = await page.evaluate(() => typeof window.stackweave === 'object' && window.stackweave !== null);
    const full = await page.evaluate(() => {
      const svg = document.querySelector('svg');
      const w = Number(svg.getAttribute('data-width') || svg.getAttribute('width'));
      return w - 2 * 10;
    });
    r.fullWidth = full;
    if (job.kind === 'html') {
      r.lanes = await page.evaluate(() => [...document.querySelectorAll('.lane')].map(l => ({ source: l.getAttribute('data-source'), thread: l.getAttribute('data-thread') })));
      // the axis the page drew: its start (UTC ns when every source is placed on UTC, else 0 of the sources' own clocks) and
      // each source's placement (axis ns = source ns + offset), as the page's data and its facts table give them
      const axis = await page.evaluate(() => { const d = JSON.parse(document.getElementById('data').textContent); return { startNs: d.startNs, utc: d.utc }; });
      r.axisStartNs = axis.startNs;
      r.utcAxis = axis.utc;
      r.facts = await page.evaluate(() => [...document.querySelectorAll('tr.fact')].map(tr => ({ source: tr.getAttribute('data-source'), offsetNs: tr.children[4].textContent })));
      r.before = await page.evaluate(readFrames);
      if (job.brush) {
        const box = await page.locator('#brush').boundingBox();
        const y = box.y + Math.min(box.height - 2, 30);
        await page.mouse.move(box.x + box.width * job.brush[0], y);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * (job.brush[0] + job.brush[1]) / 2, y, { steps: 4 });
        await page.mouse.move(box.x + box.width * job.brush[1], y, { steps: 4 });
        await page.mouse.up();
        r.window = await page.evaluate(() => {
          const b = document.getElementById('brush');
          return { b0: Number(b.getAttribute('data-b0')), b1: Number(b.getAttribute('data-b1')), startNs: b.getAttribute('data-start-ns'), endNs: b.getAttribute('data-end-ns'), text: document.getElementById('window').textContent };
        });
      }
    }
    r.frames = await page.evaluate(readFrames);
    // click a frame: the widest one at depth 2 that is narrower than the whole (its own width must become the full width)
    const target = r.frames.map((f, i) => ({ f, i })).filter(o => o.f.depth === 2 && !o.f.merged && o.f.width < full - 1 && o.f.width > 2)
      .sort((a, b) => b.f.width - a.f.width)[0];
    if (target) {
      r.clicked = { index: target.i, name: target.f.name, widthBefore: target.f.width };
      await page.locator('g.frame').nth(target.i).locator('rect').click({ force: true });
      const after = await page.evaluate(readFrames);
      r.clicked.widthAfter = after[target.i].width;
      r.clicked.shownAfter = after[target.i].shownWidth;
      r.clicked.visibleAfter = after.filter(f => !f.hidden).length;
      if (job.screenshot) await page.screenshot({ path: job.screenshot.replace(/\.png$/, '-zoomed.png'), fullPage: job.kind === 'html' });
      await page.keyboard.press('Escape');
      r.clicked.widthReset = (await page.evaluate(readFrames))[target.i].width;
    }
    if (job.search) {
      await page.locator('#search').fill(job.search);
      r.search = await page.evaluate(() => {
        const m = document.getElementById('matched');
        return { text: m.textContent, share: Number(m.getAttribute('data-share')), weight: m.getAttribute('data-weight') };
      });
      r.afterSearch = await page.evaluate(readFrames);
    }
    if (job.screenshot) await page.screenshot({ path: job.screenshot, fullPage: job.kind === 'html' });
  } catch (e) {
    r.errors.push('harness: ' + String(e));
  }
  results.push(r);
  await page.close();
}
await browser.close();
process.stdout.write(JSON.stringify(results));
