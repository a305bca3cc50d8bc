// Unit tests of kv.js: the page's only text work, split and join of "k=v&k=v" pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitPairs, joinPairs, encodeValue, pairsMap, valueOf, keysOf, withPairs, withoutKeys } from '../js/kv.js';

test('encodeValue keeps numbers and lists readable and round-trips anything', () => {
  assert.equal(encodeValue('4,0.1'), '4,0.1');
  assert.equal(encodeValue('leaky_relu(0.1)'), 'leaky_relu(0.1)');
  assert.equal(encodeValue('1e+5'), '1e+5');
  for (const v of ['a&b=c#d%e', 'x y', 'é€😀', '<script>', '']) {
    const { pairs } = splitPairs(joinPairs([['k', v]]));
    assert.deepEqual(pairs, [['k', v]]);
  }
});

test('splitPairs decodes, keeps order and bare keys, drops empty items, reports undecodable ones', () => {
  const { pairs, items, problems } = splitPairs('a=1&&b=x%20y&flag&c=%ZZ&%E0%A4%A=2&d=e=f');
  assert.deepEqual(pairs, [['a', '1'], ['b', 'x y'], ['flag', null], ['d', 'e=f']]);
  assert.deepEqual(items, ['a=1', 'b=x%20y', 'flag', 'd=e=f']); // each pair as written
  assert.equal(problems.length, 2);
  assert.equal(problems[0].key, 'c'); // a well-formed key with a bad value is named
  assert.equal(problems[1].key, null);
  assert.match(problems[0].message, /could not be decoded: a % must be followed by two hex digits/);
  assert.deepEqual(splitPairs(''), { pairs: [], items: [], problems: [] });
  assert.deepEqual(splitPairs(null), { pairs: [], items: [], problems: [] });
});

test('joinPairs writes bare keys for null values and encodes only what must be', () => {
  assert.equal(joinPairs([['a', '1'], ['flag', null], ['b', 'x&y']]), 'a=1&flag&b=x%26y');
  assert.equal(joinPairs([]), '');
});

test('pairsMap, valueOf and keysOf: later items win, missing keys are null', () => {
  assert.deepEqual([...pairsMap('a=1&b=2&a=3&c')], [['a', '3'], ['b', '2'], ['c', '']]);
  assert.equal(valueOf('a=1&seed=7&b=%2C', 'b'), ',');
  assert.equal(valueOf('a=1&seed=7', 'seed'), '7');
  assert.equal(valueOf('a=1', 'seed'), null);
  assert.equal(valueOf('', 'seed'), null);
  assert.deepEqual(keysOf('x=1&y=2&x=3'), ['x', 'y', 'x']);
});

test('withPairs replaces the pairs it names in place order, appends new keys, and swaps alike keys', () => {
  assert.equal(withPairs('a=1&b=2&c=3', 'b=9&d=4'), 'a=1&c=3&b=9&d=4');
  assert.equal(withPairs('a=1', ''), 'a=1');
  assert.equal(withPairs('lr=1&lr_rel=2', 'lr_rel=3'), 'lr=1&lr_rel=3');
  const alike = [['lr', 'lr_rel']];
  assert.equal(withPairs('model=mf&lr_rel=2.5&steps=10', 'lr=0.1', { alike }), 'model=mf&steps=10&lr=0.1');
  assert.equal(withPairs('model=mf&lr=0.3', 'lr_rel=1', { alike }), 'model=mf&lr_rel=1');
});

test('withoutKeys drops every pair of the named keys', () => {
  assert.equal(withoutKeys('lr=abc&depth=0&act=relu&lr=2', ['lr', 'depth']), 'act=relu');
  assert.equal(withoutKeys('a=1', []), 'a=1');
});
