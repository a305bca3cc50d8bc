// The main thread stays responsive while training: during a 10,000-step run of the default
// experiment no task on the page's main thread takes longer than 50 ms (the Long Tasks API
// reports exactly those), and the first step comes soon after load.
const { test, expect, stat, EOS } = require('./fixtures');

// A timing measurement on a shared 2-core machine: another process can steal the main thread's
// core for 50 ms now and then. Up to two more tries; a page that really blocks fails all three.
test.describe.configure({ retries: 2 });

test('no long task during a 10,000-step run @alone', async ({ page }) => {
  await page.addInitScript(() => {
    globalThis.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`/#v=1&${EOS.replace('steps=6000', 'steps=10000')}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 60000 });
  await expect(stat(page, 'step')).toHaveText('10000 / 10000');
  const { tasks, firstStep, ready } = await page.evaluate(() => ({
    tasks: globalThis.__longTasks,
    firstStep: performance.getEntriesByName('ibp-first-step')[0]?.startTime,
    ready: performance.getEntriesByName('ibp-ready')[0]?.startTime,
  }));
  expect(firstStep).toBeGreaterThan(0);
  const during = tasks.filter((t) => t.start >= firstStep);
  console.log(`load -> engine ready ${ready.toFixed(0)} ms, -> first step ${firstStep.toFixed(0)} ms; ` +
    `long tasks during the run: ${during.length}${during.length ? ` (longest ${Math.max(...during.map((t) => t.duration)).toFixed(0)} ms)` : ''}`);
  expect(during).toEqual([]);
  expect(firstStep).toBeLessThan(3000); // generous for a loaded CI machine; the benchmark reports the figure
});

// The charts follow a running run at 20 Hz or more: every redraw of the main chart is counted
// (Chart.js's update, wrapped as the library loads) over 3 s of a running default experiment.
test('the main chart is redrawn at 20 Hz or more while the run goes on @alone', async ({ page }) => {
  await page.addInitScript(() => {
    globalThis.__mainDraws = [];
    let C;
    Object.defineProperty(globalThis, 'Chart', {
      configurable: true,
      get: () => C,
      set: (v) => {
        C = v;
        const update = v.prototype.update;
        v.prototype.update = function (...a) {
          if (this.canvas && this.canvas.closest('#chart-main')) globalThis.__mainDraws.push(performance.now());
          return update.apply(this, a);
        };
      },
    });
  });
  await page.goto(`/#v=1&${EOS.replace('steps=6000', 'steps=100000')}`);
  await expect.poll(async () => parseFloat(await stat(page, 'step').textContent()), { timeout: 30000 }).toBeGreaterThan(200);
  const t0 = await page.evaluate(() => performance.now());
  await page.waitForTimeout(3000);
  const { n, secs, running } = await page.evaluate((t0) => {
    const d = globalThis.__mainDraws.filter((t) => t >= t0);
    return { n: d.length, secs: (performance.now() - t0) / 1000, running: document.getElementById('st-state').textContent };
  }, t0);
  console.log(`main chart: ${n} redraws in ${secs.toFixed(2)} s = ${(n / secs).toFixed(1)} Hz`);
  expect(running).toBe('running');
  expect(n / secs).toBeGreaterThanOrEqual(20);
});
