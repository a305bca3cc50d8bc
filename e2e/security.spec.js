// Web security (issue 10, items 15-18): only the embed widget may be framed (by any site), the rest
// of the site by no one; the embed demo frames only widget pages of its own site; the fault hooks
// work only on the test server; the sweep page shows only the engine's summary fields, whatever
// y= a link carries.
const base = require('@playwright/test');
const { test, expect, stat, waitForStep, startServer, UV } = require('./fixtures');
const fs = require('fs');
const os = require('os');
const path = require('path');

const SITE = path.join(__dirname, '..', 'build', 'site');

test('headers: every page refuses to be framed except the widget; no frame-src * anywhere @security', async ({ request }) => {
  for (const p of ['/', '/index.html', '/sweep.html', '/embed-demo.html', '/gallery/index.html', '/worker.js', '/no-such-file']) {
    const r = await request.get(p);
    const h = r.headers();
    expect(h['content-security-policy'], p).toContain("frame-ancestors 'none'");
    expect(h['x-frame-options'], p).toBe('DENY');
    expect(h['content-security-policy'], p).not.toMatch(/frame-src \*/);
  }
  const w = (await request.get('/embed.html')).headers();
  expect(w['content-security-policy']).toContain('frame-ancestors *');
  expect(w['content-security-policy']).toContain("frame-src 'self'");
  expect(w['x-frame-options']).toBeUndefined();
});

// This test expects the browser's own refusals in the console, so it uses the plain test.
base.test('another site can frame the widget but not the playground @security', async ({ page, baseURL }) => {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibp-frame-'));
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>framing host</title><link rel="icon" href="data:,">
<iframe id="full" src="${baseURL}#v=1&${UV}&autoplay=0" title="full" width="700" height="300"></iframe>
<iframe id="widget" src="${baseURL}embed.html#v=1&${UV}&autoplay=0" title="widget" width="700" height="500"></iframe>`);
  const host = await startServer(dir, { otherSite: true });
  try {
    await page.goto(host.url);
    // the widget loads and runs its engine
    await base.expect(page.frameLocator('#widget').getByRole('status', { name: 'step', exact: true })).toHaveText('0 / 3000', { timeout: 30000 });
    await base.expect(page.frameLocator('#widget').locator('body')).toHaveClass(/embed/);
    // the full playground is refused: the frame holds no page of ours
    const full = await (await page.$('#full')).contentFrame();
    base.expect(full.url()).not.toContain(new URL(baseURL).host); // the browser's error page, not ours
    base.expect(await page.frameLocator('#full').getByRole('button', { name: 'Play' }).count()).toBe(0);
    base.expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) base.expect(e).toMatch(/frame-ancestors|X-Frame-Options|Refused to (display|frame)/);
  } finally {
    await host.close();
  }
});

test('the embed demo frames only widget pages of its own site @security', async ({ page, baseURL }) => {
  for (const asked of ['https://evil.example/', 'javascript:alert(1)', '//evil.example/embed.html', 'index.html', '/sweep.html']) {
    await page.goto(`/embed-demo.html?widget=${encodeURIComponent(asked)}`);
    await expect(page.getByRole('alert').filter({ hasText: 'was ignored: this page frames only a widget page' })).toBeVisible();
    for (const id of ['#frame-eos', '#frame-uv']) {
      const src = await page.locator(id).getAttribute('src');
      expect(new URL(src).origin).toBe(new URL(baseURL).origin);
      expect(new URL(src).pathname).toBe('/embed.html');
    }
    await expect(page.locator('#eos-log')).toContainText('ready: engine');
  }
  // a same-origin widget path is taken as it is
  await page.goto(`/embed-demo.html?widget=${encodeURIComponent('/embed.html?x=1#y')}`);
  await expect(page.locator('#widget-note')).toBeHidden();
  expect(await page.locator('#frame-uv').getAttribute('src')).toMatch(new RegExp(`^${baseURL}embed\\.html#v=1&model=mf&`));
  await expect(page.locator('#uv-log')).toContainText('ready: engine');
});

test('fault=crash and fault=trap in a shared link do nothing on a server without test hooks @security', async ({ page }) => {
  const server = await startServer(SITE); // serve.mjs without --test-hooks, as any real host
  try {
    for (const what of ['crash', 'trap']) {
      await page.goto(`${server.url}#v=1&${UV}&speed=100&fault=${what}`);
      await expect(page.getByRole('alert').filter({ hasText: `fault=${what} is a test hook` })).toBeVisible();
      await waitForStep(page, 60);
      await expect(stat(page, 'run state')).toHaveText('running');
      await expect(page.getByRole('alert').filter({ hasText: /stopped unexpectedly|WebAssembly trap/ })).toHaveCount(0);
    }
  } finally {
    await server.close();
  }
});

test('the sweep page shows only the engine\'s summary fields, whatever y= the link carries @security', async ({ page }) => {
  const evil = 'Your account is locked: call 555 0100';
  await page.goto(`/sweep.html#base=${encodeURIComponent('model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&steps=50&measure=0')}&vary=${encodeURIComponent('lr_rel=1,2')}&y=${encodeURIComponent(evil)}&run=1`);
  await expect(page.getByRole('alert').filter({ hasText: 'which is not a summary field of the engine' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'sweep progress' })).toHaveText(/^2 cells in /, { timeout: 30000 });
  await expect(page.locator('#sw-plot-title')).not.toContainText('555');
  await expect(page.locator('#sw-plot-title')).toContainText('over lr_rel');
  const options = await page.getByLabel('Show').locator('option').allTextContents();
  expect(options.join(' ')).not.toContain('555');
  // a list of real fields is still taken (a new page: the sweep page reads its link on load)
  await page.goto('about:blank');
  await page.goto(`/sweep.html#base=${encodeURIComponent('model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&steps=50&measure=0')}&vary=${encodeURIComponent('lr_rel=1,2')}&y=final_loss,eta_s_final`);
  await expect(page.getByLabel('Show')).toHaveValue('final_loss,eta_s_final');
  await expect(page.locator('#sw-messages .msg')).toHaveCount(0);
});
