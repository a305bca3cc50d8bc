// The main thread stays responsive while training: during a 10,000-step run of the default
// experiment no task on the page's main thread takes longer than 50 ms (the Long Tasks API
// reports exactly those), and the first step comes soon after load.
const { test, expect, stat, EOS, watchResponsiveness, responsiveness, describeLongTasks } = require('./fixtures');

// A timing measurement on a shared 2-core machine: another process can steal the main thread's
// core for 50 ms now and then. Up to two more tries; a page that really blocks fails all three.
test.describe.configure({ retries: 2 });

test('no long task during a 10,000-step run @alone', async ({ page }) => {
  await watchResponsiveness(page);
  await page.goto(`/#v=1&${EOS.replace('steps=6000', 'steps=10000')}`);
  await expect(stat(page, 'run state')).toHaveText('steps done', { timeout: 60000 });
  await expect(stat(page, 'step')).toHaveText('10000 / 10000');
  const { firstStep, ready } = await page.evaluate(() => ({
    firstStep: performance.getEntriesByName('ibp-first-step')[0]?.startTime,
    ready: performance.getEntriesByName('ibp-ready')[0]?.startTime,
  }));
  expect(firstStep).toBeGreaterThan(0);
  const during = (await responsiveness(page, firstStep)).longTasks;
  console.log(`load -> engine ready ${ready.toFixed(0)} ms, -> first step ${firstStep.toFixed(0)} ms; long tasks during the run: ${describeLongTasks(during)}`);
  expect(during).toEqual([]);
  expect(firstStep).toBeLessThan(3000); // generous for a loaded CI machine; the benchmark reports the figure
});

// The charts follow a running run at 20 Hz or more: every redraw of the main chart is counted
// (Chart.js's update, wrapped as the library loads) over 3 s of a running default experiment.
test('the main chart is redrawn at 20 Hz or more while the run goes on @alone', async ({ page }) => {
  await watchResponsiveness(page);
  await page.goto(`/#v=1&${EOS.replace('steps=6000', 'steps=100000')}`);
  await expect.poll(async () => parseFloat(await stat(page, 'step').textContent()), { timeout: 30000 }).toBeGreaterThan(200);
  const t0 = await page.evaluate(() => performance.now());
  await page.waitForTimeout(3000);
  const { draws: n, secs } = await responsiveness(page, t0);
  const running = await page.locator('#st-state').textContent();
  console.log(`main chart: ${n} redraws in ${secs.toFixed(2)} s = ${(n / secs).toFixed(1)} Hz`);
  expect(running).toBe('running');
  expect(n / secs).toBeGreaterThanOrEqual(20);
});
