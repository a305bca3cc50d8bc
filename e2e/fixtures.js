// Shared fixture of the browser tests: every test fails on a page error or a console error
// (CSP violations, uncaught exceptions, failed loads all land there), plus helpers that read
// the page the way a person does: by roles, labels and visible text.
const base = require('@playwright/test');

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') problems.push(`worker console error: ${m.text()}`); }));
    await use(page);
    base.expect(problems, 'no page or console errors').toEqual([]);
  },
});

// A value of the status line (an <output>, role status, named by aria-label), as a number.
function stat(page, name) {
  return page.getByRole('status', { name, exact: true });
}
async function statNumber(page, name) {
  const t = (await stat(page, name).textContent()).trim();
  const v = parseFloat(t.split('/')[0]);
  return v;
}
async function waitForStep(page, atLeast, timeout = 30000) {
  await base.expect.poll(() => statNumber(page, 'step'), { timeout, intervals: [100] }).toBeGreaterThanOrEqual(atLeast);
}
// The canonical config of the chart/URL: the part of a link after #v=1&
const EOS = 'model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4&standardize=1&lr=0.3&steps=6000&measure_every=20';
const CATAPULT = 'model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=2000&ntk=1';
const UV = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000';
const CHAIN = 'model=linear&depth=2&d=1&width=1&data=inline&xs=1&ys=1&init=3,0.1&lr_rel=2.5&steps=3000';

module.exports = { test, expect: base.expect, stat, statNumber, waitForStep, EOS, CATAPULT, UV, CHAIN };
