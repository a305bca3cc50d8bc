// Embedding: the chrome an embed link chooses, the snippet's size, the postMessage API driven by
// a host page on another origin (and ignored from an origin the link does not allow), and the
// demo host page (embed-demo.html) with its two widgets.
const { test, expect, stat, startServer, UV } = require('./fixtures');
const fs = require('fs');
const os = require('os');
const path = require('path');

const EOS_SHORT = 'depth=3&n=64&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&steps=400&measure_every=20';

test('embed mode shows only what the link chose @embed', async ({ page }) => {
  await page.goto(`/?embed=1&charts=loss&controls=play,status#v=1&${UV}&autoplay=0`);
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();
  await expect(stat(page, 'step')).toHaveText('0 / 3000');
  for (const hidden of [page.getByRole('heading', { name: 'Implicit Bias Playground' }), page.getByRole('heading', { name: 'Settings' }),
    page.getByRole('heading', { name: 'Share, embed, export' }), page.getByRole('button', { name: 'Step', exact: true }),
    page.getByRole('button', { name: 'Reset', exact: true }), page.getByRole('button', { name: 'Copy link' }), page.getByLabel('η now'),
    page.locator('#speed'), page.locator('footer')]) {
    await expect(hidden).toBeHidden();
  }
  await expect(page.getByRole('img', { name: /^Loss chart/ })).toBeVisible();
  await expect(page.locator('figure.chart')).toHaveCount(1); // sharpness, norms, ... are not shown
  await expect(page.locator('#traj-fig')).toBeHidden();
  await expect(page.getByRole('button', { name: /as PNG/ })).toBeHidden();
  const open = page.getByRole('link', { name: /Open in the Implicit Bias Playground/ });
  await expect(open).toBeVisible();
  expect(await open.getAttribute('href')).toBe('/#v=1&model=mf&init=4,0.1&rows=1&cols=1&rank=1&target=1&lr_rel=2.5&steps=3000');
  // the chrome stays in the query; the hash holds the state
  expect(page.url()).toMatch(/\?embed=1&charts=loss&controls=play,status#v=1&model=mf&.*&steps=3000&autoplay=0$/);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(stat(page, 'run state')).toHaveText('steps done');
});

test('the embed code is sized to what it shows: no scrollbar, little to spare @embed', async ({ page, browser }) => {
  await page.goto(`/#v=1&${UV}&autoplay=0`);
  await expect(stat(page, 'step')).toHaveText('0 / 3000');
  const box = page.locator('#embed-charts');
  await box.getByLabel('Sharpness and 2/η').check();
  await page.getByLabel('Step button').uncheck();
  await page.getByLabel('pause at step').fill('12x');
  await expect(page.getByText(/^limit=12x: the step at which the run pauses/)).toBeVisible();
  await page.getByLabel('pause at step').fill('1200');
  await page.getByLabel(/Host page origins allowed/).fill('https://blog.example');
  const snippet = await page.getByLabel('Embed code').inputValue();
  const m = /^<iframe src="([^"]+)" title="[^"]*" width="100%" height="(\d+)" style="border:0;max-width:100%" loading="lazy"><\/iframe>$/.exec(snippet);
  expect(m).not.toBeNull();
  const src = m[1].replace(/&amp;/g, '&');
  expect(src).toMatch(/#v=1&model=mf&.*&embed=1&charts=traj,loss,sharpness&controls=play,reset,status&limit=1200&origin=https:\/\/blog\.example$/);
  const height = Number(m[2]);
  const ctx = await browser.newContext({ viewport: { width: 700, height } });
  const w = await ctx.newPage();
  await w.goto(src);
  await expect(w.getByRole('img', { name: /^Sharpness and 2\/η chart/ })).toBeVisible();
  await expect(w.locator('#traj-fig')).toBeVisible();
  await expect(w.getByRole('status', { name: 'run state', exact: true })).toHaveText('paused', { timeout: 30000 }); // the limit
  await expect(w.getByRole('status', { name: 'step', exact: true })).toHaveText('1200 / 3000');
  const [content, scroll] = await w.evaluate(() => [document.body.getBoundingClientRect().height, document.documentElement.scrollHeight]);
  expect(scroll).toBeLessThanOrEqual(height);
  expect(content).toBeGreaterThan(height - 40);
  await ctx.close();
});

// A host page on another origin (a second server on another port) with two widgets of the
// playground: "a" allows the host's origin, "b" does not (its link names no origin).
function hostFiles(dir, base, hashA, hashB) {
  const widget = new URL(base).origin;
  fs.copyFileSync(path.join(__dirname, '..', 'web', 'icon.svg'), path.join(dir, 'icon.svg'));
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="icon.svg">
<iframe id="a" src="${base}#${hashA}" title="a" width="700" height="500"></iframe>
<iframe id="b" src="${base}#${hashB}" title="b" width="700" height="300"></iframe>
<script src="host.js"></script>`);
  fs.writeFileSync(path.join(dir, 'host.js'), `window.got = [];
addEventListener('message', (e) => {
  const frame = e.source === document.getElementById('a').contentWindow ? 'a' : e.source === document.getElementById('b').contentWindow ? 'b' : '?';
  window.got.push({ frame, origin: e.origin, data: e.data });
});
window.send = (id, msg) => document.getElementById(id).contentWindow.postMessage(msg, ${JSON.stringify(widget)});
`);
}

test('the postMessage API drives a widget from another origin; other origins are ignored @embed', async ({ page, baseURL }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-host-'));
  const host = await startServer(dir, { otherSite: true });
  hostFiles(dir, `${baseURL}embed.html`, `v=1&${UV}&embed=1&autoplay=0&origin=${host.origin}`, `v=1&${UV}&embed=1&autoplay=0`);
  try {
    await driveWidgets(page, host.url, baseURL);
  } finally {
    await host.close();
  }
});

async function driveWidgets(page, hostUrl, baseURL) {
  await page.goto(hostUrl);
  const got = () => page.evaluate(() => window.got);
  const event = async (type, pred = () => true) => {
    let found;
    await expect.poll(async () => { found = (await got()).find((m) => m.frame === 'a' && m.data.type === type && pred(m.data)); return !!found; },
      { timeout: 30000 }).toBe(true);
    return found.data;
  };
  let nextId = 1;
  const call = async (msg) => {
    const id = nextId++;
    await page.evaluate(([m]) => window.send('a', m), [{ ...msg, id }]);
    return event('reply', (d) => d.id === id);
  };

  const ready = await event('ready');
  expect(ready).toMatchObject({ source: 'ibp-playground', api: 1, config: 'model=mf&init=4,0.1&rows=1&cols=1&rank=1&target=1&lr_rel=2.5&steps=3000' });
  expect(ready.version).toMatch(/^\d+\.\d+\.\d+$/);
  // the height it needs, once its charts are in (the last resize event)
  await expect.poll(async () => (await got()).filter((m) => m.frame === 'a' && m.data.type === 'resize').at(-1)?.data.height).toBeGreaterThan(500);
  const a = page.frameLocator('#a');
  const b = page.frameLocator('#b');

  // step, set eta, play to the end, read the metrics
  const st = await call({ type: 'step', n: 5 });
  expect(st).toMatchObject({ ok: true, result: { t: 5, playing: false } });
  await expect(a.getByRole('status', { name: 'step', exact: true })).toHaveText('5 / 3000');
  expect((await event('steps', (d) => d.to === 5)).last.step).toBe(5);
  expect((await call({ type: 'setEta', eta: 0.05 })).result.lr).toBe(0.05);
  await expect(a.getByRole('status', { name: '2/eta', exact: true })).toHaveText('40');
  await call({ type: 'play' });
  await event('state', (d) => d.playing === true);
  const fin = await event('finished');
  expect(fin).toMatchObject({ step: 3000, state: 'steps done' });
  const metrics = await call({ type: 'getMetrics', columns: ['step', 'loss', 'lr'], last: 3 });
  expect(metrics.result.columns).toEqual(['step', 'loss', 'lr']);
  expect(metrics.result.rows.map((r) => r[0])).toEqual([2998, 2999, 3000]);
  expect(metrics.result.rows[2][2]).toBe(0.05);
  const state = await call({ type: 'getState' });
  expect(state.result.config).toBe(ready.config);
  expect(state.result.status.t).toBe(3000);

  // refusals are explained, with the id
  expect(await call({ type: 'eval' })).toMatchObject({ ok: false, error: expect.stringMatching(/^unknown command "eval"/) });
  expect(await call({ type: 'load', config: 'lr=abc' })).toMatchObject({ ok: false, error: expect.stringMatching(/lr="abc" is not a number/) });
  expect(await call({ type: 'load', preset: 'nope' })).toMatchObject({ ok: false, error: expect.stringMatching(/no such preset\. The presets are: eos, catapult/) });
  // a link's hash works too, old versions included (v=0 meant lr=0.05)
  const old = await call({ type: 'load', config: '#v=0&model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&steps=20', autoplay: false });
  expect(old.result.canonical).toBe('model=mf&init=1.5,0.5&rows=1&cols=1&rank=1&target=1&lr=0.05&steps=20');

  // presets and configs, with their events: catapult, EoS onset, divergence
  expect((await call({ type: 'load', preset: 'catapult' })).result.canonical).toContain('width=1000');
  expect((await event('catapult')).step).toBeGreaterThan(0);
  await call({ type: 'load', config: EOS_SHORT });
  expect((await event('eos')).label).toBe('EoS onset');
  await call({ type: 'load', preset: 'diverge' });
  expect((await event('diverged')).message).toMatch(/^diverged at step \d+: /);
  await expect(a.getByRole('alert').filter({ hasText: /Diverged at step/ }).first()).toBeVisible();

  // widget b does not allow http://host.example: it ignores the host and tells it nothing
  await page.evaluate(() => { window.send('b', { type: 'play', id: 99 }); window.send('b', { type: 'step', n: 7, id: 100 }); });
  await page.waitForTimeout(500);
  await expect(b.getByRole('status', { name: 'step', exact: true })).toHaveText('0 / 3000');
  await expect(b.getByRole('status', { name: 'run state', exact: true })).toHaveText('paused');
  expect((await got()).filter((m) => m.frame !== 'a')).toEqual([]);
  expect((await got()).every((m) => m.origin === new URL(baseURL).origin)).toBe(true);
}

test('the demo host page drives its two widgets with its own buttons @embed', async ({ page }) => {
  await page.goto('/embed-demo.html');
  await expect(page.locator('#eos-log')).toContainText('ready: engine');
  await expect(page.locator('#uv-log')).toContainText('ready: engine');
  const uv = page.getByRole('toolbar', { name: /uv factorization/ });
  await uv.getByRole('button', { name: 'Play' }).click();
  await expect.poll(async () => Number(await page.locator('#uv-step').textContent()), { timeout: 30000 }).toBeGreaterThan(20);
  await uv.getByRole('button', { name: 'Pause' }).click();
  await expect(page.locator('#uv-log')).toContainText('paused at step');
  await uv.getByRole('button', { name: 'Read metrics' }).click();
  await expect(page.locator('#uv-log')).toContainText(/metrics \(last 5 rows of step \d+\)/);
  // the iframe takes the height its widget reports
  const frameH = await page.locator('#frame-uv').evaluate((f) => f.getBoundingClientRect().height);
  const inner = await page.frameLocator('#frame-uv').locator('body').evaluate((b) => b.getBoundingClientRect().height);
  expect(Math.abs(frameH - Math.ceil(inner))).toBeLessThanOrEqual(1);
  const eos = page.getByRole('toolbar', { name: /edge of stability/ });
  await eos.getByRole('button', { name: 'Step ×10' }).click();
  await expect(page.locator('#eos-step')).toHaveText('10');
  await eos.getByRole('button', { name: 'η = 0.2' }).click();
  await expect(page.frameLocator('#frame-eos').getByRole('status', { name: '2/eta', exact: true })).toHaveText('10');
  await eos.getByRole('button', { name: 'Load preset cohen2021-eos' }).click();
  await expect(page.locator('#eos-log')).toContainText('loaded preset cohen2021-eos');
  await eos.getByRole('button', { name: 'Pause' }).click();
});
