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
