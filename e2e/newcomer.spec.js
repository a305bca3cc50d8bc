// The newcomer's page (issue 11): at 1280x800 and at 390x844, without scrolling, the preset, its
// claim, the learning-rate control, the data and model view and the main chart are on the screen;
// every preset's phenomenon window is inside its main chart's x-range and its check passes on
// what is shown; a bad link names its key above the fold; axe-core finds 0 violations on every
// page (gallery pages included). Screenshots of every preset at both viewports go to
// build/screenshots/presets/ for review.
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { test, expect, stat, waitForStep, axeViolations, downloadOf } = require('./fixtures');

const ROOT = path.join(__dirname, '..');
const SHOTS = path.join(ROOT, 'build', 'screenshots', 'presets');
const PAPERS = JSON.parse(fs.readFileSync(path.join(ROOT, 'presets', 'presets.json'), 'utf8')).presets;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

// The essentials of the first screen, each wholly inside the viewport (the main chart: its
// plot at least half inside it on a phone, where it follows the learning rate and the data).
async function expectAboveTheFold(page, { phone = false } = {}) {
  const preset = page.getByLabel('Preset', { exact: true });
  await expect(preset).toBeInViewport({ ratio: 1 });
  const name = await preset.evaluate((s) => (s.selectedOptions[0] ? s.selectedOptions[0].textContent : ''));
  expect(name.length).toBeGreaterThan(3);
  await expect(page.locator('#claim')).toBeInViewport({ ratio: 1 });
  expect((await page.locator('#claim').textContent()).length).toBeGreaterThan(20);
  await expect(page.getByRole('button', { name: /^(Play|Pause|Continue)$/ })).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('slider', { name: /Learning rate/ })).toBeInViewport({ ratio: 1 });
  await expect(page.locator('#eta-readout')).toBeInViewport({ ratio: 1 });
  await expect(page.locator('#data-panel')).toBeInViewport({ ratio: phone ? 0.9 : 1 });
  await expect(page.locator('#chart-main figure.chart').first()).toBeInViewport({ ratio: phone ? 0.5 : 0.98 }); // subpixel layout
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'nothing scrolls horizontally').toBeLessThanOrEqual(0);
}

// Every chart shown: titled axes, log axes with at least 3 labelled ticks, at most 6 legend
// entries. -> the breaches, readable.
function chartRules(page) {
  return page.evaluate(() => {
    const out = [];
    for (const c of document.querySelectorAll('.charts-col canvas')) {
      const ch = globalThis.Chart.getChart(c);
      if (!ch || !c.offsetParent) continue;
      const name = c.closest('figure') ? c.closest('figure').dataset.chart : c.id;
      for (const id of ['x', 'y']) {
        const sc = ch.scales[id];
        if (!sc) continue;
        const t = sc.options.title;
        if (!t || !t.display || !String(t.text || '').trim()) out.push(`${name}: the ${id} axis has no title`);
        if (sc.type === 'logarithmic') {
          const labelled = sc.ticks.filter((k) => k.label !== '' && k.label != null && !(Array.isArray(k.label) && !k.label.join(''))).length;
          if (labelled < 3) out.push(`${name}: the log ${id} axis has ${labelled} labelled ticks`);
        }
      }
      const items = ch.legend && ch.legend.legendItems ? ch.legend.legendItems.length : 0;
      if (items > 6) out.push(`${name}: ${items} legend entries`);
    }
    return out;
  });
}

// The labels drawn on a picture of the data and model view (its data-labels or data-colour-bar,
// in CSS pixels) -> the pairs that overlap and the labels outside the canvas, readable.
function labelBreaches(labels, width, height) {
  const out = [];
  labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
    if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) out.push(`"${a.text}" overlaps "${b.text}"`);
  }));
  for (const l of labels) if (l.x0 < -0.5 || l.x1 > width + 0.5 || l.y0 < -0.5 || l.y1 > height + 0.5) out.push(`"${l.text}" is cut by the edge (x ${l.x0.toFixed(1)}..${l.x1.toFixed(1)} of ${width}, y ${l.y0.toFixed(1)}..${l.y1.toFixed(1)} of ${height})`);
  return out;
}
async function networkLabelBreaches(page) {
  const net = page.locator('#network');
  await expect(net).toHaveAttribute('data-labels', /\[/);
  // drawn at the canvas's current size (a resize redraws it in a later frame)
  await expect.poll(() => net.evaluate((c) => {
    const labels = JSON.parse(c.dataset.labels);
    return labels.length > 0 && Math.max(...labels.map((l) => l.x1)) <= c.clientWidth + 0.5 && Math.max(...labels.map((l) => l.y1)) <= c.clientHeight + 0.5;
  })).toBe(true);
  return net.evaluate((c) => ({ labels: JSON.parse(c.dataset.labels), w: c.clientWidth, h: c.clientHeight }))
    .then(({ labels, w, h }) => labelBreaches(labels, w, h));
}

// The x-range the main chart shows: { min, max, log }.
function mainXRange(page) {
  return page.locator('#chart-main canvas').first().evaluate((c) => {
    const x = globalThis.Chart.getChart(c).scales.x;
    return { min: x.min, max: x.max, log: x.type === 'logarithmic' };
  });
}

test('the default page: the essentials on one screen at both viewports, Reset works on the default config @newcomer', async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto('/');
  await waitForStep(page, 50);
  await expect(page.getByLabel('Preset', { exact: true })).toHaveValue('eos'); // the default is the EoS quick start
  // the skip link is the first stop of the tab order and lands on the playground
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the playground' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#playground')).toBeFocused();
  expect(new URL(page.url()).hash).toMatch(/^#v=1&/); // the address still holds the experiment
  await expect(page.locator('#link-problems')).toBeHidden();
  await page.evaluate(() => window.scrollTo(0, 0));
  await expectAboveTheFold(page);
  // at most 10 friendly controls on the bench, each with a plain label
  const labels = await page.locator('#bench-controls .bench-row label').allTextContents();
  expect(labels.length).toBeGreaterThan(3);
  expect(labels.length).toBeLessThanOrEqual(10);
  for (const l of labels) expect(l).not.toMatch(/_/); // never an engine key (lr_rel, teacher_w)
  // the learning rate in units of the edge, with the absolute eta
  await expect(page.locator('#eta-readout')).toContainText(/η = 0\.3 · c = η S₀\/2 = [\d.]+ · S₀ = [\d.]+/);
  // Reset on the default config: the run starts again from step 0
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Reset', exact: true })).toBeEnabled();
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect.poll(async () => parseFloat(await stat(page, 'step').textContent())).toBeLessThan(50);
  // the tab order follows the visual order: preset, transport, bench, learning rate, charts
  await page.locator('#preset').focus();
  const order = [];
  for (let i = 0; i < 40 && order.length < 5; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const a = document.activeElement;
      return a.closest('#bench') ? 'bench' : a.closest('#eta-panel') ? 'eta' : a.closest('#data-panel') ? 'data' : a.closest('.charts-col') ? 'charts' : a.closest('.transport') ? 'transport' : null;
    });
    if (where && order[order.length - 1] !== where) order.push(where);
  }
  expect(order).toEqual(['transport', 'bench', 'eta', 'data', 'charts']);
  expect(await axeViolations(page)).toEqual([]);

  // as a phone opens it: nothing focused, nothing scrolled
  await page.setViewportSize(PHONE);
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.waitForTimeout(300);
  await expectAboveTheFold(page, { phone: true });
  expect(await axeViolations(page)).toEqual([]);
});

test('dragging the learning rate mid-run moves 2/η and goes into the link @newcomer', async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto('/#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=0.5&steps=3000&speed=100');
  await waitForStep(page, 20);
  const slider = page.getByRole('slider', { name: /Learning rate/ });
  await expect(slider).toBeEnabled();
  const before = await stat(page, '2/eta').textContent();
  await slider.focus();
  for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
  await expect.poll(() => stat(page, '2/eta').textContent()).not.toBe(before);
  await expect.poll(() => page.url()).toMatch(/&lr_at=\d+,[\d.e-]+/);
  await expect(stat(page, 'run state')).toHaveText('running');
});

test('a bad link names its key above the fold, with did-you-mean, at both viewports @newcomer', async ({ page }) => {
  for (const vp of [DESKTOP, PHONE]) {
    await page.setViewportSize(vp);
    await page.goto('about:blank');
    await page.goto('/#v=1&teacher_sc=4&lr=abc');
    const box = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: /the page cannot use/ }) });
    await expect(box).toBeInViewport();
    await expect(box.getByText(/unknown key "teacher_sc"/)).toBeInViewport();
    await expect(box.getByText(/Did you mean teacher_scale\?/)).toBeVisible();
    await expect(box.getByText(/lr="abc" is not a number/)).toBeInViewport();
    expect(await box.innerText()).not.toContain('ibp help');
    await expect(stat(page, 'step')).toHaveText('—');
    expect(page.url()).toContain('teacher_sc=4'); // the address is not rewritten behind the user's back
    await box.getByRole('button', { name: 'Go to the lr setting' }).click();
    await expect(page.locator('#cfg-lr')).toBeFocused();
    await page.keyboard.press('Escape');
    // the engine's guess, applied by its button: the link is fixed but lr is still wrong
    await box.getByRole('button', { name: 'Use teacher_scale=4 in the link instead' }).click();
    await expect.poll(() => page.url()).toContain('teacher_scale=4');
    await expect(box.getByText(/unknown key/)).toHaveCount(0);
    await expect(box.getByText(/lr="abc" is not a number/)).toBeVisible();
  }
  // undecodable percent-encoding is an error, not the defaults
  await page.goto('about:blank');
  await page.goto('/#v=1&lr=0.1%ZZ');
  const box = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: /the page cannot use/ }) });
  await expect(box.getByText(/could not be decoded/)).toBeInViewport();
  await expect(stat(page, 'step')).toHaveText('—');
  expect(page.url()).toContain('%ZZ');
});

test('a slow setup says what it computes and can be cancelled; the page keeps working @newcomer', async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  // S0 of a 4-layer, 256-wide net on 4096 points for lr_rel: tens of seconds of Lanczos
  await page.goto('/#v=1&model=mlp&depth=4&width=256&n=4096&d=32&lr_rel=1&steps=100');
  const box = page.locator('#setup');
  await expect(box).toBeInViewport();
  await expect(box).toContainText(/Setting up: computing the initial sharpness S₀ that lr_rel needs .*MiB\)… \d+\.\d s/);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(box).toBeHidden();
  await expect(page.getByRole('alert').filter({ hasText: 'Setup cancelled' }).first()).toBeVisible();
  await expect(stat(page, 'step')).toHaveText('—');
  // the settings are kept, and the page works: a preset runs
  await page.getByLabel('Preset', { exact: true }).selectOption('uv');
  await waitForStep(page, 10);
});

test('axe-core: 0 violations on the sweep page, the widget, the embed demo and every gallery page @newcomer', async ({ page }) => {
  test.setTimeout(300000);
  // the paper pages without their live runs (autorun=0: the same markup, less CPU), one with them
  const pages = ['sweep.html', 'embed.html#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=300&embed=1', 'embed-demo.html', 'gallery/index.html',
    ...PAPERS.map((p) => `gallery/${p.id}.html?autorun=0`), 'gallery/wang2022-balancing.html'];
  const found = {};
  for (const url of pages) {
    await page.goto('about:blank');
    await page.goto(`/${url}`);
    await expect(page.locator('h1, main, body').first()).toBeVisible();
    await page.waitForTimeout(800);
    const v = await axeViolations(page);
    if (v.length) found[url] = v;
  }
  expect(found).toEqual({});
});

test('the decision boundary has a colour bar: its scale, ticks and title, in its text alternative and its PNG and SVG @newcomer', async ({ page }) => {
  for (const vp of [DESKTOP, PHONE]) {
    await page.setViewportSize(vp);
    await page.goto('about:blank');
    await page.goto('/#preset=moons&speed=100');
    const pic = page.locator('#picture');
    await expect(pic).toHaveAttribute('data-kind', 'plane');
    await expect(pic).toHaveAttribute('data-colour-bar', /P\(y = \+1\)/);
    await expect.poll(() => pic.evaluate((c) => JSON.parse(c.dataset.colourBar).box.w + JSON.parse(c.dataset.colourBar).box.x <= c.clientWidth)).toBe(true);
    const { bar, w, h } = await pic.evaluate((c) => ({ bar: JSON.parse(c.dataset.colourBar), w: c.clientWidth, h: c.clientHeight }));
    // a real scale: from P = 0 (orange) to 1 (blue), at least three labelled ticks, the title
    expect(bar.loText).toBe('0');
    expect(bar.hiText).toBe('1');
    expect(bar.ticks.length).toBeGreaterThanOrEqual(3);
    expect(bar.ticks[0]).toBe('0');
    expect(bar.ticks[bar.ticks.length - 1]).toBe('1');
    expect(bar.box.w, `the bar is ${bar.box.w} px wide`).toBeGreaterThan(vp === PHONE ? 80 : 160);
    // inside the canvas, nothing clipped, no label on another
    expect(bar.box.y + bar.box.h).toBeLessThanOrEqual(h + 0.5);
    expect(labelBreaches(bar.labels, w, h)).toEqual([]);
    expect(bar.labels.map((l) => l.text)).toContain('model’s P(y = +1)');
    // the colours drawn under the tick labels: orange at 0, blue at 1, pale at 0.5
    const rgb = await pic.evaluate((c, b) => {
      const s = c.width / c.clientWidth, ctx = c.getContext('2d');
      const at = (f) => Array.from(ctx.getImageData(Math.round((b.box.x + f * b.box.w) * s), Math.round((b.box.y + 10) * s), 1, 1).data);
      return [at(0.03), at(0.5), at(0.97)];
    }, bar);
    expect(rgb[0][3], 'the bar is painted').toBeGreaterThan(150);
    expect(rgb[0][0], 'orange at P = 0').toBeGreaterThan(rgb[0][2]);
    expect(rgb[2][2], 'blue at P = 1').toBeGreaterThan(rgb[2][0]);
    expect(rgb[1][3], 'pale at P = 0.5').toBeLessThan(rgb[0][3]);
    // the text alternative names the scale
    await expect(pic).toHaveAttribute('aria-label', /Colour scale, model’s P\(y = \+1\): from orange at 0 to blue at 1/);
  }
  // exported with the picture: the SVG holds the bar's title and ticks, the PNG is drawn at 2x
  await page.setViewportSize(DESKTOP);
  const fig = page.locator('#picture-fig');
  const fromMenu = async (name) => {
    await fig.locator('details.export > summary').click();
    return downloadOf(page, fig.getByRole('button', { name, exact: true }));
  };
  const svg = await fromMenu('Download the Data and model chart as SVG');
  expect(svg.text).toContain('>model’s P(y = +1)</text>');
  for (const t of ['0', '0.5', '1']) expect(svg.text).toContain(`>${t}</text>`);
  const png = await fromMenu('Download the Data and model chart as PNG at 2x resolution');
  const cssW = await page.locator('#picture').evaluate((c) => c.clientWidth);
  expect(png.body.readUInt32BE(16)).toBe(Math.round(cssW * 2));
});

// The picture of the data and the model each preset's data calls for (picture.js pictureKind):
// a 2-D classifier's boundary over its points, a 1-D fit, predictions against targets (or
// margins), the two-parameter trajectory, a factorization's matrices.
const PICTURE = {
  eos: 'scatter', catapult: 'curve', diverge: 'curve', uv: 'trace', chain: 'trace', mc: 'scatter', mf: 'matrix', moons: 'plane',
  'lewkowycz2020-catapult': 'curve', 'huang2020-logistic': 'curve', 'cai2024-large-stepsize': 'scatter', 'ziyin2024-noise-equilibrium': 'trace',
  'du2018-balanced': 'scatter', 'marion2024-flat': 'scatter', 'wang2022-balancing': 'trace', 'cohen2021-eos': 'scatter',
};

// The metrics of the run shown (its Metrics CSV, the engine's own) as a store preset-check.js
// reads, keeping the rows whose step is in [from, to].
async function shownStore(page, from, to) {
  const csv = await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }));
  const lines = csv.text.split('\n').filter((l) => l && !l.startsWith('#'));
  const head = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v))))
    .filter((r) => r[0] >= from && r[0] <= to);
  const cols = new Map(head.map((h, j) => [h, Float64Array.from(rows, (r) => r[j])]));
  return { n: rows.length, col: (name) => cols.get(name) || null };
}

// The engine's event names, read from ibp.h's IBP_EVENT_LIST (the page's names come from the same
// list through the module).
function engineEvents() {
  const h = fs.readFileSync(path.join(ROOT, 'include', 'ibp.h'), 'utf8');
  return [...h.matchAll(/X\(IBP_EVENT_\w+,\s*(\d+),\s*"(\w+)",\s*"([^"]+)"/g)].map((m) => ({ bit: Number(m[1]), id: m[2], label: m[3], help: '' }));
}

// Where the preset's phenomenon happens in a store: the first step of its event, or the step where
// a series_falls check's fall reaches its factor; null for a check with no such moment.
function phenomenonStep(check, store, names, findEvents) {
  const step = store.col('step');
  if (check.kind === 'event' || check.kind === 'eos') {
    const kind = check.kind === 'eos' ? 'eos' : check.event || 'catapult';
    const ev = findEvents(store, names).find((e) => e.kind === kind);
    return ev ? ev.step : NaN;
  }
  if (check.kind === 'series_falls') {
    const s = store.col(check.series), v = (i) => (check.abs ? Math.abs(s[i]) : s[i]);
    const first = [...s.keys()].find((i) => Number.isFinite(s[i]));
    for (let i = first; i < store.n; i++) if (Number.isFinite(s[i]) && v(i) * check.factor <= v(first)) return step[i];
    return NaN;
  }
  return null;
}

// Every preset: the quick starts of the page and the papers of presets.json.
test.describe('every preset shows its phenomenon @presets-view', () => {
  test.describe.configure({ timeout: 240000 });
  let quick = [];
  let checks = null;
  test.beforeAll(async () => {
    const mod = (f) => import(pathToFileURL(path.join(ROOT, 'web', 'js', f)).href);
    quick = (await mod('presets.js')).PRESETS;
    const [{ evaluateCheck }, { findEvents }, { engineNames }] = await Promise.all([mod('preset-check.js'), mod('series.js'), mod('names.js')]);
    checks = { evaluateCheck, findEvents, names: engineNames({ events: engineEvents() }) };
  });
  const ids = ['eos', 'catapult', 'diverge', 'uv', 'chain', 'mc', 'mf', 'moons', ...PAPERS.map((p) => p.id)];
  for (const id of ids) {
    test(`preset ${id}`, async ({ page }) => {
      const preset = PAPERS.find((p) => p.id === id) || quick.find((p) => p.id === id);
      expect(preset, `${id} is a preset`).toBeTruthy();
      const view = preset.view;
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.setViewportSize(DESKTOP);
      await page.goto(`/#preset=${id}`);
      await expect(page.getByLabel('Preset', { exact: true })).toHaveValue(PAPERS.some((p) => p.id === id) ? `paper:${id}` : id);
      // the check on what is shown: the claim is seen (or, for a preset whose claim is a
      // divergence, the run diverged)
      const badge = page.locator('#check');
      await expect(badge).toHaveAttribute('data-state', /pass|fail/, { timeout: 200000 });
      expect(await badge.getAttribute('title'), await badge.textContent()).toBeTruthy();
      await expect(badge).toHaveAttribute('data-state', 'pass');
      await expectAboveTheFold(page);
      // the phenomenon's window is inside the main chart's visible x-range
      const x = await mainXRange(page);
      const [from, to] = view.window;
      expect(x.min, `${id}: x from ${x.min}`).toBeLessThanOrEqual(from);
      expect(x.max, `${id}: x to ${x.max}`).toBeGreaterThanOrEqual(to);
      if (view.xLog) expect(x.log).toBe(true);
      // the check passes on what is shown: on the rows of the main chart's x-range alone
      const shown = await shownStore(page, x.min, x.max);
      await page.evaluate(() => window.scrollTo(0, 0)); // the download button is further down
      const onShown = checks.evaluateCheck(preset.check, shown, checks.names);
      expect(onShown.verdict, `${id} on steps ${x.min}..${x.max}: ${onShown.sentence}`).toBe(true);
      // the phenomenon happens inside its window (its event, or the fall the check asks for), and
      // on a linear step axis the window is not mostly empty: at most 6 times the steps it took
      // (a log-step axis shows the whole run; its window is the early phase it stretches out)
      const when = phenomenonStep(preset.check, shown, checks.names, checks.findEvents);
      if (when !== null && !(view.xLog && preset.check.kind === 'series_falls')) {
        expect(when, `${id}: the phenomenon's step`).toBeGreaterThanOrEqual(from);
        expect(when, `${id}: the phenomenon's step`).toBeLessThanOrEqual(to);
        if (!view.xLog && preset.check.kind === 'series_falls') expect(to - from, `${id}: window [${from}, ${to}], the fall done at step ${when}`).toBeLessThanOrEqual(6 * Math.max(1, when - from));
      }
      // the window is not squeezed into a few pixels: it takes a fair share of the axis
      const share = x.log ? (Math.log(Math.max(to, 1)) - Math.log(Math.max(from, 1))) / (Math.log(x.max) - Math.log(Math.max(x.min, 1e-9)))
        : (to - from) / (x.max - x.min);
      expect(share, `${id}: the window's share of the axis`).toBeGreaterThan(0.25);
      // compared runs are overlaid on the main chart
      if (view.compare) {
        await expect.poll(() => page.locator('#chart-main canvas').first().evaluate((c) => globalThis.Chart.getChart(c).data.datasets.map((d) => d.label).join('|')),
          { timeout: 120000 }).toContain(view.compare.runs[view.compare.runs.length - 1].label);
      }
      expect(await chartRules(page)).toEqual([]);
      // the data and the model, drawn from the worker's pictures: the kind the data calls for
      const kind = PICTURE[id];
      if (kind === 'trace') await expect(page.locator('#traj-fig')).toBeVisible();
      else if (kind) await expect(page.locator('#picture')).toHaveAttribute('data-kind', kind);
      if (kind !== 'trace' && kind !== 'matrix') await expect(page.locator('#network')).toHaveAttribute('aria-label', /^The network: .* units; squared layer norms /);
      // the network's labels never overlap, at both viewports
      expect(await networkLabelBreaches(page), `${id} at 1280`).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `${id}-1280x800.png`) });
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(400);
      await expectAboveTheFold(page, { phone: true });
      expect(await networkLabelBreaches(page), `${id} at 390`).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `${id}-390x844.png`) });
    });
  }
});
