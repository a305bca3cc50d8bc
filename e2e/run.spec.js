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

// The divergence advice works: η set on a diverged run is the starting lr of the next Reset (the
// link says lr=…, no lr_at past the end), with the field and with the slider.
test('after a divergence, a lower η then Reset runs from the start with it; the link says lr', async ({ page }) => {
  await page.goto('/#v=1&lr=50&steps=300');
  await expect(stat(page, 'run state')).toHaveText(/diverged/, { timeout: 30000 });
  const alert = page.getByRole('alert').filter({ hasText: 'Diverged at step' });
  await expect(alert).toContainText('lower η (“η now” and Set η, or the slider), then Reset');
  await page.getByLabel('η now').fill('0.05');
  await page.getByRole('button', { name: 'Set η' }).click();
  await expect.poll(() => page.url()).toMatch(/[#&]lr=0\.05(&|$)/);
  expect(page.url()).not.toContain('lr_at');
  await expect(page.locator('#eta-readout')).toContainText('η = 0.05');
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(stat(page, 'step')).toHaveText('0 / 300');
  await expect(page.locator('#run-info')).toContainText('η = 0.05');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  expect(page.url()).toMatch(/[#&]lr=0\.05(&|$)/);
  expect(page.url()).not.toContain('lr_at');
  // a finished run: η is the next Reset's too, never an lr_at past its end
  await page.getByLabel('η now').fill('0.2');
  await page.getByRole('button', { name: 'Set η' }).click();
  await expect.poll(() => page.url()).toMatch(/[#&]lr=0\.2(&|$)/);
  expect(page.url()).not.toContain('lr_at');
  // the slider, on a diverged run
  await page.goto('/#v=1&lr=50&steps=300');
  await expect(stat(page, 'run state')).toHaveText(/diverged/, { timeout: 30000 });
  await page.locator('#eta-slider').fill('300'); // c well below 1
  await expect.poll(() => page.url()).not.toMatch(/[#&]lr=50(&|$)/);
  expect(page.url()).not.toContain('lr_at');
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
});

// Continue: the link carries the new step count, and a later η change lies within it.
test('Continue says what it does, and the link then says the new steps', async ({ page }) => {
  await page.goto('/#v=1&steps=200&limit=450');
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  const cont = page.getByRole('button', { name: 'Continue' });
  await expect(cont).toHaveAttribute('title', /^Run 200 more steps \(to step 400\)/);
  await cont.click();
  await expect.poll(() => page.url()).toMatch(/[#&]steps=400(&|$)/);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await expect(stat(page, 'step')).toHaveText('400 / 400');
  await expect(page.getByRole('button', { name: 'Continue' })).toHaveAttribute('title', /^Run 200 more steps \(to step 600\)/);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(stat(page, 'step')).toHaveText('450 / 600', { timeout: 30000 }); // paused at the limit
  await expect.poll(() => page.url()).toMatch(/[#&]steps=600(&|$)/);
  await page.getByLabel('η now').fill('0.1');
  await page.getByRole('button', { name: 'Set η' }).click();
  await expect.poll(() => page.url()).toMatch(/[#&]lr_at=\d+,0\.1&/);
  const [, at] = /lr_at=(\d+),/.exec(page.url());
  expect(Number(at)).toBeLessThanOrEqual(600);
  expect(page.url()).toMatch(/[#&]steps=600(&|$)/);
});

test('on a phone, the divergence advice names the control that is there', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/#v=1&lr=50&steps=300');
  await expect(stat(page, 'run state')).toHaveText(/diverged/, { timeout: 30000 });
  const alert = page.getByRole('alert').filter({ hasText: 'Diverged at step' });
  if (await page.locator('#eta-now').isVisible()) await expect(alert).toContainText('η now');
  else {
    await expect(alert).not.toContainText('η now');
    await expect(alert).toContainText('learning-rate slider');
    await expect(page.locator('#eta-slider')).toBeVisible();
  }
});
