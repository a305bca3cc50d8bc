// The sweep page (web/sweep.html): a small sweep runs on the pool and shows its regimes, a cell
// opens in the playground, a two-key sweep draws a heatmap, cancel stops a sweep, and grids that
// are too large, unknown keys and bad cells are refused with their messages, and a bad workers= in
// the link gets a notice.
const { test, expect } = require('./fixtures');

const G = 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&steps=300&ntk=1&measure=0';
const EOS = 'model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4&standardize=1&steps=6000&measure_every=20';
const MF = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&steps=3000&measure=0';

async function fill(page, base, key1, grid1, key2 = '', grid2 = '') {
  await page.goto('/sweep.html');
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  await page.getByLabel('Base config', { exact: true }).fill(base);
  await page.getByLabel('First key', { exact: true }).fill(key1);
  await page.getByLabel('Grid of the first key', { exact: true }).fill(grid1);
  await page.getByLabel('Second key (optional)', { exact: true }).fill(key2);
  await page.getByLabel('Grid of the second key', { exact: true }).fill(grid2);
}
const progress = (page) => page.getByRole('status', { name: 'sweep progress' });
const rowOf = (page, cell) => page.locator(`#sw-table tbody tr[data-cell="${cell}"]`);

test('a small sweep of the catapult runs on the pool: lazy, catapult and divergent regimes', async ({ page }) => {
  await fill(page, G, 'lr_rel', 'lin:0.5:4.5:9');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(progress(page)).toHaveText(/^9 cells in .* with \d+ workers?/, { timeout: 30000 });
  const regimes = page.getByRole('list', { name: 'Regimes' });
  // c = 4 (cell 7) is the theory's divergence threshold 4/lambda0 itself: there the regime is
  // decided by the last bits of lambda0 (the catapult run diverges or not at eta lambda0 = 4 to
  // rounding), so that one cell may be either; every other cell is decided by the physics.
  await expect.poll(async () => JSON.stringify(await regimes.getByRole('listitem').allTextContents()))
    .toMatch(/^\["lazy: 4","catapult: (3","divergent: 2|4","divergent: 1)"\]$/);
  await expect(rowOf(page, 6).getByRole('cell').nth(1)).toHaveText('catapult');
  await expect(rowOf(page, 7).getByRole('cell').nth(1)).toHaveText(/^(catapult|divergent)$/);
  // the table, from the engine's summary: c = 0.5 lazy, 2.5 catapult, 4.5 divergent with its message
  await expect(rowOf(page, 0).getByRole('cell').nth(1)).toHaveText('lazy');
  await expect(rowOf(page, 4)).toContainText('2.5');
  await expect(rowOf(page, 4).getByRole('cell').nth(1)).toHaveText('catapult');
  await expect(rowOf(page, 8)).toContainText(/divergent.*diverged at step \d+/);
  const ratio = parseFloat(await rowOf(page, 4).getByRole('cell').nth(2).textContent());
  expect(ratio).toBeGreaterThan(0.49);
  expect(ratio).toBeLessThan(0.53); // science.md G1: lambda_T/lambda0 in [0.49, 0.53] at c = 2.5
  await expect(page.getByRole('img', { name: /^Line plot: / })).toBeVisible();
  await expect(page.locator('#sw-cli')).toHaveText(`ibp sweep '${G}' --vary lr_rel=lin:0.5:4.5:9 --out sweep.csv`);
  expect(page.url()).toContain('vary=lr_rel%3Dlin%3A0.5%3A4.5%3A9');
  // a cell opens in the playground with its config
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('link', { name: 'Open cell 4 in the playground' }).click()]);
  await popup.waitForLoadState();
  expect(popup.url()).toMatch(/index\.html#v=1&.*lr_rel=2\.5/);
  await popup.close();
});

test('two keys draw a heatmap; hovering names a cell and clicking opens it', async ({ page }) => {
  await fill(page, MF, 'lr_rel', '0.5,2.5,4.5', 'init', '4%2C0.1,2%2C0.5');
  await page.getByLabel('Show', { exact: true }).selectOption('regime');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(progress(page)).toHaveText(/^6 cells in /, { timeout: 30000 });
  const map = page.getByRole('img', { name: /^Heatmap of regime over lr_rel \(x\) and init \(y\)/ });
  await expect(map).toBeVisible();
  // the cell at column 2 (lr_rel = 4.5), row 0 (init 4,0.1): geometry of sweep-plot.js
  const box = await map.boundingBox();
  const cw = (box.width - 62 - 10) / 3, ch = (box.height - 10 - 46) / 2;
  const at = { x: 62 + 2.5 * cw, y: 10 + 1.5 * ch };
  await map.hover({ position: at });
  await expect(page.locator('#sw-hover')).toContainText('lr_rel = 4.5');
  await expect(page.locator('#sw-hover')).toContainText('divergent');
  await map.hover({ position: { x: 62 + 0.5 * cw, y: 10 + 1.5 * ch } });
  await expect(page.locator('#sw-hover')).toContainText(/cell 0: lr_rel = 0\.5, init = 4%2C0\.1 · lazy/);
  const [popup] = await Promise.all([page.waitForEvent('popup'), map.click({ position: { x: 62 + 0.5 * cw, y: 10 + 1.5 * ch } })]);
  expect(popup.url()).toMatch(/#v=1&.*lr_rel=0\.5/);
  await popup.close();
});

test('cancel stops a running sweep; the page stays usable', async ({ page }) => {
  await fill(page, EOS, 'lr', '0.1,0.2,0.3,0.45,0.15,0.25,0.35,0.4');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(progress(page)).toHaveText(/of 8 cells/, { timeout: 30000 });
  const cancel = page.getByRole('button', { name: 'Cancel' });
  await expect(cancel).toBeEnabled();
  await cancel.click();
  await expect(progress(page)).toHaveText(/^cancelled after \d of 8 cells$/);
  const done = Number(/after (\d)/.exec(await progress(page).textContent())[1]);
  expect(done).toBeLessThan(8);
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  await expect(cancel).toBeDisabled();
  // no cell finishes after the cancel
  await page.waitForTimeout(1500);
  expect(await page.locator('#sw-progress').evaluate((p) => p.value)).toBe(done);
  // and a new sweep runs on fresh workers
  await page.getByLabel('Base config', { exact: true }).fill(G);
  await page.getByLabel('First key', { exact: true }).fill('lr_rel');
  await page.getByLabel('Grid of the first key', { exact: true }).fill('1,3');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(progress(page)).toHaveText(/^2 cells in /, { timeout: 30000 });
});

test('refusals: a grid too large (with the count and the estimated time), an unknown key, a bad cell', async ({ page }) => {
  await fill(page, G, 'lr_rel', 'lin:0.5:4.5:100', 'seed', 'lin:0:99:100');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This sweep has 10000 cells (estimated ');
  await expect(alert).toContainText('the page runs at most 2000');
  await expect(alert).toContainText(`ibp sweep '${G}' --vary lr_rel=lin:0.5:4.5:100 --vary seed=lin:0:99:100`);
  await expect(progress(page)).toHaveText(/^refused: 10000 cells, estimated /);
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();

  await page.getByLabel('First key', { exact: true }).fill('bogus');
  await page.getByLabel('Grid of the first key', { exact: true }).fill('1,2');
  await page.getByLabel('Second key (optional)', { exact: true }).fill('');
  await page.getByLabel('Grid of the second key', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(alert).toContainText('The sweep was not started: vary bogus=1,2: unknown key "bogus"');

  await page.getByLabel('Base config', { exact: true }).fill(MF);
  await page.getByLabel('First key', { exact: true }).fill('rank');
  await page.getByLabel('Grid of the first key', { exact: true }).fill('1,0');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(alert).toContainText(/The sweep was not started: vary rank=1,0, value 2: rank=0 is out of range/);

  await page.getByLabel('Grid of the first key', { exact: true }).fill('lin:1:2');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(alert).toContainText('vary rank=lin:1:2: write lin:START:STOP:N');

  // a cell wrong only as a whole (rows applies to model=mf, not to cell 1's mlp)
  await page.getByLabel('First key', { exact: true }).fill('model');
  await page.getByLabel('Grid of the first key', { exact: true }).fill('mf,mlp');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(alert).toContainText(/The sweep was not started: cell 1 \(model=mlp\): rows does not apply/);
});

test('a paper\'s sweep from the gallery link runs with its theory lines, on a phone too', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/sweep.html#preset=wang2022-balancing&panel=1&run=1');
  await expect(page.getByLabel('Start from a paper’s figure', { exact: true })).toHaveValue('wang2022-balancing:1');
  await expect(progress(page)).toHaveText(/^23 cells in /, { timeout: 30000 });
  const chart = await page.locator('#sw-plot canvas').evaluate((c) => globalThis.Chart.getChart(c).data.datasets.map((d) => d.label));
  expect(chart).toEqual(['|x_T − y_T|', '√(2/η − 2μ)']);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
});

test('the playground links to the sweep page and the gallery, and back', async ({ page }) => {
  await page.goto('/#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=30&autoplay=0');
  const nav = page.getByRole('navigation', { name: 'Site' });
  await expect(nav.getByRole('link', { name: 'Paper gallery' })).toHaveAttribute('href', 'gallery/index.html');
  await nav.getByRole('link', { name: 'Sweeps and phase diagrams' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sweeps and phase diagrams' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Paper gallery' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Paper gallery' })).toBeVisible();
});

test('a link\'s workers= that is not 1 to 16 gets a notice like the link\'s other bad parameters; a good one none', async ({ page }) => {
  for (const bad of ['0', '-5', 'abc']) {
    await page.goto('about:blank'); // a hash change alone would not load the page again
    await page.goto(`/sweep.html#workers=${bad}`);
    await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
    await expect(page.getByRole('alert')).toContainText(`The link asks for workers=${bad}, which is not a number of workers from 1 to 16`);
  }
  await page.goto('about:blank');
  await page.goto('/sweep.html#workers=2');
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  await expect(page.locator('#sw-version')).toContainText('2 workers');
  await expect(page.locator('#sw-messages')).not.toContainText('workers=');
});
