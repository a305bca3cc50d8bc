// The default experiment, the edge of stability, pause / step / reset, eta changed mid-run.
const { test, expect, stat, statNumber, waitForStep, EOS, UV } = require('./fixtures');

test('the default experiment runs, the loss falls, and S settles within 10% of 2/eta', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Implicit Bias Playground' })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Loss chart/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Sharpness and 2\/η chart/ })).toBeVisible();
  await waitForStep(page, 50);
  const early = await statNumber(page, 'loss');
  await waitForStep(page, 1500);
  const later = await statNumber(page, 'loss');
  expect(later).toBeLessThan(early / 3);
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
  for (const s of samples) expect(Math.abs(s - twoEta) / twoEta).toBeLessThan(0.1);
  await expect(stat(page, 'events')).toContainText('EoS onset at step');
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await expect(page.getByRole('button', { name: 'Continue' })).toBeEnabled();
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
