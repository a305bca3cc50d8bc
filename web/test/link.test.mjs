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

// ---- the query string, bad names, whole-link problems, repeated page keys (QA, session 8) ----
import { problemText, problemActions } from '../js/link-problems.js';
import { earlyConfigOf } from '../js/early-run.js';
import { splitPairs } from '../js/kv.js';

const isKey = (k) => ['lr', 'depth', 'steps', 'teacher_scale'].includes(k);

test('query items that are no page key (tracking parameters) are ignored: the link runs, at once', () => {
  for (const [hash, search, config] of [
    ['#preset=catapult', '?fbclid=abc123', ''],
    ['#v=1&lr=0.3', '?utm_source=twitter', 'lr=0.3'],
    ['', '?x=1', DEFAULT_CONFIG],
    ['#v=1&lr=0.3', '?utm_source=a&utm_medium=b&%ZZ=1&LR=2', 'lr=0.3'],
  ]) {
    const l = parseLink(hash, search);
    assert.deepEqual(l.problems, [], `${search}${hash}`);
    assert.equal(l.config, config);
    assert.ok(l.ignored.length >= 1 && l.ignored.every((i) => search.includes(i)), `${search}: ${l.ignored}`);
    // the early run starts too (a preset waits for the page's presets, as without a query)
    if (!hash.includes('preset')) assert.equal(earlyConfigOf({ hash, search, pathname: '/' }), config);
  }
  // a page key in the query is still read, and a bad one is still a problem (marked: its button
  // edits the query string, not the hash)
  assert.equal(parseLink('#v=1', '?fbclid=1&speed=100').page.speed, 100);
  const bad = parseLink('#v=1', '?speed=warp');
  assert.equal(bad.problems.length, 1);
  assert.equal(bad.problems[0].query, true);
  assert.equal(bad.problems[0].item, 'speed=warp');
});

test('every problem of a link says its own words; no "unknown key \\"\\"" for a problem without a key', () => {
  const cases = [
    ['#v=1&LR=0.3', /^"LR" is not a setting name .*did you mean lr\?/],
    ['#v=1&%E2%9C%93=1', /^"✓" is not a setting name/],
    ['#v=1& lr = 0.3 ', /^" lr " is not a setting name .*did you mean lr\?/],
    ['#v=1&%3Cb%3Ex%3C%2Fb%3E=1', /^"<b>x<\/b>" is not a setting name/],
    [`#v=1&xs=${'1,'.repeat(105000)}`, /^the link is too long \(\d+ characters, at most 200000\): it was not read$/],
    [`#v=1${'&lr=1'.repeat(401)}`, /^the link has 402 settings, at most 400: it was not read$/],
  ];
  for (const [hash, re] of cases) {
    const l = parseLink(hash);
    assert.equal(l.problems.length, 1, hash.slice(0, 40));
    const text = problemText(l.problems[0], { isKey });
    assert.doesNotMatch(text, /unknown key/);
    assert.match(text, re);
  }
  // the engine's unknown key (the worker: key null, written the key as written) keeps its words
  assert.match(problemText({ key: null, written: 'teacher_sc', message: 'unknown key', suggest: 'teacher_scale=4' }, { isKey }),
    /^unknown key "teacher_sc": it is not a setting of the playground\. Did you mean teacher_scale\?/);
  // the engine's word on the config as a whole (no key, nothing written) is its message
  assert.equal(problemText({ key: null, written: '', message: 'lr and lr_rel are both given' }, { isKey }), 'lr and lr_rel are both given.');
});

test('every button of a problem does something: a control to focus, or an item of the link to change', () => {
  const hashes = ['#v=1&LR=0.3', '#v=1&%E2%9C%93=1', '#v=1&%3Cb%3Ex%3C%2Fb%3E=1', '#v=1&lr=%ZZ', '#v=2&lr=0.3', '#v=1&speed=warp&autoplay=yes',
    '#preset=eos&preset=catapult', '#v=1&speed=max&speed=10', '#v=1&embed=1&charts=pie'];
  for (const hash of hashes) {
    const raw = hash.slice(1);
    for (const p of parseLink(hash).problems) {
      const actions = problemActions(p, { isKey });
      assert.ok(actions.length > 0, `${hash}: ${p.message}`);
      for (const a of actions) {
        if (a.act[0] === 'focus') assert.ok(a.act[1] === null || a.act[1] === 'preset' || isKey(a.act[1]), `${hash}: ${a.text}`);
        else assert.ok(raw.split('&').includes(p.item), `${hash}: ${a.text} has no item to change`);
      }
    }
  }
  const [name] = parseLink('#v=1&LR=0.3').problems;
  assert.deepEqual(problemActions(name, { isKey }).map((a) => a.text), ['Use lr=0.3', 'Remove it']);
  // a problem of the whole link has nothing to remove
  assert.deepEqual(problemActions(parseLink(`#v=1${'&lr=1'.repeat(401)}`).problems[0], { isKey }), []);
});

test('an unknown link version is not run, and the page does not claim to have read it', () => {
  const l = parseLink('#v=2&lr=0.3');
  assert.equal(l.problems.length, 1);
  assert.doesNotMatch(l.problems[0].message, /read as/);
  const [a] = problemActions(l.problems[0], { isKey });
  assert.equal(a.text, 'Read it as v=1');
  assert.deepEqual(a.act, ['relink', 'v=1']);
});

test('a repeated page key is an error, like a repeated engine key', () => {
  for (const [hash, key] of [['#preset=eos&preset=catapult', 'preset'], ['#v=1&speed=max&speed=10', 'speed']]) {
    const l = parseLink(hash);
    assert.equal(l.problems.length, 1, hash);
    assert.equal(l.problems[0].key, key);
    assert.match(l.problems[0].message, new RegExp(`^${key} is given twice`));
    assert.equal(l.problems[0].item, splitPairs(hash.slice(1)).items.at(-1)); // the repeat, for Remove it
  }
  assert.equal(parseLink('#v=1&speed=10', '?speed=100').problems.length, 0); // the hash over the query is no repeat
});

test('a problem ending in a parenthesis is still a sentence before what is allowed', () => {
  assert.equal(problemText(parseLink('#v=2').problems[0]),
    'v=2: this link was written by version 2 of the page, which this page does not know (it reads v=0, v=1). Allowed: a link version this page reads.');
});
