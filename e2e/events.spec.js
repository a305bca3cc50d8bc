// Events: the catapult and the divergence, explained in words with the run paused.
const { test, expect, allSettings, stat, waitForStep, CATAPULT } = require('./fixtures');

test('a catapult config shows the catapult event', async ({ page }) => {
  await page.goto(`/#v=1&${CATAPULT}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  // the page names it ...
  await expect(stat(page, 'events')).toContainText(/catapult( ×\d+ \(first)? at step \d+/);
  // ... and its loss chart shows it: the loss rises 10x or more above its start, then falls below it
  const loss = page.getByRole('img', { name: /^Loss chart/ });
  await expect(loss).toBeVisible();
  const ys = await loss.evaluate((c) => globalThis.Chart.getChart(c).data.datasets.find((d) => d.label === 'train loss').data.map((p) => p.y));
  const peak = ys.indexOf(Math.max(...ys));
  expect(ys[peak] / ys[0]).toBeGreaterThanOrEqual(10);
  expect(Math.min(...ys.slice(peak))).toBeLessThan(ys[0]);
});

test('a divergent config is explained, the run pauses, the page keeps working', async ({ page }) => {
  await page.goto(`/#v=1&${CATAPULT.replace('lr_rel=2.5', 'lr_rel=6')}`);
  const alert = page.getByRole('alert').filter({ hasText: /Diverged at step \d+: / }).first();
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('The run is paused');
  await expect(stat(page, 'run state')).toHaveText('diverged');
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  expect(await page.locator('body').innerText()).not.toMatch(/NaN|Infinity/);
  // lower the learning rate in the settings and run again
  await allSettings(page);
  // each field's help: the engine's help line made a sentence, then its range and default
  await expect(page.locator('.field[data-key="model"] .help')).toHaveText(/dense layers as in mlp\. Default: mlp\.$/);
  await expect(page.locator('.field[data-key="depth"] .help')).toHaveText(/the output layer included\. Range in \[1, 64\]\. Default: 2\.$/);
  await page.getByLabel('lr_rel', { exact: true }).fill('1.5');
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await waitForStep(page, 100);
  await expect(page.getByRole('alert').filter({ hasText: /Diverged/ })).toHaveCount(0);
});

test('a link whose run diverges while the page builds itself: one run, taken over as it stopped, explained', async ({ page }) => {
  // the worker's messages, as they arrive (worker-start.js makes the worker before any module)
  await page.addInitScript(() => {
    const W = globalThis.Worker;
    globalThis.__runIds = [];
    globalThis.Worker = class extends W {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => { if (e.data && (e.data.type === 'status' || e.data.type === 'metrics')) globalThis.__runIds.push(e.data.runId); });
      }
    };
  });
  // diverges in its first steps: the early run (worker.js prestart) has stopped before the page asks
  await page.goto('/#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr=1&steps=300');
  const alert = page.getByRole('alert').filter({ hasText: /Diverged at step \d+: / }).first();
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('The run is paused');
  await expect(stat(page, 'run state')).toHaveText('diverged');
  await page.waitForFunction(() => performance.getEntriesByName('ibp-created').length > 0);
  const ids = await page.evaluate(() => [...new Set(globalThis.__runIds)]);
  expect(ids).toHaveLength(1); // not made again by the page's create
  const loss = page.getByRole('img', { name: /^Loss chart/ });
  const n = await loss.evaluate((c) => globalThis.Chart.getChart(c).data.datasets.find((d) => d.label === 'train loss').data.length);
  expect(n).toBeGreaterThan(1);
});
