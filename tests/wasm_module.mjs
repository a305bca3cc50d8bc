// The browser module (ibp.wasm) under failure, from node: thousands of failing creates and
// hundreds of traps must leave it usable, with its heap and stack pointer where they were
// (issue 10 item 1). A trap used to leak the call's allocations and part of the stack (a params
// file nested 9,500 deep made ibp_w_create throw a RangeError): after ~200 the module was dead.
// usage: node tests/wasm_module.mjs build/wasm/ibp.wasm
import { readFileSync } from 'node:fs';
import { loadIbp, compileIbp, EngineHost } from '../web/js/wasm-loader.js';
import { Run, EngineError } from '../web/js/engine.js';
import { Checker } from './cli_run.mjs';

const file = process.argv[2] || 'build/wasm/ibp.wasm';
const bytes = readFileSync(file);
const t = new Checker();
const ibp = await loadIbp(bytes);
const ex = ibp.ex, raw = ibp.raw;
const heap = () => raw.ibp_w_heap_in_use();
const blocks = () => raw.ibp_w_heap_blocks();
const sp = () => raw.ibp_w_stack_pointer();

const GOOD = 'model=mlp&depth=2&width=8&d=3&n=20&steps=30&lr=0.1&measure_every=10';
// the same run in a fresh module: the reference bits
const rowsOf = (m) => {
  const r = Run.create(m, { config: GOOD });
  while (r.running) r.step(100);
  const rows = r.takeRows();
  const theta = r.params();
  r.destroy();
  return { rows, theta };
};
const same = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength),
  Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
const ref = rowsOf(await loadIbp(bytes));

// warm up (the first creates grow the heap to its working size)
for (let i = 0; i < 3; i++) rowsOf(ibp);
const h0 = heap(), b0 = blocks(), s0 = sp(), m0 = ex.memory.buffer.byteLength;
t.check(h0 >= 0 && s0 > 0, `ledger readable (heap ${h0} bytes in ${b0} blocks, sp ${s0})`);

// ---- failures that return: every kind, thousands of times --------------------------------
const deep = (n) => `{"params":[{"name":"W1","shape":[8,3],"data":${'['.repeat(n)}1${']'.repeat(n)}}]}`;
const failing = [
  { config: 'model=rnn', want: /model="rnn"/ },
  { config: 'depth=1e300', want: /out of range/ },
  { config: 'model=mlp&depth=3&width=20000&d=100', want: /mem_cap/ },
  { config: 'model=linear&data=csv', dataCsv: 'x,y\n1,2\n3,oops\n', want: /line 3/ },
  { config: 'model=linear&data=csv', dataCsv: 'x,y\n0x10,1\n', want: /decimal/ },
  { config: 'model=mlp&depth=2&width=8&d=3&init=file', initJson: '{"params":[]}', want: /W1 is missing/ },
  { config: 'model=mlp&depth=2&width=8&d=3&init=file', initJson: deep(9500), want: /nested more than 64 deep/ },
  { config: 'model=mlp&depth=2&width=8&d=3&init=file', initJson: '{"params":[{"name":"W1\\', want: /unterminated/ },
  { config: 'model=mlp&head=unit&init=file', initJson: '{"params":[{"name":"W1","shape":[32,8],"data":[1]}]}', want: /W1 has 1 numbers/ },
];
let wrong = 0;
for (let i = 0; i < 3000; i++) {
  const c = failing[i % failing.length];
  try {
    Run.create(ibp, c);
    wrong++;
  } catch (e) {
    if (!(e instanceof EngineError) || !c.want.test(e.message)) { wrong++; if (wrong < 5) console.error(e); }
  }
}
t.check(wrong === 0, `3000 failing creates each refused with their message (${wrong} wrong)`);
t.check(heap() === h0 && blocks() === b0, `no leak after 3000 failures: heap ${heap()} vs ${h0}, blocks ${blocks()} vs ${b0}`);
t.check(sp() === s0, `stack pointer unchanged after 3000 failures (${sp()} vs ${s0})`);
t.check(ibp.trapped === 0, `no failure trapped (${ibp.trapped})`);

// ---- traps: the call unwinds to JS without running any C ---------------------------------
const BAD = 0x7ffffff0; // outside the heap: any access traps
function trapAfterAllocating() {
  // a create that allocates its whole run (arena, config lists), then fails and writes its
  // message to an address outside memory: the trap comes after every allocation
  const c = ibp.cstr('model=mlp&depth=2&width=8&d=3&init=file&width=8');
  const i = ibp.cstr('{"params":[{"name":"W1","shape":[8,3],"data":[1]}]}');
  try {
    ex.ibp_w_create(c, 0, i, BAD, 1024);
    return false;
  } catch (e) {
    return e instanceof WebAssembly.RuntimeError;
  } finally {
    ibp.free(c); ibp.free(i);
  }
}
function trapInStep() {
  try { ex.ibp_run_step(BAD, 1n, 0, 0); return false; } catch (e) { return e instanceof WebAssembly.RuntimeError; }
}
// the guard matters: the same trap through the raw export (another instance) leaks what the
// call allocated and part of the stack, so the checks below can see a leak
{
  const other = await loadIbp(bytes);
  const c = other.cstr('model=mlp&depth=2&width=8&d=3&init=file');
  const i = other.cstr('{"params":[]}');
  const r = other.raw, hb = r.ibp_w_heap_in_use(), sb = r.ibp_w_stack_pointer();
  let trapped = false;
  try { r.ibp_w_create(c, 0, i, BAD, 1024); } catch (e) { trapped = e instanceof WebAssembly.RuntimeError; }
  const leaked = r.ibp_w_heap_in_use() - hb, lostStack = sb - r.ibp_w_stack_pointer();
  t.check(trapped && leaked > 10000 && lostStack > 0,
    `unguarded, a trap leaks the run (${leaked} bytes) and stack (${lostStack} bytes)`);
}
let traps = 0;
for (let i = 0; i < 500; i++) traps += (i % 2 ? trapInStep() : trapAfterAllocating()) ? 1 : 0;
t.check(traps === 500, `500 calls trapped (${traps})`);
t.check(ibp.trapped === 500 && !ibp.broken, `500 recoveries (${ibp.trapped}), module not broken`);
t.check(heap() === h0 && blocks() === b0, `no leak after 500 traps: heap ${heap()} vs ${h0}, blocks ${blocks()} vs ${b0}`);
t.check(sp() === s0, `stack pointer restored after 500 traps (${sp()} vs ${s0})`);

// ---- a stack pointer moved between calls (what a failure path that forgot it would do) -------
{
  const before = raw.ibp_w_stack_repairs();
  for (let i = 0; i < 100; i++) {
    raw.stackAlloc(64 * 1024); // unbracketed: the pointer moves and stays moved
    ex.ibp_version();          // the next call puts it back
  }
  t.check(sp() === s0 && raw.ibp_w_stack_repairs() - before === 100, `a moved stack pointer is put back at the next call (${raw.ibp_w_stack_repairs() - before} repairs)`);
}
{ // a worker's host keeps its instance after a recovered trap, and would replace a broken one
  const host = new EngineHost(await compileIbp(bytes));
  try { host.ibp.ex.ibp_run_step(BAD, 1n, 0, 0); } catch { /* the trap */ }
  t.check(host.ibp.trapped === 1 && !host.mustRenew && host.instances === 1, 'EngineHost: a recovered trap keeps the instance');
}

// ---- 500 failing creates in a row, traps and refusals mixed, then a good run ---------------
for (let i = 0; i < 500; i++) {
  if (i % 3 === 0) trapAfterAllocating();
  else try { Run.create(ibp, failing[i % failing.length]); } catch { /* refused */ }
}
t.check(heap() === h0 && sp() === s0, `500 mixed failures: heap ${heap()} vs ${h0}, sp ${sp()} vs ${s0}`);
const after = rowsOf(ibp);
t.check(same(after.rows, ref.rows) && same(after.theta, ref.theta), 'a good run afterwards gives the fresh module\'s bits');
t.check(heap() === h0 && sp() === s0, 'and leaves nothing behind');
t.check(ex.memory.buffer.byteLength === m0, `memory did not grow (${ex.memory.buffer.byteLength} vs ${m0} bytes)`);
t.done();
