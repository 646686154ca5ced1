// SPDX-License-Identifier: Apache-2.0
//
// first-screen.mjs - load HTML pages of ovsperf-analyze in Debian's chromium
// (headless, driven by playwright-core; no browser download) and check them:
//   - no console error, no page error, no request leaving the page;
//   - the first screen (1400x900) holds the answers: every report's card
//     (a link to #r-<report>) begins inside it, with its numbers;
//   - with every <details> opened, every chart (svg[data-hist], svg.kdbars,
//     svg.blame) is drawn (non-empty box); a merge has the hosts' CDFs
//     overlaid; latency-blame has its blame on the first screen, a blame
//     bar chart and a latency-over-time plot drawn (uPlot canvas or SVG);
//   - a screenshot of the first screen, OUTDIR/NAME.png.
//
// usage: node first-screen.mjs CHROMIUM OUTDIR NAME=PAGE.html ...
import { chromium } from 'playwright-core';
import path from 'node:path';

const [exe, outdir, ...pages] = process.argv.slice(2);
const W = 1400, H = 900;
let fails = 0;
const fail = (msg) => { fails++; console.log('FAIL: ' + msg); };

const browser = await chromium.launch({
  executablePath: exe,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--no-first-run'],
});
try {
  for (const spec of pages) {
    const [name, file] = spec.split('=');
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) errors.push('request ' + r.url());
    });
    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
    const shot = path.join(outdir, name + '.png');
    await page.screenshot({ path: shot });

    // Reports (sections) and their cards on the first screen.
    const reports = await page.$$eval('h2[id^="r-"]', (hs) =>
      hs.map((h) => h.id.slice(2)).filter((id) => id !== 'recording'));
    if (!reports.length)
      fail(`${name}: no report section`);
    for (const r of reports) {
      const boxes = await page.$$eval(`#answers a[href="#r-${r}"]`, (as) => as.map((a) => {
        const card = a.closest('.card');
        const b = card.getBoundingClientRect();
        const nums = card.querySelectorAll('td.n');
        return { top: b.top, nums: nums.length,
                 firstNum: nums.length ? nums[0].getBoundingClientRect().bottom : null,
                 text: nums.length ? nums[0].textContent : '' };
      }));
      if (!boxes.length) {
        fail(`${name}: report ${r} has no card on the first screen`);
        continue;
      }
      const b = boxes[0];
      if (b.top >= H - 40)
        fail(`${name}: the card of ${r} begins at ${b.top}px, below the first screen`);
      if (r !== 'journey' && !(b.nums > 0 && b.firstNum <= H))
        fail(`${name}: the first number of ${r} is not on the first screen`);
      else
        console.log(`${name}: ${r}: card at ${Math.round(b.top)}px, first number ` +
                    `"${b.text}" within the first ${H}px`);
    }
    // Every chart drawn once the details are opened.
    await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = true; }));
    const charts = await page.$$eval('svg[data-hist], svg.kdbars, svg.cdfs, svg.blame', (ss) => ss.map((s) => {
      const b = s.getBoundingClientRect();
      return { w: b.width, h: b.height, marks: s.querySelectorAll('rect,polyline,text').length };
    }));
    // The interactive charts (uPlot, inlined when the build could install it).
    const inlined = await page.$$eval('script', (ss) => ss.length);
    const ucdf = await page.$$eval('div.ucdf', (ds) => ds.map((d) => !!d.querySelector('canvas')));
    if (inlined && name === 'latency' && !ucdf.length)
      fail(`${name}: uPlot inlined but no interactive CDF`);
    if (ucdf.some((drawn) => !drawn))
      fail(`${name}: an interactive CDF was not drawn`);
    if (ucdf.length)
      console.log(`${name}: ${ucdf.length} interactive CDFs drawn by uPlot`);
    if (name === 'latency-blame') {
      const card = await page.$$eval('#answers table.blame', (ts) => ts.map((t) =>
        ({ bottom: t.getBoundingClientRect().bottom, rows: t.querySelectorAll('tr').length })));
      if (!card.length || card[0].rows < 2)
        fail(`${name}: no blame table on the latency card`);
      else if (card[0].bottom > H)
        fail(`${name}: the latency card's blame ends at ${card[0].bottom}px, below the first screen`);
      const bars = await page.$$eval('svg.blame rect[data-ns]', (rs) =>
        rs.filter((r) => r.getBoundingClientRect().width > 0).length);
      if (bars < 1)
        fail(`${name}: no blame bar drawn`);
      const tl = await page.$$eval('div.timeline', (ds) => ds.map((d) => {
        const c = d.querySelector('canvas, svg.tlsvg');
        const b = c ? c.getBoundingClientRect() : { width: 0, height: 0 };
        return { w: b.width, h: b.height, uplot: !!d.querySelector('canvas') };
      }));
      if (!tl.length || !tl.every((t) => t.w > 0 && t.h > 0))
        fail(`${name}: latency-over-time plot not drawn (${JSON.stringify(tl)})`);
      else
        console.log(`${name}: ${bars} blame bars, ${tl.length} latency-over-time plots drawn` +
                    ` (${tl[0].uplot ? 'uPlot' : 'SVG'})`);
      const shotTl = path.join(outdir, name + '-details.png');
      const el = await page.$('div.timeline');
      await el.scrollIntoViewIfNeeded();
      await page.screenshot({ path: shotTl });
      console.log(`${name}: details screenshot ${shotTl}`);
    }
    if (name === 'merge') {
      const cdfs = await page.$$eval('svg.cdfs polyline', (ps) => ps.length);
      if (cdfs < 2)
        fail(`${name}: ${cdfs} host CDFs overlaid, want 2 or more`);
    }
    charts.forEach((c, i) => {
      if (!(c.w > 0 && c.h > 0 && c.marks > 0))
        fail(`${name}: chart ${i} not drawn (${c.w}x${c.h}, ${c.marks} marks)`);
    });
    for (const e of errors)
      fail(`${name}: ${e}`);
    console.log(`${name}: ${reports.length} reports, ${charts.length} charts, screenshot ${shot}`);
    await page.close();
  }
} finally {
  await browser.close();
}
process.exit(fails ? 1 : 0);
