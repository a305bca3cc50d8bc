// The offline app: installable (the browser's own installability check), everything precached at
// the first visit so the playground, the sweep page and the gallery work with the network gone,
// and a new deployment offered ("Reload to update") without stopping a running experiment.
// The offline and update tests serve their own copy of the built site on another port, so they
// can take the server away and rebuild the copy without touching the other tests' site.
const { test, expect, stat, statNumber, waitForStep, startServer, EOS } = require('./fixtures');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromiumArgs } = require('./chromium-args.cjs');

const SITE = path.join(__dirname, '..', 'build', 'site');

function siteCopy(stamp) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-site-'));
  fs.cpSync(SITE, dir, { recursive: true });
  if (stamp) rebuild(dir, stamp);
  return dir;
}
// "A new deployment": the service worker and version.json written again with another stamp.
function rebuild(dir, stamp) {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build-sw.mjs'), dir],
    { env: { ...process.env, IBP_BUILD_STAMP: stamp }, stdio: ['ignore', 'ignore', 'pipe'] });
}
// The state of the service worker once it has activated (installing = precaching everything).
const swActive = (page) => page.evaluate(async () => {
  const r = await navigator.serviceWorker.ready;
  const w = r.active;
  if (w.state !== 'activated') await new Promise((res) => w.addEventListener('statechange', () => { if (w.state === 'activated') res(); }));
  return w.state;
});

test('the app is installable: manifest, icons, service worker @pwa', async ({ page, baseURL }) => {
  // Chrome's own installability check, in a normal (not incognito) profile: a web app manifest
  // with a name, icons of 192 and 512 px, a start URL in scope, a service worker
  const { chromium } = require('@playwright/test');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: chromiumArgs });
  try {
    const p = ctx.pages()[0] || await ctx.newPage();
    await p.goto(`${baseURL}#v=1&model=mf&steps=10`);
    expect(await swActive(p)).toBe('activated');
    const cdp = await ctx.newCDPSession(p);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    const m = JSON.parse(manifest.data);
    expect(m.name).toBe('Implicit Bias Playground');
    expect(m.display).toBe('standalone');
    expect(m.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await ctx.close();
  }
  await page.goto('/#v=1&model=mf&steps=10');
  expect(await swActive(page)).toBe('activated');
  // every file of the site is precached (build-sw walked it), bench/ aside
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const c = await caches.open(keys[0]);
    return { keys, urls: (await c.keys()).map((r) => new URL(r.url).pathname) };
  });
  const build = await page.evaluate(() => fetch('version.json').then((r) => r.json()));
  expect(cached.keys).toEqual([`ibp-${build.build}`]);
  for (const f of ['/index.html', '/worker.js', '/ibp.wasm', '/js/main.js', '/vendor/chart.umd.min.js', '/presets.json', '/manifest.webmanifest',
    '/icons/icon-192.png', '/version.json', '/sweep.html', '/embed-demo.html', '/data/fashion-mnist.ibpi']) {
    expect(cached.urls).toContain(f);
  }
  expect(cached.urls.length).toBe(build.files);
});

test('after one visit the playground, the sweep page and the gallery work offline @pwa', async ({ page, context }) => {
  const dir = siteCopy();
  const server = await startServer(dir);
  let closed = false;
  try {
    await page.goto(`${server.url}#v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=50`);
    await expect(stat(page, 'run state')).toHaveText('steps done');
    expect(await swActive(page)).toBe('activated'); // installed: every file is in the cache
    // the network goes away: no server, and the browser offline
    await server.close();
    closed = true;
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Implicit Bias Playground' })).toBeVisible();
    await expect(stat(page, 'run state')).toHaveText('steps done'); // the link's run again
    await page.getByLabel('Preset').selectOption('eos');
    await waitForStep(page, 200);
    expect(await statNumber(page, 'loss')).toBeGreaterThan(0);
    // a paper preset from presets.json (fetched through the service worker)
    const preset = page.getByLabel('Preset');
    await preset.selectOption({ label: await preset.locator('option', { hasText: 'The catapult phase' }).textContent() });
    await expect(stat(page, 'events')).toContainText('catapult', { timeout: 30000 });
    // the sweep page
    await page.goto(`${server.url}sweep.html`);
    await expect(page.locator('h1')).toBeVisible();
    expect(await page.title()).not.toBe('');
    // the gallery, when the site has one
    if (fs.existsSync(path.join(dir, 'gallery', 'index.html'))) {
      await page.goto(`${server.url}gallery/`);
      await expect(page.locator('h1')).toHaveText('Paper gallery');
      // a paper's page, with the playground embedded on its preset, running offline too
      await page.goto(`${server.url}gallery/cohen2021-eos.html`);
      await expect(page.locator('h1')).toBeVisible();
      const embedded = page.frameLocator('iframe.embed').first();
      await expect.poll(async () => parseFloat(await embedded.getByRole('status', { name: 'step', exact: true }).textContent()),
        { timeout: 30000 }).toBeGreaterThan(10);
    } else {
      console.log('pwa: the site has no gallery/ yet: only the playground and the sweep page were opened offline');
    }
  } finally {
    await context.setOffline(false);
    if (!closed) await server.close();
  }
});

test('a new deployment is offered without stopping the running experiment @pwa', async ({ page }) => {
  test.setTimeout(240000);
  const dir = siteCopy('first-build');
  const server = await startServer(dir);
  try {
    // 100 steps/s, not the maximum: with the run at full speed both cores are busy, and Chromium's
    // update check (the browser's fetch of sw.js) waited 15-60 s after update() on this 2-core
    // machine (4 runs), against about 2 s at 100 steps/s (3 runs). The page's part, what this test
    // checks, is the same at any speed: the banner, and the run going on.
    const link = `${server.url}#v=1&${EOS.replace('steps=6000', 'steps=100000')}&speed=100`;
    await page.goto(link);
    expect(await swActive(page)).toBe('activated');
    await page.reload(); // the second visit: now the service worker serves the page
    await expect(page.locator('#version')).toHaveText(/build first-build$/);
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await waitForStep(page, 100);
    const url = page.url();

    rebuild(dir, 'second-build');
    // the page looks for a new version on its own every 30 minutes and when it becomes visible;
    // here the test asks at once. Not awaited: Chromium's update() resolves only after its own
    // fetch of sw.js and the new worker's start, which took 3 to 15 s here at load 2-4 and over
    // 60 s once in CI (the test's whole budget then). That is the browser's time, not the page's:
    // the banner gets 150 s to appear, and the checks after it are unchanged.
    await page.evaluate(() => { navigator.serviceWorker.getRegistration().then((r) => r.update()).catch(() => {}); });
    const banner = page.getByRole('status').filter({ hasText: 'A new version of the playground is ready.' });
    await expect(banner).toBeVisible({ timeout: 150000 });
    await expect(banner).toContainText('Your run goes on until you reload');
    // the experiment was not interrupted
    await expect(stat(page, 'run state')).toHaveText('running');
    const at = await statNumber(page, 'step');
    await waitForStep(page, at + 100);
    await expect(page.locator('#version')).toHaveText(/build first-build$/);

    await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Reload to update' }).click()]);
    await expect(page.locator('#version')).toHaveText(/build second-build$/);
    expect(page.url()).toBe(url);
    await waitForStep(page, 10); // the same experiment, started again from its link
    expect(await page.evaluate(() => caches.keys())).toEqual(['ibp-second-build']); // the old cache is gone
    await expect(page.getByRole('status').filter({ hasText: 'A new version' })).toHaveCount(0);
  } finally {
    await server.close();
  }
});
