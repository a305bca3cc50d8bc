// The default experiment, the edge of stability, pause / step / reset, eta changed mid-run.
const { test, expect, stat, statNumber, waitForStep, downloadOf, EOS, UV } = require('./fixtures');

test('the default experiment runs, the loss falls, and S settles within 10% of 2/eta', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Implicit Bias Playground' })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Loss chart/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Sharpness and 2\/η chart/ })).toBeVisible();
  await waitForStep(page, 50);
  // the link now holds the canonical config of the default experiment
  expect(page.url()).toContain('#v=1&depth=3&teacher=tanh_mlp');
  // Edge of stability: once eta S / 2 has reached 1, S stays within 10% of 2/eta
  await expect.poll(() => statNumber(page, 'edge ratio'), { timeout: 30000, intervals: [100] }).toBeGreaterThanOrEqual(1);
  const twoEta = await statNumber(page, '2/eta');
  expect(twoEta).toBeCloseTo(2 / 0.3, 3); // shown with 5 significant digits
  const samples = [];
  for (let i = 0; i < 12; i++) {
    samples.push(await statNumber(page, 'sharpness S'));
    if ((await stat(page, 'run state').textContent()).includes('done')) break;
    await page.waitForTimeout(150);
  }
  // live readings: S hovers at 2/eta (before a catapult spike it overshoots by up to ~12% for a
  // few measurements, so one reading may sit outside 10%: the export below checks every one)
  const sorted = samples.map((x) => x / twoEta).sort((a, b) => a - b);
  expect(Math.abs(sorted[Math.floor(sorted.length / 2)] - 1)).toBeLessThan(0.1);
  for (const r of sorted) expect(r).toBeLessThan(1.5);
  await expect(stat(page, 'events')).toContainText('EoS onset at step');
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await expect(page.getByRole('button', { name: 'Continue' })).toBeEnabled();
  // the loss fell: every step's loss from the page's own export (single live readings can land
  // on the brief spikes of the edge of stability, up to ~10x for a few steps)
  const csv = await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }));
  const lines = csv.text.split('\n').filter((l) => l && !l.startsWith('#'));
  const col = (name) => { // an empty field is a step without that measurement
    const i = lines[0].split(',').indexOf(name);
    return lines.slice(1).map((l) => { const v = l.split(',')[i]; return v === '' || v === undefined ? NaN : Number(v); });
  };
  const loss = col('loss');
  expect(loss.length).toBe(6001);
  const tail = loss.slice(-600).sort((a, b) => a - b);
  expect(tail[300]).toBeLessThan(loss[0] / 30);
  expect(Math.max(...loss.slice(1))).toBeLessThan(loss[0]); // spikes, but never back to the start
  expect(await statNumber(page, 'loss')).toBeCloseTo(loss[6000], 3 - Math.floor(Math.log10(loss[6000])));
  // every measured S after onset (edge ratio >= 1): within 10% of 2/eta at least 95% of the time,
  // the median within 5% (science.md H2 asks [0.95, 1.05] for the median, a 5-95% band in [0.85, 1.25])
  const ratio = col('edge_ratio');
  const on = ratio.findIndex((r) => r >= 1);
  expect(on).toBeGreaterThan(0);
  const after = ratio.slice(on).filter((r) => Number.isFinite(r));
  expect(after.length).toBeGreaterThan(100);
  expect(after.filter((r) => Math.abs(r - 1) <= 0.1).length / after.length).toBeGreaterThanOrEqual(0.95);
  after.sort((a, b) => a - b);
  expect(Math.abs(after[Math.floor(after.length / 2)] - 1)).toBeLessThanOrEqual(0.05);
  // no NaN or Infinity anywhere on the page
  expect(await page.locator('body').innerText()).not.toMatch(/NaN|Infinity/);
});

test('pause, single step, reset to the same init, keyboard shortcuts', async ({ page }) => {
  await page.goto(`/#v=1&${UV}&autoplay=0`);
  await expect(stat(page, 'step')).toHaveText('0 / 3000');
  const play = page.getByRole('button', { name: 'Play' });
  await expect(play).toBeEnabled();
  const stepBtn = page.getByRole('button', { name: 'Step', exact: true });
  const losses = [await statNumber(page, 'loss')];
  for (let i = 1; i <= 3; i++) {
    await stepBtn.click();
    await expect(stat(page, 'step')).toHaveText(`${i} / 3000`);
    losses.push(await statNumber(page, 'loss'));
  }
  expect(new Set(losses).size).toBeGreaterThan(1);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('ArrowRight');
  await expect(stat(page, 'step')).toHaveText('4 / 3000');
  await page.keyboard.press('r');
  await expect(stat(page, 'step')).toHaveText('0 / 3000');
  const again = [await statNumber(page, 'loss')];
  for (let i = 1; i <= 3; i++) {
    await page.keyboard.press('ArrowRight');
    await expect(stat(page, 'step')).toHaveText(`${i} / 3000`);
    again.push(await statNumber(page, 'loss'));
  }
  expect(again).toEqual(losses);
  // Space plays and pauses
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('100');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await waitForStep(page, 10);
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(stat(page, 'run state')).toHaveText('paused');
  const paused = await statNumber(page, 'step');
  await page.waitForTimeout(400);
  expect(await statNumber(page, 'step')).toBe(paused);
  expect(paused).toBeLessThan(3000);
});

test('eta changed mid-run takes effect from the next step', async ({ page }) => {
  await page.goto(`/#v=1&${EOS}&speed=1000`);
  await waitForStep(page, 300);
  await page.getByLabel('η now').fill('0.05');
  await page.getByRole('button', { name: 'Set η' }).click();
  await expect(stat(page, '2/eta')).toHaveText('40');
  const at = await statNumber(page, 'step');
  await waitForStep(page, at + 200);
  await expect(stat(page, '2/eta')).toHaveText('40');
  // a bad value is explained, the run goes on
  await page.getByLabel('η now').fill('-1');
  await page.getByRole('button', { name: 'Set η' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'the learning rate must be a number' }).first()).toBeVisible();
  const s = await statNumber(page, 'step');
  await waitForStep(page, s + 50);
});
