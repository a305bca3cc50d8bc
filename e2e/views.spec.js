// The two-parameter trajectory view, the spectrum view, kept runs, and the phone layout.
const { test, expect, allSettings, stat, waitForStep, UV, CHAIN, EOS } = require('./fixtures');

async function inkedPixels(page, selector) {
  return page.locator(selector).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

for (const [name, config] of [['uv factorization', UV], ['scalar chain', CHAIN]]) {
  test(`the two-parameter view draws the path for the ${name}`, async ({ page }) => {
    await page.goto(`/#v=1&${config}`);
    const fig = page.getByRole('figure', { name: /Trajectory in parameter space/ });
    await expect(fig).toBeVisible();
    await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
    const canvas = page.getByRole('img', { name: /Gradient descent path over the loss contours: step 3000 at/ });
    await expect(canvas).toBeVisible();
    await expect.poll(() => canvas.getAttribute('data-points')).toBe('3001');
    expect(await inkedPixels(page, '#traj')).toBeGreaterThan(2000);
    // it ends on the hyperbola xy = 1, inside the stable set
    const label = await canvas.getAttribute('aria-label');
    const [, x, y] = /at \(([-\d.e]+), ([-\d.e]+)\)/.exec(label);
    expect(Number(x) * Number(y)).toBeCloseTo(1, 2);
  });
}

test('keep a run and compare: the kept run is drawn with the new one', async ({ page }) => {
  await page.goto(`/#v=1&${UV.replace('steps=3000', 'steps=300')}`);
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await page.getByRole('button', { name: 'Keep run' }).click();
  await expect(page.getByRole('heading', { name: 'Kept runs' })).toBeVisible();
  await allSettings(page);
  await page.getByLabel('lr_rel', { exact: true }).fill('1.5');
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(page.getByText(/^kept 1: model=mf/)).toBeVisible();
  const n = await page.locator('figure[data-chart="loss"] canvas').evaluate((c) => globalThis.Chart.getChart(c).data.datasets.map((d) => d.label));
  expect(n).toEqual(['kept 1: train loss', 'train loss']);
  await page.getByRole('button', { name: 'Clear kept runs' }).click();
  await expect(page.getByRole('heading', { name: 'Kept runs' })).toBeHidden();
});

test('phone layout: one column, no horizontal scrolling, readable', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`/#v=1&${EOS}`);
  await waitForStep(page, 200);
  await expect(page.getByRole('img', { name: /^Loss chart/ })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // the run first: the learning rate and the main chart come before the data and model view;
  // the settings are a bottom sheet, opened by Settings and closed again
  const eta = await page.locator('#eta-panel').boundingBox();
  const main = await page.locator('#chart-main').boundingBox();
  expect(eta.y + eta.height).toBeLessThanOrEqual(844);
  expect(main.y).toBeGreaterThan(eta.y);
  await expect(page.locator('#bench')).toBeHidden();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.locator('#bench')).toBeInViewport();
  await page.getByRole('button', { name: 'Close the settings' }).click();
  await expect(page.locator('#bench')).toBeHidden();
  await page.screenshot({ path: 'build/screenshots/mobile.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'build/screenshots/mobile-dark.png' });
  expect(errors).toEqual([]);
  await context.close();
});

test('the paper presets are offered, explained and cited', async ({ page }) => {
  await page.goto('/#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=100&autoplay=0');
  const preset = page.getByLabel('Preset');
  await expect(preset.locator('optgroup[label="Papers"] option')).toHaveCount(8);
  const label = await preset.locator('optgroup[label="Papers"] option', { hasText: 'The catapult phase' }).textContent();
  await preset.selectOption({ label });
  await expect(page.getByText(/arXiv:2003\.02218/)).toBeVisible();
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(stat(page, 'events')).toContainText('catapult');
});
