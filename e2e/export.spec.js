// Export and import: the metrics CSV and JSON, a chart PNG, the parameters and the data download
// and parse; the page's "Reproduce with the CLI" command, run here with the native CLI, writes the
// page's metrics and parameters byte for byte; a broken data CSV shows its line; parameters
// exported from one run initialize another.
const { test, expect, allSettings, stat, downloadOf } = require('./fixtures');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CLI = process.env.IBP_CLI || path.join(__dirname, '..', 'build', 'native', 'ibp');
const MEASURED = 'depth=3&n=64&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&steps=600&measure_every=20';

// PNG: the signature, then IHDR's width and height
function pngSize(buf) {
  expect(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(buf.toString('latin1', 12, 16)).toBe('IHDR');
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

test('exports download and parse; the CLI command writes the same bytes @export', async ({ page }) => {
  await page.goto(`/#v=1&${MEASURED}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 30000 });
  await expect(stat(page, 'events')).toContainText('EoS onset');

  const csv = await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }));
  expect(csv.name).toBe('metrics.csv');
  const lines = csv.text.split('\n');
  expect(lines[0]).toMatch(/^# ibp \d+\.\d+\.\d+$/);
  expect(lines[1]).toBe(`# config: ${MEASURED}`);
  expect(lines[2]).toBe('# seed: 0');
  expect(lines[3]).toMatch(/^# loss=mse_half: .*edge_ratio = eta S \/ 2$/);
  const columns = lines[4].split(',');
  expect(columns.slice(0, 3)).toEqual(['step', 'loss', 'grad_norm']);
  for (const c of ['sharpness', 'sharpness_resid', 'edge_ratio', 'lr', 'events']) expect(columns).toContain(c);
  const rows = lines.slice(5, -1).map((l) => l.split(','));
  expect(rows.length).toBe(601);
  expect(rows.every((r) => r.length === columns.length)).toBe(true);
  expect(rows.map((r) => Number(r[0]))).toEqual([...Array(601).keys()]);

  const json = await downloadOf(page, page.getByRole('button', { name: 'Metrics JSON', exact: true }));
  expect(json.name).toBe('metrics.json');
  const j = JSON.parse(json.text);
  expect(j.config).toBe(MEASURED);
  expect(j.seed).toBe(0);
  expect(j.ibp).toBe(lines[0].slice(6));
  expect(j.build).toMatch(/^[0-9a-f]{12}$/);
  expect(j.conventions).toBe(lines[3].slice(2));
  expect(j.columns).toEqual(columns);
  expect(j.events.join('\n')).toMatch(/^edge of stability at step \d+/);
  expect(j.summary.regime).toBeTruthy();
  expect(j.rows.length).toBe(rows.length);
  expect(j.rows).toEqual(rows.map((r) => r.map((f) => (f === '' ? null : Number(f)))));

  const params = await downloadOf(page, page.getByRole('button', { name: 'Parameters JSON', exact: true }));
  expect(params.name).toBe('params.json');
  const P = JSON.parse(params.text).params;
  const total = P.reduce((a, p) => { expect(p.data.length).toBe(p.shape.reduce((x, y) => x * y, 1)); return a + p.data.length; }, 0);
  await expect(page.getByText(`P = ${total} trained parameters`)).toBeVisible();

  const training = await downloadOf(page, page.getByRole('button', { name: 'Training data CSV', exact: true }));
  expect(training.text.trim().split('\n').length).toBe(1 + 64);

  // every chart's Export menu: PNG at 1x, 2x and 4x, SVG, and its data as CSV
  const lossFig = page.locator('figure[data-chart="loss"]');
  const fromMenu = async (name) => {
    await lossFig.locator('details.export > summary').click();
    return downloadOf(page, lossFig.getByRole('button', { name, exact: true }));
  };
  // the chart's size in CSS pixels (fractional: Chart.js makes the PNG at scale s floor(width s) pixels wide)
  const canvas = await lossFig.locator('canvas').evaluate((c) => [globalThis.Chart.getChart(c).width, globalThis.Chart.getChart(c).height]);
  for (const [scale, name, file] of [[1, 'Download the Loss chart as PNG', 'loss.png'], [2, 'Download the Loss chart as PNG at 2x resolution', 'loss@2x.png'],
    [4, 'Download the Loss chart as PNG at 4x resolution', 'loss@4x.png']]) {
    const png = await fromMenu(name);
    expect(png.name).toBe(file);
    const [w, h] = pngSize(png.body);
    expect(w).toBe(Math.floor(canvas[0] * scale));
    expect(h).toBeGreaterThan(canvas[1] * scale); // the chart plus its title lines
  }
  const svg = await fromMenu('Download the Loss chart as SVG');
  expect(svg.name).toBe('loss.svg');
  expect(svg.text).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.text.trim().endsWith('</svg>')).toBe(true);
  expect(svg.text).toContain('<path'); // the curves are vector paths
  const data = await fromMenu('Download the data of the Loss chart as CSV');
  expect(data.name).toBe('loss.csv');
  const dl = data.text.trim().split('\n');
  expect(dl[0].startsWith('run,step,')).toBe(true);
  expect(dl.length).toBe(1 + 601); // every row of the run, not the decimated points
  expect(Number(dl[1].split(',')[2])).toBe(Number(rows[0][1])); // the loss of step 0, as the metrics CSV has it

  // the command, run with the native CLI from a copy of the repository layout
  const cmd = await page.locator('#cli-command').textContent();
  expect(cmd).toBe(`build/native/ibp run '${MEASURED}' --out metrics.csv --save params.json`);
  await expect(page.locator('#cli-note')).toContainText('byte-identical');
  expect(fs.existsSync(CLI), `the native CLI ${CLI} (scripts/build native)`).toBe(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-cli-'));
  fs.mkdirSync(path.join(dir, 'build', 'native'), { recursive: true });
  fs.symlinkSync(path.resolve(CLI), path.join(dir, 'build', 'native', 'ibp'));
  execFileSync('bash', ['-c', cmd], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  expect(fs.readFileSync(path.join(dir, 'metrics.csv')).equals(csv.body)).toBe(true);
  expect(fs.readFileSync(path.join(dir, 'params.json')).equals(params.body)).toBe(true);
});

test('a data CSV with a broken row shows the row; nothing typed or loaded is lost @export', async ({ page }) => {
  await page.goto('/#v=1&model=linear&depth=2&width=4&data=csv&steps=200&autoplay=0');
  await allSettings(page);
  const file = page.getByLabel('Data CSV (used with data=csv)');
  await file.setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('x1,x2,y\n0,1,1\n1,abc,-1\n1,1,0.5\n') });
  await page.getByLabel('width', { exact: true }).fill('6');
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'data CSV line 3, column 2 ("x2"): "abc" is not a number' }).first()).toBeVisible();
  const problem = page.locator('#data-file-problem');
  await expect(problem).toContainText('broken.csv: data CSV line 3, column 2');
  await expect(problem.locator('pre')).toHaveText('line 3: 1,abc,-1');
  // the settings typed and the file stay
  await expect(page.getByLabel('width', { exact: true })).toHaveValue('6');
  await expect(page.getByText(/^broken\.csv \(\d+ bytes\) will be used by the next run\.$/)).toBeVisible();
  // a row with a missing field
  await file.setInputFiles({ name: 'short.csv', mimeType: 'text/csv', buffer: Buffer.from('x1,x2,y\n0,1,1\n1,0,-1\n1,2\n') });
  await expect(problem).toBeHidden();
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(problem.locator('pre')).toHaveText('line 4: 1,2');
  await expect(problem).toContainText('data CSV line 4 has 2 fields, the header has 3');
  // an empty file is named as empty where it was chosen, not taken for no file at all
  await file.setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
  await expect(problem).toContainText('empty.csv: the file is empty: a data CSV needs a header line and at least one row');
  await expect(page.getByText('empty.csv (0 bytes) is not used.')).toBeVisible();
  // fixed: it runs
  await file.setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from('x1,x2,y\n0,1,1\n1,0,-1\n1,1,0.5\n') });
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(page.getByText(/P = 18 trained parameters/)).toBeVisible();
  await expect(problem).toBeHidden();
});

test('parameters exported from one run initialize another; a wrong shape is explained @export', async ({ page }) => {
  const base = 'model=linear&depth=2&width=4&d=2&n=16&lr=0.05';
  const lossColumn = (text) => text.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',')[1]);
  // run 1: 60 steps, paused at step 30 to save the parameters there
  await page.goto(`/#v=1&${base}&steps=60&limit=30`);
  await expect(stat(page, 'run state')).toHaveText('paused');
  await expect(stat(page, 'step')).toHaveText('30 / 60');
  const params = await downloadOf(page, page.getByRole('button', { name: 'Parameters JSON', exact: true }));
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done');
  const loss1 = lossColumn((await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }))).text);
  expect(loss1.length).toBe(61);
  // a file of the wrong shape first
  await page.goto('about:blank');
  await page.goto(`/#v=1&${base}&init=file&steps=30&autoplay=0`);
  await allSettings(page);
  const file = page.getByLabel('Initial parameters JSON (used with init=file)');
  await file.setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from('{"params":[{"name":"W1","shape":[3,3],"data":[1,2,3,4,5,6,7,8,9]}]}') });
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(page.getByRole('alert').filter({ hasText: "W1 has the wrong shape: the model's W1 is (4, 2)" }).first()).toBeVisible();
  await expect(page.locator('#init-file-problem pre')).toContainText('⟨here⟩');
  // run 2 from the parameters of run 1 at step 30: the same losses as run 1 from step 30 on, bit for bit
  await file.setInputFiles({ name: 'params.json', mimeType: 'application/json', buffer: params.body });
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done');
  await expect(page.locator('#init-file-problem')).toBeHidden();
  const loss2 = lossColumn((await downloadOf(page, page.getByRole('button', { name: 'Metrics CSV', exact: true }))).text);
  expect(loss2).toEqual(loss1.slice(30));
});
