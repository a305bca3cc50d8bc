// Failures: a wasm trap, a worker crash, a model over the memory cap. Each shows a clear message,
// no stack trace, and the page keeps working.
const { test, expect, allSettings, stat, waitForStep, UV } = require('./fixtures');

test('a wasm trap is reported and Reset brings the run back', async ({ page }) => {
  await page.goto(`/#v=1&${UV}&speed=100&fault=trap`);
  const alert = page.getByRole('alert').filter({ hasText: 'WebAssembly trap' }).first();
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('the run was lost, press Reset to start it again');
  await expect(alert).not.toContainText(/\bat \w+ \(|\.js:\d+/); // no stack trace
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  await page.getByRole('button', { name: 'Reset', exact: true }).first().click();
  await waitForStep(page, 20);
  await expect(stat(page, 'run state')).toHaveText('running');
});

test('a worker crash is reported, the worker restarts, Reset runs again', async ({ page }) => {
  await page.goto(`/#v=1&${UV}&speed=100&fault=crash`);
  const alert = page.getByRole('alert').filter({ hasText: 'stopped unexpectedly and was restarted' }).first();
  await expect(alert).toBeVisible();
  await expect(alert).not.toContainText('injected');
  await alert.getByRole('button', { name: 'Reset' }).click();
  await waitForStep(page, 20);
  await expect(page.getByLabel('model', { exact: true })).toHaveValue('mf');
});

test('a model over the memory cap is refused with the estimate; the page keeps working', async ({ page }) => {
  await page.goto('/#v=1&width=5000&depth=3&autoplay=0');
  const alert = page.getByRole('alert').filter({ hasText: /needs .*[\d.]+ MiB/ }).first();
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('above mem_cap=512 MiB');
  // through the form too, after a working run
  await page.getByLabel('Preset').selectOption({ label: 'Edge of stability (tanh MLP)' });
  await waitForStep(page, 20);
  await allSettings(page);
  await page.getByLabel('width', { exact: true }).fill('5000');
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /above mem_cap/ }).first()).toBeVisible();
  // far beyond anything: a clear sentence, not an overflow
  await page.getByLabel('width', { exact: true }).fill('100000');
  await page.getByLabel('depth', { exact: true }).fill('8');
  await page.getByRole('button', { name: 'Apply and run' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /The run could not be created: .*parameters/ }).first()).toBeVisible();
  // the previous run is still there and can be stepped
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeEnabled();
});
