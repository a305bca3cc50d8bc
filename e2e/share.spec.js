// Links that reproduce: a preset link round trip (the same numbers, byte for byte, after a
// reload), an old-version link, unknown presets, "Copy link" and the version shown.
const { test, expect, stat, waitForStep, downloadOf } = require('./fixtures');

const statusNumbers = (page) => page.locator('#status').innerText();

test('an EoS preset link reloads to the same run: same status, same metrics bytes @share', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/#preset=eos&limit=800');
  await expect(stat(page, 'run state')).toHaveText('paused', { timeout: 30000 });
  await expect(stat(page, 'step')).toHaveText('800 / 6000');
  // S reaches the edge at the measurement of step 500; the onset is stamped at the measurement
  // that confirms it (events.c: one definition, never at a divergence), 20 steps later
  await expect(stat(page, 'events')).toContainText('EoS onset at step 520');
  // the link now holds the preset's config itself (v=1), not the preset's name
  const url = page.url();
  expect(url).toMatch(/#v=1&depth=3&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0\.3&steps=6000&measure_every=20&limit=800$/);
  await expect(page.getByLabel('Preset')).toHaveValue('eos');
  const before = await statusNumbers(page);
  const csv1 = (await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }))).text;
  // the version that produced it is on the page and in the file
  const version = await page.locator('#repro-version').textContent();
  const build = await page.evaluate(() => fetch('version.json').then((r) => r.json()));
  expect(version).toBe(`engine ${build.engine}, build ${build.build}, link v=1`);
  await expect(page.locator('#version')).toHaveText(`engine ${build.engine} · build ${build.build}`);
  expect(csv1.startsWith(`# ibp ${build.engine}\n# config: depth=3&teacher=tanh_mlp`)).toBe(true);
  await expect(page.locator('#repro-seed')).toHaveText('0');
  // Copy link gives the address bar
  await page.getByRole('button', { name: 'Copy link', exact: true }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  await page.reload();
  await expect(stat(page, 'run state')).toHaveText('paused', { timeout: 30000 });
  await expect(stat(page, 'step')).toHaveText('800 / 6000');
  expect(page.url()).toBe(url);
  expect(await statusNumbers(page)).toBe(before);
  const csv2 = (await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }))).text;
  expect(csv2).toBe(csv1);
  expect(csv1.split('\n').length).toBe(4 + 1 + 801 + 1); // header comments, columns, steps 0..800, final newline
  // Play continues past the limit
  await page.getByRole('button', { name: 'Play' }).click();
  await waitForStep(page, 900);
});

test('an old-version link keeps its defaults: v=0 meant lr=0.05 @share', async ({ page }) => {
  // a synthetic link version 0 (link.js OLD_DEFAULTS) whose default lr was 0.05
  await page.goto('/#v=0&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&steps=40');
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(page.getByText(/This link was written by version 0 of the page\. .*lr=0\.05/)).toBeVisible();
  await expect(page.getByLabel('lr', { exact: true })).toHaveValue('0.05');
  await expect(stat(page, '2/eta')).toHaveText('40');
  expect(page.url()).toMatch(/#v=1&model=mf&init=1\.5,0\.5&rows=1&cols=1&rank=1&target=1&lr=0\.05&steps=40$/);
  // what the old link names is kept, and a key that is not in use is not added
  await page.goto('/#v=0&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&lr=0.2&steps=40');
  await expect(page.getByLabel('lr', { exact: true })).toHaveValue('0.2');
  await page.goto('/#v=0&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&lr_rel=1&steps=40');
  // the previous run also ended in 'steps done': wait for this link's run (its canonical address)
  await expect(page).toHaveURL(/#v=1&model=mf&.*&lr_rel=1&steps=40$/);
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(page.getByText(/This link was written by version 0/)).toHaveCount(0);
  // today's version, leaving lr out: today's default
  await page.goto('/#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&steps=40');
  await expect(stat(page, '2/eta')).toHaveText('20');
});

test('links opened in a burst: the last one wins, in the controls, the run and the address bar @share', async ({ page }) => {
  const base = '#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&steps=40';
  await page.goto(`/${base}&lr=0.05`);
  await expect(stat(page, 'run state')).toHaveText('steps done');
  // each hash change starts loading a link before the previous one has created its run
  await page.evaluate((b) => { for (const lr of ['0.1', '0.2', '0.25']) location.hash = `${b}&lr=${lr}`; }, base);
  await page.evaluate((b) => new Promise((r) => setTimeout(() => { location.hash = `${b}&lr=0.3`; r(); }, 30)), base);
  await expect(page.locator('#run-info')).toContainText('η = 0.3');
  await expect(page.getByLabel('lr', { exact: true })).toHaveValue('0.3');
  await expect(stat(page, 'run state')).toHaveText('steps done');
  expect(page.url()).toMatch(/&lr=0\.3&steps=40$/);
  await page.waitForTimeout(300); // nothing older lands afterwards
  await expect(page.locator('#run-info')).toContainText('η = 0.3');
  expect(page.url()).toMatch(/&lr=0\.3&steps=40$/);
});

test('preset links: a paper preset with keys replaced; an unknown preset lists the valid ones @share', async ({ page }) => {
  await page.goto('/#preset=cohen2021-eos&steps=50&autoplay=0');
  await expect(page.getByLabel('lr', { exact: true })).toHaveValue('0.2');
  await expect(page.getByLabel('steps', { exact: true })).toHaveValue('50');
  await expect(stat(page, 'step')).toHaveText('0 / 50');
  expect(page.url()).toContain('&lr=0.2&steps=50&measure_every=20&autoplay=0');

  await page.goto('about:blank');
  await page.goto('/#preset=cohen2021-eos-typo');
  const alert = page.getByRole('alert').filter({ hasText: 'preset=cohen2021-eos-typo: there is no such preset' }).first();
  await expect(alert).toBeVisible();
  for (const id of ['eos', 'catapult', 'uv', 'cohen2021-eos', 'lewkowycz2020-catapult', 'wang2022-balancing']) await expect(alert).toContainText(id);
  await expect(stat(page, 'step')).toHaveText('—');
  // the page still works
  await page.getByLabel('Preset', { exact: true }).selectOption('uv');
  await waitForStep(page, 10);
  await expect(page.locator('#link-problems')).toBeHidden(); // its run replaced the bad link
});
