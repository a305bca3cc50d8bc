// Every paper preset, opened on its gallery page: the page runs the preset and shows its
// phenomenon in numbers; this test reads those numbers and applies the preset's own `check`
// (presets/presets.json) itself: an EoS ratio near 1 after onset, a catapult event, a balance gap
// that stays flat, a loss or a symmetry gap that collapses, S above the Marion-Chizat bound, the
// iterate on xy = 1 inside the stable disc. Plus the landing page and a live figure of each kind.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { test, expect } = require('./fixtures');

const presets = JSON.parse(readFileSync(join(__dirname, '..', 'presets', 'presets.json'), 'utf8')).presets;

// The check's table: "measured" -> value, as the page shows them.
async function checkValues(page) {
  const rows = page.locator('[data-check] table tbody tr');
  const out = {};
  for (const row of await rows.all()) {
    const label = (await row.getByRole('rowheader').textContent()).trim();
    out[label] = (await row.getByRole('cell').textContent()).trim();
  }
  return out;
}
const numberOf = (t) => (t === undefined ? NaN : parseFloat(t));

const verify = {
  event(v, c) {
    expect(numberOf(v[`${c.event} event at step`])).toBeGreaterThanOrEqual(1);
    expect(numberOf(v['max_t L_t / L_0'])).toBeGreaterThan(2); // the loss rose before it fell
  },
  edge_final(v, c) {
    const e = numberOf(v['final η S / 2']);
    expect(e).toBeGreaterThanOrEqual(c.min);
    expect(e).toBeLessThanOrEqual(c.max);
  },
  series_falls(v, c) {
    const name = c.abs ? `|${c.series}|` : c.series;
    const a = numberOf(v[`first ${name}`]), b = numberOf(v[`last ${name}`]);
    expect(a).toBeGreaterThan(0);
    expect(b * c.factor).toBeLessThanOrEqual(a);
  },
  series_flat(v, c) {
    const s0 = numberOf(v[`${c.series} at the start`]);
    const dev = numberOf(v[`max_t |${c.series}(t) − ${c.series}(0)|`]);
    expect(dev).toBeLessThanOrEqual(c.rel * Math.abs(s0));
  },
  series_ge(v, c) {
    expect(numberOf(v[`final ${c.series}`])).toBeGreaterThanOrEqual(c.min);
  },
  trajectory(v) {
    expect(numberOf(v['x y'])).toBeCloseTo(1, 4);
    expect(numberOf(v['η (x² + y²) / 2'])).toBeLessThanOrEqual(1);
  },
  eos(v, c) {
    expect(numberOf(v['EoS onset at step'])).toBeLessThanOrEqual(6000);
    expect(Math.abs(numberOf(v['median η S / 2 after onset']) - 1)).toBeLessThanOrEqual(c.tolerance);
    expect(numberOf(v['measurements after onset'])).toBeGreaterThanOrEqual(5);
  },
};

for (const p of presets) {
  test(`${p.id}: the page shows the phenomenon (${p.check.kind})`, async ({ page }) => {
    test.setTimeout(45000);
    await page.goto(`/gallery/${p.id}.html?autorun=0`);
    await expect(page.getByRole('heading', { level: 1, name: p.title })).toBeVisible();
    await expect(page.getByRole('link', { name: `arXiv:${p.arxiv}` }).first()).toHaveAttribute('href', `https://arxiv.org/abs/${p.arxiv}`);
    // the breadcrumb names the paper (it showed the conformance letter, "Paper gallery / H"); the
    // venue line says the year once (it read "ICLR 2021, 2021")
    await expect(page.locator('header .version')).toHaveText(`Paper gallery / ${p.title}`);
    const byline = (await page.locator('header .byline').textContent()).split(' · ')[1];
    expect(byline.split(String(p.year))).toHaveLength(2);
    expect(byline.startsWith(p.venue)).toBe(true);
    await page.getByRole('button', { name: 'Run: the check' }).click();
    const verdict = page.getByRole('status', { name: 'check verdict' });
    await expect(verdict).toHaveAttribute('data-state', /^(seen|not seen)$/, { timeout: 30000 });
    // how the run ended, as a sentence (it read "steps done after 300 steps in 0.29 s")
    const steps = /(?:^|&)steps=(\d+)/.exec(p.config);
    const ended = steps && !/(?:^|&)(target_loss|grad_tol)=/.test(p.config) ? new RegExp(`^${steps[1]} steps done in \\d[\\d.]* (s|min)$`)
      : /^(\d+ steps done in|(diverged|target loss reached|gradient norm below tolerance) at step \d+, in) /;
    await expect(page.getByRole('status', { name: 'the check: status' })).toHaveText(ended);
    const values = await checkValues(page);
    verify[p.check.kind](values, p.check);
    await expect(verdict).toHaveText('✓ The phenomenon is there.');
    // the measured figures of the conformance suite, or how to produce them
    await expect(page.getByRole('heading', { name: 'What our conformance test measured' })).toBeVisible();
    await expect(page.getByText(/checks passed|has not been run in this build/).first()).toBeVisible();
  });
}

test('the embedded playground runs the preset (the catapult shows in its status line)', async ({ page }) => {
  const p = presets.find((q) => q.paper === 'G');
  await page.goto(`/gallery/${p.id}.html?autorun=0`);
  const frame = page.frameLocator('iframe.embed');
  await page.locator('iframe.embed').scrollIntoViewIfNeeded();
  await expect(frame.getByRole('status', { name: 'events', exact: true })).toContainText(/catapult at step \d+/, { timeout: 30000 });
  await expect(page.getByRole('link', { name: 'Open the playground full size' })).toHaveAttribute('href', `../index.html#v=1&${p.config}`);
});

test('the landing page lists every paper with its status', async ({ page }) => {
  await page.goto('/gallery/index.html');
  await expect(page.getByRole('heading', { level: 1, name: 'Paper gallery' })).toBeVisible();
  for (const p of presets) await expect(page.getByRole('link', { name: p.title, exact: true })).toHaveAttribute('href', `${p.id}.html`);
  // one badge per paper, and one for the page of the flows beside GD (issue 15: e2e/flows.spec.js)
  await expect(page.locator('.card .badge')).toHaveCount(presets.length + 1);
  await expect(page.getByRole('link', { name: 'Continuous-time models of GD at the edge of stability', exact: true })).toHaveAttribute('href', 'flows.html');
});

test('live figures: trajectories over the contours, a sweep with regimes, overlaid runs with their 2/eta lines', async ({ page }) => {
  test.setTimeout(60000);
  await page.goto('/gallery/wang2022-balancing.html?autorun=0');
  const traj = page.locator('section[data-panel="0"]');
  await traj.getByRole('button', { name: /^Run: Trajectories/ }).click();
  await expect(traj.getByRole('status', { name: /: status$/ })).toHaveText(/^3 runs in /, { timeout: 30000 });
  for (const c of await traj.locator('canvas').all()) await expect(c).toHaveAttribute('data-points', '3001');
  await expect(traj.getByText(/x y = 1,/).first()).toBeVisible();
  const sweep = page.locator('section[data-panel="1"]');
  await sweep.getByRole('button', { name: /^Run: / }).click();
  await expect(sweep.getByRole('status', { name: /: status$/ })).toHaveText(/^23 cells in /, { timeout: 30000 });
  await expect(sweep.getByRole('list', { name: /^Regimes/ }).getByRole('listitem')).toHaveCount(3);

  await page.goto('/gallery/lewkowycz2020-catapult.html?autorun=0');
  const runs = page.locator('section[data-panel="0"]');
  await runs.getByRole('button', { name: /^Run: / }).click();
  await expect(runs.getByRole('status', { name: /: status$/ })).toHaveText(/^3 runs in /, { timeout: 30000 });
  const labels = await runs.locator('canvas').first().evaluate((c) => globalThis.Chart.getChart(c).data.datasets.map((d) => d.label));
  expect(labels).toEqual(['c = 1', 'c = 2.5', 'c = 3.5']);
  await runs.getByText('Values of the runs', { exact: true }).click();
  await expect(runs.getByRole('row', { name: /^c = 2\.5: loss/ })).toBeVisible();

  // per-run 2/eta lines, dashed in each run's colour (Cohen et al., logistic tab)
  await page.goto('/gallery/cohen2021-eos.html?autorun=0');
  const logistic = page.locator('section[data-panel="1"]');
  await logistic.getByRole('button', { name: /^Run: / }).click();
  await expect(logistic.getByRole('status', { name: /: status$/ })).toHaveText(/^3 runs in /, { timeout: 30000 });
  const sharp = await logistic.locator('canvas').nth(1).evaluate((c) => globalThis.Chart.getChart(c).data.datasets.map((d) => [d.label, d.borderColor, d.borderDash.length > 0]));
  expect(sharp.map((d) => d[0])).toEqual(['η = 1', '2/η (η = 1)', 'η = 2', '2/η (η = 2)', 'η = 4', '2/η (η = 4)']);
  for (let i = 0; i < 6; i += 2) { expect(sharp[i + 1][1]).toBe(sharp[i][1]); expect(sharp[i + 1][2]).toBe(true); }
});
