// Unit tests of link.js: links <-> the page's keys and config, hostile input; and number formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLink, buildLink, DEFAULT_CONFIG, MAX_LINK } from '../js/link.js';
import { fmt } from '../js/format.js';

test('an empty hash means the default experiment', () => {
  for (const h of ['', '#', '#   ', undefined]) {
    const l = parseLink(h);
    assert.equal(l.explicit, false);
    assert.equal(l.config, DEFAULT_CONFIG);
    assert.deepEqual(l.problems, []);
    assert.equal(l.page.speed, Infinity);
    assert.equal(l.page.autoplay, 1);
  }
});

test('engine keys pass through in order, page keys are taken out and parsed', () => {
  const l = parseLink('#v=1&model=mf&init=4,0.1&speed=100&autoplay=0&lr_rel=2.5');
  assert.equal(l.explicit, true);
  assert.equal(l.config, 'model=mf&init=4,0.1&lr_rel=2.5');
  assert.equal(l.page.speed, 100);
  assert.equal(l.page.autoplay, 0);
  assert.deepEqual(l.problems, []);
});

test('v=1 alone means the engine defaults, not the default experiment', () => {
  const l = parseLink('#v=1');
  assert.equal(l.explicit, true);
  assert.equal(l.config, '');
});

test('bad page values are explained and replaced by defaults', () => {
  const l = parseLink('#v=7&speed=fast&autoplay=yes&lr=0.1');
  assert.equal(l.page.speed, Infinity);
  assert.equal(l.page.autoplay, 1);
  assert.equal(l.problems.length, 3);
  assert.match(l.problems[0].message, /^v=7: .*version 7/);
  assert.match(l.problems[1].message, /^speed=fast: /);
  assert.match(l.problems[2].message, /^autoplay=yes: /);
  assert.equal(l.config, 'lr=0.1');
});

test('hostile links: bad escapes, markup, odd names, huge input', () => {
  const l = parseLink('#v=1&lr=%E0%A4%A&%zz=1&<img src=x onerror=alert(1)>=2&act=<b>x</b>');
  // the undecodable items are reported, not passed on
  assert.ok(l.problems.some((p) => /could not be decoded/.test(p.message)));
  assert.ok(l.problems.some((p) => /is not a setting name/.test(p.message)));
  // markup in a value stays text for the engine to refuse (the page never renders it as HTML)
  assert.match(l.config, /act=%3Cb%3Ex%3C\/b%3E/); // / stays readable (origins, paths)
  const long = parseLink(`#v=1&xs=${'1,'.repeat(MAX_LINK)}`);
  assert.equal(long.explicit, false);
  assert.match(long.problems[0].message, /too long/);
  const many = parseLink(`#v=1${'&lr=1'.repeat(1000)}`);
  assert.ok(many.problems.some((p) => /at most/.test(p.message)));
});

test('buildLink writes v=1, the config and non-default page keys; parseLink reads it back', () => {
  const h = buildLink('model=mf&init=4,0.1', { speed: 100, autoplay: 1, fault: 'trap' });
  assert.equal(h, '#v=1&model=mf&init=4,0.1&speed=100');
  const l = parseLink(h);
  assert.equal(l.config, 'model=mf&init=4,0.1');
  assert.equal(l.page.speed, 100);
  assert.equal(buildLink('', { speed: Infinity }), '#v=1');
});

test('fmt never shows NaN or Infinity', () => {
  assert.equal(fmt(NaN), '—');
  assert.equal(fmt(Infinity), '—');
  assert.equal(fmt(undefined), '—');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(9.97183, 4), '9.972');
  assert.equal(fmt(2.03258e-4, 6), '2.03258e-4');
  assert.equal(fmt(-1234567, 3), '-1.23e6');
  // the shown value is within half a unit of the last digit of the true value
  for (const x of [1.23456789, 0.00123456, 98765.4321]) {
    const shown = Number(fmt(x, 5));
    assert.ok(Math.abs(shown - x) <= 0.5e-4 * Math.abs(x), `${x} -> ${shown}`);
  }
});
