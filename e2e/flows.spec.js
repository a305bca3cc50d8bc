// The flows beside GD on the page (issue 15): the "Theory beside GD" switch draws gradient flow
// and the central flow over the loss and sharpness charts of the EoS preset, each in its own
// colour with a legend, their points streaming in while GD runs ahead; "restart at the EoS onset"
// starts them at GD's onset; GD's metrics are the same bytes with the flows on and off, and the
// page's CSV with flows is the CLI's; the trajectory view of a two-parameter model draws the
// flows' paths; the gallery page shows the equations, the live overlay and the conformance table.
const { test, expect, stat, downloadOf, UV, EOS, watchResponsiveness, responsiveness, describeLongTasks } = require('./fixtures');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CLI = process.env.IBP_CLI || path.join(__dirname, '..', 'build', 'native', 'ibp');
const EOS_PRESET_CHARTS = ['loss', 'sharpness'];

// The datasets of a chart: [{ label, n (points), color, flow }]
function datasetsOf(page, id) {
  return page.locator(`figure[data-chart="${id}"] canvas`).evaluate((c) => {
    const ch = globalThis.Chart.getChart(c);
    return ch ? ch.data.datasets.map((d) => ({ label: d.label, n: d.data.length, color: d.borderColor, flow: !!d.ibpFlow, lastX: d.data.length ? d.data[d.data.length - 1].x : NaN })) : [];
  });
}
function legendOf(page, id) {
  return page.locator(`figure[data-chart="${id}"] canvas`).evaluate((c) => {
    const ch = globalThis.Chart.getChart(c);
    return ch && ch.legend && ch.legend.legendItems ? ch.legend.legendItems.map((it) => it.text) : [];
  });
}
const flowPoints = async (page, id) => (await datasetsOf(page, id)).filter((d) => d.flow).reduce((a, d) => a + d.n, 0);
const stepOf = async (page) => parseFloat((await stat(page, 'step').textContent()).trim());

test('Theory beside GD on the EoS preset: the flows over loss and sharpness, own colours, a legend, streaming while GD runs ahead @flows', async ({ page }) => {
  test.setTimeout(300000);
  await page.goto('/#preset=cohen2021-eos');
  const sw = page.getByRole('checkbox', { name: 'Theory beside GD' });
  await expect(sw).toBeVisible({ timeout: 30000 });
  await expect(sw).not.toBeChecked();
  await expect(page.locator('#flow-progress')).toBeHidden();
  await sw.check();
  // a new run with the flows: the link names them (the engine's keys)
  await expect.poll(() => page.evaluate(() => location.hash), { timeout: 30000 }).toMatch(/flow=gf(%2C|,)central/);
  const progress = page.locator('#flow-progress');
  await expect(progress).toBeVisible();
  // GD runs ahead and the flows follow: the progress says both steps
  // (every flow the engine offers: gradient flow, the central flow and the others it names)
  await expect(progress).toHaveText(/^gradient flow, central flow.* at step \d+ of \d+ \(GD runs ahead; they follow\)$/, { timeout: 60000 });
  const [, at, of] = /at step (\d+) of (\d+)/.exec(await progress.textContent());
  expect(Number(at)).toBeLessThan(Number(of));

  for (const id of EOS_PRESET_CHARTS) {
    await expect.poll(async () => (await datasetsOf(page, id)).filter((d) => d.flow && d.n > 5).length, { timeout: 60000 }).toBeGreaterThan(0);
  }
  const loss = await datasetsOf(page, 'loss');
  const flowLoss = loss.filter((d) => d.flow).map((d) => d.label);
  expect(flowLoss.slice(0, 3)).toEqual(['gradient flow: loss', 'central flow: loss', 'central flow: predicted average loss']);
  // one loss series for every flow the link runs (the engine's list: gf, central, and any others)
  const inLink = decodeURIComponent(/flow=([^&]*)/.exec(await page.evaluate(() => location.hash))[1]).split(',');
  const names = [...new Set(flowLoss.map((l) => l.split(':')[0]))];
  expect(names.length).toBe(inLink.length);
  for (const n of names) expect(flowLoss).toContain(`${n}: loss`);
  const sharp = (await datasetsOf(page, 'sharpness')).filter((d) => d.flow).map((d) => d.label);
  expect(sharp).toEqual(expect.arrayContaining(['gradient flow: sharpness', 'central flow: sharpness'])); // gf's: measured, as GD's
  // each flow its own colour, none of them a colour of the compared runs (GD's)
  const colorOf = (label) => loss.find((d) => d.label === label).color;
  expect(new Set(names.map((n) => colorOf(`${n}: loss`))).size).toBe(names.length);
  expect(colorOf('central flow: loss')).toBe(colorOf('central flow: predicted average loss'));
  const gdColors = new Set(loss.filter((d) => !d.flow).map((d) => d.color));
  for (const d of loss.filter((q) => q.flow)) expect(gdColors.has(d.color)).toBe(false);
  // the legend names them
  await expect.poll(() => legendOf(page, 'loss')).toEqual(expect.arrayContaining(flowLoss));
  await expect.poll(() => legendOf(page, 'sharpness')).toEqual(expect.arrayContaining(sharp));

  // streaming: more flow points arrive while GD goes on, and GD stays ahead of them
  const p0 = await flowPoints(page, 'loss'), s0 = await stepOf(page);
  await expect.poll(() => flowPoints(page, 'loss'), { timeout: 60000 }).toBeGreaterThan(p0);
  await expect.poll(() => stepOf(page), { timeout: 60000 }).toBeGreaterThan(s0);
  const gdLast = (await datasetsOf(page, 'loss')).filter((d) => !d.flow && /this run|η = 0\.2|train loss/.test(d.label)).map((d) => d.lastX);
  const flowLast = Math.max(...(await datasetsOf(page, 'loss')).filter((d) => d.flow).map((d) => d.lastX));
  expect(Math.max(...gdLast)).toBeGreaterThanOrEqual(flowLast);

  // under More charts: how far each flow is from GD
  await page.locator('#more-charts > summary').click();
  const distFig = page.locator('figure[data-chart="flows"]');
  await distFig.scrollIntoViewIfNeeded();
  await expect(distFig).toBeVisible();
  await expect.poll(async () => (await datasetsOf(page, 'flows')).filter((d) => d.n > 3).map((d) => d.label), { timeout: 30000 })
    .toEqual(names.map((n) => `${n}: distance from GD`));

  // switched off: the run goes on without them
  await sw.uncheck();
  await expect.poll(() => page.evaluate(() => location.hash), { timeout: 30000 }).not.toContain('flow=');
  await expect(progress).toBeHidden();
  await page.locator('figure[data-chart="loss"]').scrollIntoViewIfNeeded(); // charts out of view wait to be redrawn
  await expect.poll(async () => (await datasetsOf(page, 'loss')).filter((d) => d.flow).length).toBe(0);
});

test('restart at the EoS onset: the flows wait for GD\'s onset and start from its iterate there @flows', async ({ page }) => {
  test.setTimeout(300000);
  // eta = 0.3 reaches the edge near step 570
  await page.goto('/#v=1&model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4&standardize=1&lr=0.3&steps=1500&measure_every=20&flow=gf,central');
  const onset = page.getByRole('checkbox', { name: 'restart at the EoS onset' });
  await expect(page.getByRole('checkbox', { name: 'Theory beside GD' })).toBeChecked({ timeout: 30000 });
  await expect(onset).toBeEnabled();
  await onset.check();
  await expect.poll(() => page.evaluate(() => location.hash), { timeout: 30000 }).toContain('flow_start=onset');
  const progress = page.locator('#flow-progress');
  await expect(progress).toHaveText(/waiting for GD's edge-of-stability onset/, { timeout: 30000 });
  await expect(stat(page, 'events')).toContainText('EoS onset', { timeout: 90000 });
  await expect(progress).toHaveText(/at step \d+/, { timeout: 60000 });
  await expect.poll(() => flowPoints(page, 'loss'), { timeout: 60000 }).toBeGreaterThan(3);
  const first = await page.locator('figure[data-chart="loss"] canvas').evaluate((c) => {
    const d = globalThis.Chart.getChart(c).data.datasets.find((q) => q.label === 'central flow: loss');
    return d && d.data.length ? d.data[0].x : NaN;
  });
  const onsetStep = Number(/EoS onset[^\d]*(\d+)/.exec(await stat(page, 'events').textContent())[1]);
  expect(first).toBeGreaterThanOrEqual(onsetStep);
  expect(first).toBeLessThan(onsetStep + 40);
});

test('observation never changes GD: its metrics are the same bytes with the flows on and off; with them the CSV is the CLI\'s @flows', async ({ page }) => {
  test.setTimeout(300000);
  const cfg = 'model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4&standardize=1&lr=0.3&steps=120&measure_every=20';
  const exportCsv = async (config) => {
    await page.goto(`/#v=1&${config}`);
    await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 60000 });
    if (config.includes('flow=')) await expect(page.locator('#flow-progress')).toHaveText(/at step 120, with GD/, { timeout: 90000 });
    await expect(page.getByRole('button', { name: 'Metrics CSV', exact: true })).toBeEnabled();
    return downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }));
  };
  const off = await exportCsv(cfg);
  const on = await exportCsv(`${cfg}&flow=gf,central`);
  const table = (text) => {
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const cols = lines[0].split(',');
    return { cols, rows: lines.slice(1).map((l) => l.split(',')) };
  };
  const a = table(off.text), b = table(on.text);
  expect(a.rows.length).toBe(121);
  expect(b.rows.length).toBe(121);
  expect(b.cols.slice(0, a.cols.length)).toEqual(a.cols); // GD's columns first, the flows' after
  expect(b.cols.length).toBeGreaterThan(a.cols.length);
  for (let i = 0; i < a.rows.length; i++) expect(b.rows[i].slice(0, a.cols.length).join(',')).toBe(a.rows[i].join(','));
  // the flows' columns are filled in everywhere (they caught up), and the whole file is what the CLI writes
  const gf = b.cols.indexOf('gf_loss');
  expect(b.rows.every((r) => r[gf] !== '')).toBe(true);
  expect(fs.existsSync(CLI), `the native CLI ${CLI} (scripts/build native)`).toBe(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-flows-'));
  execFileSync(CLI, ['run', `${cfg}&flow=gf,central`, '--out', path.join(dir, 'metrics.csv')], { stdio: ['ignore', 'ignore', 'pipe'] });
  expect(fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8')).toBe(on.text);
});

test('the trajectory view draws the flows\' paths over the contours of the uv model @flows', async ({ page }) => {
  test.setTimeout(300000);
  await page.goto(`/#v=1&${UV.replace('steps=3000', 'steps=300')}&flow=gf,central`);
  const canvas = page.locator('#traj');
  await expect(canvas).toBeVisible({ timeout: 30000 });
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 60000 });
  await expect(page.locator('#flow-progress')).toHaveText(/at step 300, with GD/, { timeout: 60000 });
  // one point per GD row after step 0 for each flow
  await expect.poll(() => canvas.getAttribute('data-flow-points'), { timeout: 30000 }).toBe('300,300');
  // the flows' colours are on the canvas (their paths and the legend)
  const found = await canvas.evaluate((c) => {
    const cs = getComputedStyle(c);
    const rgb = (hex) => { const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim()); return m ? [1, 2, 3].map((k) => parseInt(m[k], 16)) : null; };
    const want = [rgb(cs.getPropertyValue('--flow-1')), rgb(cs.getPropertyValue('--flow-2'))];
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const n = [0, 0];
    for (let i = 0; i < d.length; i += 4) want.forEach((w, k) => { if (w && d[i + 3] > 200 && Math.abs(d[i] - w[0]) < 6 && Math.abs(d[i + 1] - w[1]) < 6 && Math.abs(d[i + 2] - w[2]) < 6) n[k]++; });
    return n;
  });
  expect(found[0]).toBeGreaterThan(30);
  expect(found[1]).toBeGreaterThan(30);
});

test('the gallery page: claims, equations, the live overlay on the EoS preset, the conformance table @flows', async ({ page }) => {
  test.setTimeout(300000);
  await page.goto('/gallery/index.html');
  await page.getByRole('link', { name: 'Continuous-time models of GD at the edge of stability' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Continuous-time models of GD at the edge of stability' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'The equations' })).toBeVisible();
  await expect(page.getByLabel('Central flow, one eigenvalue')).toContainText('σ² = max(0, −2 ⟨∇S, ∇L⟩ / ‖∇S‖²)');
  const frame = page.locator('iframe.embed');
  expect(await frame.getAttribute('src')).toMatch(/^\.\.\/embed\.html#preset=cohen2021-eos&flow=gf,central&flow_start=onset&embed=1$/);
  // the conformance table, from build/native/conformance/FLOW.json (the build's JSON)
  const conf = ['native', 'wasm'].map((b) => path.join(__dirname, '..', 'build', b, 'conformance', 'FLOW.json')).find((f) => fs.existsSync(f));
  const section = page.getByRole('region', { name: 'Every criterion' }).first();
  if (conf) {
    const json = JSON.parse(fs.readFileSync(conf, 'utf8'));
    const checks = json.results.filter((r) => r.kind === 'check' || r.kind === 'deviation');
    const passed = json.results.filter((r) => r.kind === 'check' && r.pass).length;
    await expect(page.getByText(`${passed} of ${checks.length} checks passed`)).toBeVisible();
    await expect(section.locator('tbody tr')).toHaveCount(new Set(checks.map((r) => `${r.where.split(' ')[0]}|${r.what}|${r.criterion}`)).size);
    await expect(section).toContainText('central flow: max eta S / 2');
    // a deviation is never a pass
    // (several deviations may share one explanation: each is listed with it)
    const whys = new Map();
    for (const d of json.results.filter((r) => r.kind === 'deviation')) whys.set(d.why, (whys.get(d.why) || 0) + 1);
    for (const [why, n] of whys) {
      await expect(page.getByText(why, { exact: true })).toHaveCount(n);
      await expect(page.getByText(why, { exact: true }).first()).toBeVisible();
    }
  } else {
    await expect(page.getByText(/^Our conformance test of this paper .* has not been run in this build/)).toBeVisible();
  }
  // the live overlay: the widget runs the preset with the flows, and draws them
  const widget = page.frameLocator('iframe.embed');
  await expect(widget.locator('#flow-progress')).toHaveText(/gradient flow and central flow(: waiting for GD's edge-of-stability onset| at step)/, { timeout: 60000 });
});

// The page stays responsive with the flows on: the same criterion as e2e/perf.spec.js (no task on
// the main thread over 50 ms, the main chart redrawn at 20 Hz or more) over 20 s of the EoS run
// with gradient flow and the central flow following GD. A timing measurement on a shared machine:
// up to two more tries, as perf.spec.js.
test.describe('with the flows on', () => {
  test.describe.configure({ retries: 2 });
  test('no long task and the main chart at 20 Hz while the flows stream @alone', async ({ page }) => {
    test.setTimeout(120000);
    await watchResponsiveness(page);
    await page.goto(`/#v=1&${EOS}&flow=gf,central`);
    await expect(page.locator('#flow-progress')).toHaveText(/at step \d+/, { timeout: 30000 });
    const t0 = await page.evaluate(() => performance.now());
    const s0 = await stepOf(page);
    await page.waitForTimeout(20000);
    const { longTasks: during, draws: n, secs } = await responsiveness(page, t0);
    const flowRows = /at step (\d+)/.exec(await page.locator('#flow-progress').textContent())[1];
    const s1 = await stepOf(page);
    console.log(`flows on, 20 s: GD ${s0} -> ${s1} (${((s1 - s0) / secs).toFixed(1)} steps/s), the flows at step ${flowRows}; ` +
      `long tasks: ${describeLongTasks(during)}; ` +
      `main chart ${(n / secs).toFixed(1)} Hz`);
    expect(s1).toBeGreaterThan(s0);
    expect(during).toEqual([]);
    expect(n / secs).toBeGreaterThanOrEqual(20);
  });
});
