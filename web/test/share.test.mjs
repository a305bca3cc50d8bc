// Unit tests of sharing, embedding and export (issue 6): link versions and their old defaults,
// presets and embed keys in links, the embed API's checks (commands, origins), the snippet's
// height, the CLI command's shell quoting, and the metrics JSON built from the engine's CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  parseLink, buildLink, mergeConfig, oldDefaultPairs, OLD_DEFAULTS, LINK_VERSIONS, STATE_VERSION, CHART_IDS,
  VIEW_IDS, isOrigin, PAGE_KEYS,
} from '../js/link.js';
import {
  checkCommand, allowedOrigins, hostOrigin, metricRows, embedHeight, embedSnippet, EMBED_PX, COMMANDS, EVENTS,
} from '../js/embed-api.js';
import { shellQuote, cliCommand, reproNote, metricsJson, parseMetricsCsv, CLI_PATH } from '../js/export-format.js';
import { valueOf } from '../js/kv.js';
import { RunData, chartSpecs } from '../js/series.js';
import { fileExcerpt } from '../js/imports.js';

// ---- links -------------------------------------------------------------------------------------

test('link versions: every old version is readable, the current one is the last', () => {
  assert.deepEqual(LINK_VERSIONS, [0, 1]);
  assert.equal(LINK_VERSIONS.at(-1), STATE_VERSION);
  assert.equal(parseLink('#v=0&lr_rel=2').version, 0);
  assert.equal(parseLink('#v=1&lr=0.2').version, 1);
  const future = parseLink('#v=2&lr=0.2');
  assert.equal(future.version, STATE_VERSION);
  assert.match(future.problems[0].message, /^v=2: this link was written by version 2 .* \(it reads v=0, v=1\)/);
});

test('old defaults: added when the link leaves the key out and the key applies', () => {
  assert.deepEqual(OLD_DEFAULTS[0], { lr: '0.05' });
  // the full canonical form lists every key in use: lr is in use unless lr_rel is
  const fullLr = 'model=mlp&depth=2&lr=0.1&steps=1000&seed=0';
  const fullRel = 'model=mlp&depth=2&lr_rel=2&steps=1000&seed=0';
  assert.deepEqual(oldDefaultPairs(0, new Set(['model']), fullLr), [['lr', '0.05']]);
  assert.deepEqual(oldDefaultPairs(0, new Set(['lr']), fullLr), []);        // the link names it
  assert.deepEqual(oldDefaultPairs(0, new Set(['lr_rel']), fullRel), []);   // lr is not in use
  assert.deepEqual(oldDefaultPairs(1, new Set(), fullLr), []);              // the current version
  assert.deepEqual(oldDefaultPairs(7, new Set(), fullLr), []);              // unknown: nothing
});

test('#preset=ID: a preset link is explicit; the keys after it replace the preset\'s', () => {
  const l = parseLink('#preset=cohen2021-eos&lr=0.1&steps=300');
  assert.equal(l.explicit, true);
  assert.equal(l.page.preset, 'cohen2021-eos');
  assert.equal(l.config, 'lr=0.1&steps=300');
  assert.deepEqual([...l.named], ['lr', 'steps']);
  assert.equal(mergeConfig('model=mlp&lr=0.2&steps=6000&measure_every=20', l.config), 'model=mlp&measure_every=20&lr=0.1&steps=300');
  // lr and lr_rel replace each other
  assert.equal(mergeConfig('model=mf&lr_rel=2.5&steps=10', 'lr=0.1'), 'model=mf&steps=10&lr=0.1');
  assert.equal(mergeConfig('model=mf&lr=0.3', 'lr_rel=1'), 'model=mf&lr_rel=1');
  assert.equal(mergeConfig('model=mf', ''), 'model=mf');
  const bad = parseLink('#preset=<b>x</b>');
  assert.equal(bad.page.preset, '');
  assert.match(bad.problems[0].message, /^preset=<b>x<\/b>: a preset id is/);
  // the link written afterwards holds the config itself, never the preset
  assert.equal(buildLink('model=mf', { preset: 'x', speed: Infinity }), '#v=1&model=mf');
});

test('embed keys: parsed, explained when wrong, written only when not default', () => {
  const l = parseLink('#v=1&model=mf&embed=1&charts=traj,loss&controls=play,status&limit=500&origin=https://a.example,http://b.example:8080');
  assert.deepEqual(l.problems, []);
  assert.equal(l.page.embed, 1);
  assert.deepEqual(l.page.charts, ['traj', 'loss']);
  assert.deepEqual(l.page.controls, ['play', 'status']);
  assert.equal(l.page.limit, 500);
  assert.deepEqual(l.page.origin, ['https://a.example', 'http://b.example:8080']);
  assert.equal(l.config, 'model=mf');
  assert.equal(buildLink('model=mf', l.page), '#v=1&model=mf&embed=1&charts=traj,loss&controls=play,status&limit=500&origin=https://a.example,http://b.example:8080');
  assert.equal(buildLink('model=mf', { ...l.page, controls: [] }).includes('controls=none'), true);
  assert.deepEqual(parseLink('#controls=none').page.controls, []);
  const bad = parseLink('#v=1&charts=loss,pie&controls=fly&limit=0&origin=https://a.example/path&embed=yes');
  const msgs = bad.problems.map((p) => p.message);
  assert.match(msgs[0], /^charts=loss,pie: "pie" is not one of loss, sharpness/);
  assert.match(msgs[1], /^controls=fly: "fly" is not one of play, step, reset, eta, speed, status, or none/);
  assert.match(msgs[2], /^limit=0: /);
  assert.match(msgs[3], /^origin=https:\/\/a.example\/path: an origin is scheme:\/\/host/);
  assert.match(msgs[4], /^embed=yes: /);
  assert.deepEqual(bad.page.charts, PAGE_KEYS.charts.def); // defaults, and every problem said
});

test('the query string carries page keys only, and they stay there', () => {
  const l = parseLink('#v=1&model=mf&speed=100', '?embed=1&charts=loss&model=mlp');
  assert.equal(l.page.embed, 1);
  assert.deepEqual(l.page.charts, ['loss']);
  assert.deepEqual([...l.fromQuery].sort(), ['charts', 'embed']);
  assert.equal(l.config, 'model=mf');
  // model in the query is no page key: ignored (named by the page), not a reason not to run
  assert.deepEqual(l.problems, []);
  assert.deepEqual(l.ignored, ['model=mlp']);
  assert.equal(buildLink('model=mf', l.page, { omit: l.fromQuery }), '#v=1&model=mf&speed=100');
  // the hash wins over the query
  assert.equal(parseLink('#v=1&speed=10', '?speed=100').page.speed, 10);
  assert.equal(parseLink('#v=1&speed=10', '?speed=100').fromQuery.has('speed'), false);
  // a query alone with a hash that names nothing: the default experiment, with the query's chrome
  const q = parseLink('', '?embed=1');
  assert.equal(q.explicit, false);
  assert.equal(q.page.embed, 1);
});

test('origins are exactly scheme://host[:port]', () => {
  for (const o of ['https://a.example', 'http://127.0.0.1:8000', 'https://xn--bcher-kva.example']) assert.ok(isOrigin(o), o);
  for (const o of ['https://a.example/', 'https://a.example/x', 'ftp://a.example', 'https://A.example', 'null', '*', 'https://a.example:443', 'javascript:alert(1)', '']) {
    assert.ok(!isOrigin(o), o);
  }
});

test('CHART_IDS are the ids of every chart series.js can make, plus the two views', () => {
  // one column of every kind the engine writes (ibp help output), so every chart appears
  const every = ['step', 'loss', 'test_loss', 'cai_threshold', 'grad_norm', 'param_norm', 'dist_init', 'lr', 'sharpness', 'sharpness_resid',
    'eig2', 'lambda_min', 'ntk', 'edge_ratio', 'grad_proj', 's_min', 's_ratio', 'layer1_sq', 'gap1', 'invariant1', 'mf_balance', 'margin',
    'train_acc', 'test_acc', 'sv1_1', 'sv1_2', 'sv_ratio1', 'align1', 'wprod_dist', 'gf_rel_dist', 'events'];
  const ids = chartSpecs(every).map((s) => s.id);
  for (const id of ids) assert.ok(CHART_IDS.includes(id), `series.js chart ${id} is missing from link.js CHART_IDS`);
  for (const id of CHART_IDS) if (!VIEW_IDS.includes(id)) assert.ok(ids.includes(id), `CHART_IDS has ${id}, which no chart has`);
});

// ---- the embed API -----------------------------------------------------------------------------

test('checkCommand accepts the documented commands and explains the rest', () => {
  assert.deepEqual(Object.keys(COMMANDS), ['load', 'play', 'pause', 'step', 'reset', 'setEta', 'setLimit', 'getMetrics', 'getState']);
  assert.ok(['ready', 'steps', 'catapult', 'eos', 'diverged', 'finished', 'resize'].every((e) => Object.hasOwn(EVENTS, e)));
  assert.deepEqual(checkCommand({ type: 'play' }), { ok: true, cmd: { type: 'play', id: undefined } });
  assert.deepEqual(checkCommand({ type: 'step', id: 'a' }).cmd, { type: 'step', id: 'a', n: 1 });
  assert.deepEqual(checkCommand({ type: 'setEta', eta: 0.2, id: 3 }).cmd, { type: 'setEta', id: 3, eta: 0.2 });
  assert.deepEqual(checkCommand({ type: 'load', preset: 'catapult' }).cmd, { type: 'load', id: undefined, config: '', preset: 'catapult', autoplay: true });
  assert.equal(checkCommand({ type: 'load', config: '#v=1&lr=0.1', autoplay: false }).cmd.config, 'v=1&lr=0.1');
  assert.deepEqual(checkCommand({ type: 'getMetrics', columns: ['step', 'loss'], last: 10 }).cmd,
    { type: 'getMetrics', id: undefined, columns: ['step', 'loss'], from: -Infinity, last: 10 });
  const refusals = [
    [null, /a command is an object/], [[1], /a command is an object/], [{ type: 'eval', id: 1 }, /unknown command "eval"/],
    [{ type: 'play', id: {} }, /id must be/], [{ type: 'step', n: 0 }, /step: n must be/], [{ type: 'step', n: 1.5 }, /step: n must be/],
    [{ type: 'setEta', eta: '0.1' }, /setEta: eta must be a number/], [{ type: 'setEta', eta: NaN }, /setEta/], [{ type: 'setEta', eta: -1 }, /setEta/],
    [{ type: 'load' }, /load: give a config, a preset, or both/], [{ type: 'load', config: 3 }, /load: config must be a string/],
    [{ type: 'load', preset: '../x' }, /load: preset must be/], [{ type: 'load', preset: 'x', autoplay: 'yes' }, /autoplay/],
    [{ type: 'setLimit', step: -1 }, /setLimit/], [{ type: 'getMetrics', columns: 'loss' }, /columns must be an array/],
    [{ type: 'getMetrics', last: 0 }, /last must be/],
  ];
  for (const [msg, re] of refusals) {
    const c = checkCommand(msg);
    assert.equal(c.ok, false, JSON.stringify(msg));
    assert.match(c.error, re);
  }
  assert.equal(checkCommand({ type: 'step', n: 0, id: 9 }).id, 9); // the refusal can be matched
});

test('origins: the link\'s and the widget\'s own; the host origin from the browser', () => {
  const a = allowedOrigins(['https://a.example', 'bogus'], 'http://127.0.0.1:8000');
  assert.deepEqual([...a].sort(), ['http://127.0.0.1:8000', 'https://a.example']);
  assert.equal(hostOrigin(['https://host.example'], ''), 'https://host.example');
  assert.equal(hostOrigin([], 'https://host.example/blog/post.html?x#y'), 'https://host.example');
  assert.equal(hostOrigin(undefined, ''), null);
  assert.equal(hostOrigin(['null'], 'about:blank'), null);
});

test('metricRows: columns, from, last, NaN as null, unknown columns refused', () => {
  const s = new RunData(['step', 'loss', 'sharpness']);
  s.append(['step', 'loss', 'sharpness'], Float64Array.from([0, 1, 3, 1, 0.5, NaN, 2, 0.25, 2.9, 3, 0.125, NaN]), 4);
  assert.deepEqual(metricRows(s), { columns: ['step', 'loss', 'sharpness'], rows: [[0, 1, 3], [1, 0.5, null], [2, 0.25, 2.9], [3, 0.125, null]] });
  assert.deepEqual(metricRows(s, { columns: ['loss'], from: 1, last: 2 }).rows, [[0.25], [0.125]]);
  assert.deepEqual(metricRows(s, { from: 2.5 }).rows, [[3, 0.125, null]]);
  assert.throws(() => metricRows(s, { columns: ['nope'] }), /no column nope in this run \(it has step, loss, sharpness\)/);
  assert.deepEqual(metricRows(null), { columns: [], rows: [] });
});

test('embedHeight adds up the parts of the embed layout; the snippet is escaped', () => {
  const P = EMBED_PX;
  const base = P.pad + P.foot + P.spare;
  assert.equal(embedHeight({ charts: [], controls: [] }), base);
  assert.equal(embedHeight({ charts: ['loss'], controls: ['play'] }), base + P.controls + P.top + P.chart);
  assert.equal(embedHeight({ charts: ['loss', 'sharpness'], controls: ['play', 'status'] }), base + P.controls + P.status + P.top + 2 * P.chart + P.gap);
  // views count only when the run has them
  assert.equal(embedHeight({ charts: ['traj', 'loss'], controls: [] }), base + P.top + P.chart);
  assert.equal(embedHeight({ charts: ['traj', 'loss', 'spectrum'], controls: [], twoParam: true, spectrum: true }), base + P.top + P.traj + P.gap + P.chart + P.spectrum);
  const snip = embedSnippet('https://x.example/#v=1&a=1&title="><script>', { height: 700.2, title: 'a "b" <c>' });
  assert.equal(snip, '<iframe src="https://x.example/#v=1&amp;a=1&amp;title=&quot;&gt;&lt;script&gt;" title="a &quot;b&quot; &lt;c&gt;" ' +
    'width="100%" height="701" style="border:0;max-width:100%" loading="lazy"></iframe>');
});

// ---- export ------------------------------------------------------------------------------------

test('shellQuote survives a real shell, whatever the config holds', () => {
  for (const s of ['model=mf&init=4,0.1', "it's", "a'b''c", '$(touch /tmp/x) `id` "q" \\ ;|&', 'leaky_relu(0.1)', '']) {
    const out = execFileSync('bash', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
    assert.equal(out, s);
  }
  assert.equal(cliCommand('model=mf&lr=0.1'), `${CLI_PATH} run 'model=mf&lr=0.1' --out metrics.csv --save params.json`);
  assert.equal(cliCommand('data=csv', { dataFile: 'data.csv', initFile: 'init.json' }),
    `${CLI_PATH} run 'data=csv' --data 'data.csv' --init 'init.json' --out metrics.csv --save params.json`);
});

test('reproNote says what the command reproduces', () => {
  assert.match(reproNote({ running: false, stateName: 'steps done', t: 300, stepsTotal: 300 }), /byte-identical/);
  assert.match(reproNote({ running: true, t: 30, stepsTotal: 300 }), /beginning of its metrics\.csv/);
  assert.match(reproNote({ running: false }, ['η set by hand to 0.1 at step 5']), /^Not reproducible from the config alone: η set by hand/);
});

test('metricsJson keeps every column and the engine\'s digits; header fields are there', () => {
  const csv = '# ibp 0.1.0\n# config: model=mf&lr=0.1\n# loss=mse_half: ...\n' +
    'step,loss,sharpness,events\n0,0.5,3.0996710437817816,0\n1,1e-05,,0\n2,nan,,4\n3,inf,-inf,0\n';
  const ex = {
    csv, version: '0.1.0', canonical: 'model=mf&lr=0.1', full: 'model=mf&lr=0.1&steps=10&seed=42', conventions: 'loss=mse_half: ...',
    notes: ['x'], truncated: false, stateName: 'diverged', t: 2, events: 'diverged at step 2: ...\n', summary: '{"regime":"divergent"}',
  };
  const text = metricsJson(ex, 'b123');
  const j = JSON.parse(text);
  assert.equal(j.ibp, '0.1.0');
  assert.equal(j.build, 'b123');
  assert.equal(j.seed, 42);
  assert.equal(j.config, 'model=mf&lr=0.1');
  assert.deepEqual(j.notes, ['x']);
  assert.deepEqual(j.events, ['diverged at step 2: ...']);
  assert.deepEqual(j.summary, { regime: 'divergent' });
  assert.deepEqual(j.columns, ['step', 'loss', 'sharpness', 'events']);
  assert.deepEqual(j.rows, [[0, 0.5, 3.0996710437817816, 0], [1, 1e-05, null, 0], [2, null, null, 4], [3, 'inf', '-inf', 0]]);
  assert.match(text, /\[1,1e-05,null,0\]/); // the digits are the engine's
  const p = parseMetricsCsv(csv);
  assert.deepEqual(p.comments, ['ibp 0.1.0', 'config: model=mf&lr=0.1', 'loss=mse_half: ...']);
  assert.equal(p.rows.length, 4);
  assert.equal(valueOf('a=1&seed=7&b=%2C', 'b'), ',');
  assert.equal(valueOf('a=1', 'seed'), null);
});

test('fileExcerpt shows the line or the bytes an engine message names', () => {
  const csv = 'x1,x2,y\r\n0,1,1\r\n1,abc,-1\r\n';
  assert.equal(fileExcerpt(csv, 'data CSV line 3, column 2 ("x2"): "abc" is not a number'), 'line 3: 1,abc,-1');
  assert.equal(fileExcerpt(csv, 'data CSV line 9 has 2 fields'), '');
  const json = '{"params":[{"name":"W1","shape":[3,3]}]}';
  assert.equal(fileExcerpt(json, 'params JSON, byte 12: expected'), 'bytes 0-40: {"params":[{ ⟨here⟩ "name":"W1","shape":[3,3]}]}');
  assert.equal(fileExcerpt(json, 'params JSON: W1 is missing'), '');
  assert.equal(fileExcerpt('', 'something else'), '');
});
