// The spectrum figure's "Full spectrum": every eigenvalue of a small model, the SLQ density of a
// large one, each checked against what the page measured while training (the status line's
// sharpness, every digit of it in data-value); the uv model's closed form; the engine's refusal
// shown in place; the PNG.
const { test, expect, stat, statNumber, waitForStep, downloadOf, UV } = require('./fixtures');

const SMALL = 'model=mlp&depth=2&d=4&width=8&act=tanh&n=32&lr=0.3&steps=100000&measure_every=1';
const LARGE = 'model=mlp&width=128&d=20&n=64&steps=30&measure_every=1';

const readout = (page) => page.locator('#spec-readout');
async function data(page) {
  return readout(page).evaluate((el) => ({ ...el.dataset }));
}
// The run's line says P once the page has made the run its own: with the early start the status
// line can say 'steps done' a moment before (the CI once read an empty line there).
async function nparams(page) {
  await expect(page.locator('#run-info')).toContainText(/P = \d+ trained parameters/);
  const t = await page.locator('#run-info').textContent();
  return Number(/P = (\d+) trained parameters/.exec(t)[1]);
}
// The measured sharpness of the status line (every digit) and the step it was measured at.
async function measured(page) {
  const el = stat(page, 'sharpness S');
  return { S: Number(await el.getAttribute('data-value')), step: Number(await el.getAttribute('data-step')) };
}
async function fullSpectrum(page) {
  await page.getByRole('button', { name: 'Full spectrum' }).click();
  await expect(page.getByRole('img', { name: /^(Exact spectrum|SLQ density) at step/ })).toBeVisible();
  return data(page);
}
// PNG: the signature, then IHDR's width and height
function pngSize(buf) {
  expect(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

test('exact spectrum of a small model: its largest eigenvalue is the measured sharpness, P of them; it follows the run', async ({ page }) => {
  await page.goto(`/#v=1&${SMALL}`);
  await waitForStep(page, 150);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(stat(page, 'run state')).toHaveText('paused');
  const d = await fullSpectrum(page);
  expect(d.method).toBe('exact');
  const P = await nparams(page);
  expect(P).toBe(49);
  expect(Number(d.count)).toBe(P);
  expect(Number(d.p)).toBe(P);
  const t = await statNumber(page, 'step');
  expect(Number(d.step)).toBe(t);
  // the status line shows the measurement of this very step
  await expect.poll(async () => (await measured(page)).step).toBe(t);
  const { S } = await measured(page);
  expect(Math.abs(Number(d.largest) - S)).toBeLessThanOrEqual(1e-6 * S);
  expect(Number(d.twoOverEta)).toBeCloseTo(2 / 0.3, 12);
  await expect(readout(page)).toContainText(`Exact spectrum at step ${t}: ${P} eigenvalues (P = ${P})`);
  await expect(readout(page)).toContainText('2/η 6.6667');
  expect(await page.locator('#spectrum-full').evaluate((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  })).toBeGreaterThan(1000);
  await page.locator('#spec-fig').screenshot({ path: 'build/screenshots/spectrum-exact.png' });

  // the PNG holds the number line, the full spectrum and its readout
  const png = await downloadOf(page, page.getByRole('button', { name: 'Download the Spectrum chart as PNG' }));
  expect(png.name).toBe('spectrum.png');
  const [, h] = pngSize(png.body);
  expect(h).toBeGreaterThan(96 + 180 + 44);

  // play on and pause again: it is computed again at the new step (it was cheap)
  await page.getByRole('button', { name: 'Play' }).click();
  await waitForStep(page, t + 50);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(stat(page, 'run state')).toHaveText('paused');
  const t2 = await statNumber(page, 'step');
  await expect.poll(async () => Number((await data(page)).step)).toBe(t2);
  await expect.poll(async () => (await measured(page)).step).toBe(t2);
  const d2 = await data(page);
  const m2 = await measured(page);
  expect(Math.abs(Number(d2.largest) - m2.S)).toBeLessThanOrEqual(1e-6 * m2.S);
});

test('SLQ density of a model with P > 2000: mass 1, its support covers the measured sharpness', async ({ page }) => {
  await page.goto(`/#v=1&${LARGE}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  const P = await nparams(page);
  expect(P).toBeGreaterThan(2000);
  const d = await fullSpectrum(page);
  expect(d.method).toBe('density');
  expect(Number(d.step)).toBe(30);
  expect(Number(d.p)).toBe(P);
  expect(Math.abs(Number(d.mass) - 1)).toBeLessThan(1e-3);
  await expect.poll(async () => (await measured(page)).step).toBe(30);
  const { S } = await measured(page);
  expect(Number(d.supportLo)).toBeLessThanOrEqual(S);
  expect(Number(d.supportHi)).toBeGreaterThanOrEqual(S);
  // the largest Ritz value is the sharpness (Lanczos finds the extremes first)
  expect(Math.abs(Number(d.largest) - S)).toBeLessThanOrEqual(Math.max(1e-4 * S, Number(d.sigma)));
  expect(d.probes).toBe('10');
  expect(d.steps).toBe('80');
  await expect(readout(page)).toContainText(/SLQ density at step 30 \(P = \d+\): 10 probes × 80 Lanczos steps, Gaussian σ = /);
  await page.locator('#spec-fig').screenshot({ path: 'build/screenshots/spectrum-density.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.locator('#spec-fig').screenshot({ path: 'build/screenshots/spectrum-density-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });
  // asking for exact here is refused by the engine, in place, and the refusal replaces the density
  await page.getByLabel('method').selectOption('exact');
  await expect(page.locator('#spec-note')).toContainText(/^Not computed: the exact spectrum needs P <= 2000 .* use the density \(SLQ\) instead$/);
  expect((await data(page)).method).toBeUndefined();
  await expect(page.locator('#spectrum-full')).toBeHidden();
});

test('the memory cap refuses a spectrum with the engine message; the run is untouched', async ({ page }) => {
  await page.goto('/#v=1&depth=3&d=8&width=32&n=64&mem_cap=8&steps=20&measure_every=1');
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await page.getByRole('button', { name: 'Full spectrum' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Not computed:' })).toHaveText(/^Not computed: this spectrum needs [\d.]+ MiB, above mem_cap=8 MiB$/);
  await expect(page.locator('#spectrum-full')).toBeHidden();
  await expect(stat(page, 'step')).toHaveText('20 / 20');
});

test('uv model at a minimizer: the exact eigenvalues are u² + v² and 0 (science.md)', async ({ page }) => {
  await page.goto(`/#v=1&${UV}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  const d = await fullSpectrum(page);
  expect(d.method).toBe('exact');
  expect(d.count).toBe('2');
  await page.locator('#spec-fig').screenshot({ path: 'build/screenshots/spectrum-uv.png' });
  const params = await downloadOf(page, page.getByRole('button', { name: 'Parameters JSON', exact: true }));
  const [u, v] = JSON.parse(params.text).params.flatMap((a) => a.data);
  expect(Math.abs(u * v - 1)).toBeLessThan(1e-12); // at the minimizer xy = 1
  const big = u * u + v * v;
  expect(Math.abs(Number(d.largest) - big)).toBeLessThanOrEqual(1e-9 * big);
  expect(Math.abs(Number(d.smallest))).toBeLessThanOrEqual(1e-9 * big);
});

// On demand, whether or not the run measures: a run with measure=0 shows no sharpness while it
// trains, and "Full spectrum" still gives every eigenvalue (the scalar chain at its minimizer:
// w1² + w2² and 0, science.md).
test('the spectrum on demand for a run that measures nothing @newcomer', async ({ page }) => {
  await page.goto('/#v=1&model=linear&depth=2&width=1&data=inline&xs=1&ys=1&init=3,0.1&lr_rel=2.5&steps=3000&measure=0');
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await expect(stat(page, 'sharpness S')).toHaveText('—');
  const d = await fullSpectrum(page);
  expect(d.method).toBe('exact');
  expect(d.count).toBe('2');
  const params = await downloadOf(page, page.getByRole('button', { name: 'Parameters JSON', exact: true }));
  const [a, b] = JSON.parse(params.text).params.flatMap((p) => p.data);
  expect(Math.abs(a * b - 1)).toBeLessThan(1e-12);
  const big = a * a + b * b;
  expect(Math.abs(Number(d.largest) - big)).toBeLessThanOrEqual(1e-9 * big);
  expect(Math.abs(Number(d.smallest))).toBeLessThanOrEqual(1e-9 * big);
});

// A diverged run's last step has no Hessian: the engine refuses it (it once gave NaN eigenvalues,
// shown as "64 eigenvalues · largest 0"), and the refusal replaces the spectrum shown before.
test('the step where a run diverged is refused, in every method, and replaces the old readout', async ({ page }) => {
  await page.goto('/#v=1&div_loss=1e300&lr=1000&steps=50&limit=20');
  await expect(stat(page, 'run state')).toHaveText('paused', { timeout: 30000 });
  const d = await fullSpectrum(page);
  expect(d.method).toBe('exact');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(stat(page, 'run state')).toHaveText(/diverged/, { timeout: 30000 });
  for (const method of ['auto', 'exact', 'density']) {
    await page.getByLabel('method').selectOption(method);
    if (method === 'auto') await page.getByRole('button', { name: 'Full spectrum' }).click();
    await expect(page.locator('#spec-note')).toHaveText(/^Not computed: .*not finite/);
    await expect(readout(page)).toHaveText('');
    await expect(page.locator('#spectrum-full')).toBeHidden();
    expect((await data(page)).method).toBeUndefined();
  }
});
