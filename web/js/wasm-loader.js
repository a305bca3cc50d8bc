// wasm-loader.js -- the tiny loader of ibp.wasm (no Emscripten glue): compile, instantiate, call
// the reactor's _initialize, and wrap strings and typed-array views. Used by the Web Workers and by
// node scripts (tests, benchmarks) alike: it touches no DOM and no node API.
//
// The module is standalone (-sSTANDALONE_WASM --no-entry): its only import is
// env.emscripten_notify_memory_growth, called when the heap grows (views must then be remade).
//
// Failures inside the module: one mechanism, the module's own (src/wasm/wasm_exports.c). Every
// export call is bracketed (guardExports): a trap (an engine bug, the JS engine's stack limit)
// unwinds to JS, and the module then frees what the trapping call allocated and puts its stack
// pointer back; a stack pointer found moved between calls is put back too. The error still
// reaches the caller, who drops (destroys) the object the call worked on. Only when the trap hit
// the allocator itself (Ibp.broken) is the heap not to be trusted: EngineHost then replaces the
// instance (no recompilation).

export async function loadIbp(source) {
  return instantiateIbp(await compileIbp(source));
}

// The compiled module, kept so that a fresh instance costs no compilation (EngineHost below).
// source: a Response / Promise<Response> (browser: streaming compilation) or bytes.
export async function compileIbp(source) {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  const resp = await source;
  if (WebAssembly.compileStreaming && resp.headers?.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(resp);
  }
  return WebAssembly.compile(await resp.arrayBuffer());
}

// A fresh instance of a compiled module, synchronously (workers and node allow it for any size).
export function instantiateIbp(module) {
  let memoryGrew = () => {};
  const imports = { env: { emscripten_notify_memory_growth: () => memoryGrew() } };
  const instance = new WebAssembly.Instance(module, imports);
  const ex = instance.exports;
  if (ex._initialize) ex._initialize();
  return new Ibp(ex, (fn) => { memoryGrew = fn; });
}

// The module of a worker: the compiled module and its current instance. After a trap, afterTrap()
// says whether the instance must be given up (the module could not vouch for its heap, or it is
// an old module without the bracket); then renew() makes a fresh one.
export class EngineHost {
  constructor(module) {
    this.module = module;
    this.instances = 0;   // how many times the module was instantiated
    this.renew();
  }
  renew() {
    this.ibp = instantiateIbp(this.module);
    this.instances++;
    return this.ibp;
  }
  get mustRenew() { return this.ibp.broken || this.ibp.ex === this.ibp.raw; }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

// The bracket of every export call (see the top). `trapped` counts the recoveries; `broken` is set
// when a trap hit inside the allocator: then only a new instance is safe. The module's own stack
// exports (stackSave, stackRestore, stackAlloc) and the ledger's readers are not bracketed.
const BRACKET = new Set(['ibp_w_call_begin', 'ibp_w_call_end', 'ibp_w_recover', 'ibp_w_heap_in_use',
  'ibp_w_heap_blocks', 'ibp_w_stack_pointer', 'ibp_w_stack_repairs', 'stackSave', 'stackRestore', 'stackAlloc']);

export function guardExports(raw, onTrap = () => {}) {
  if (typeof raw.ibp_w_call_begin !== 'function') return raw; // an old module: nothing to guard with
  const ex = {};
  for (const [name, f] of Object.entries(raw)) {
    if (typeof f !== 'function' || BRACKET.has(name)) { ex[name] = f; continue; }
    ex[name] = (...args) => {
      raw.ibp_w_call_begin();
      let ok = false;
      try {
        const r = f(...args);
        ok = true;
        return r;
      } finally {
        if (ok) raw.ibp_w_call_end();
        else onTrap(raw.ibp_w_recover() === 0);
      }
    };
  }
  return ex;
}

export class Ibp {
  constructor(exports, onGrow) {
    this.raw = exports;
    this.trapped = 0;
    this.broken = false;
    this.ex = guardExports(exports, (recovered) => { this.trapped++; if (!recovered) this.broken = true; });
    onGrow(() => {}); // views are recomputed on every access below, so growth needs no action
    this.enums = JSON.parse(this.textOf((buf, cap) => this.ex.ibp_w_enums(buf, cap)));
  }
  get heapU8() { return new Uint8Array(this.ex.memory.buffer); }
  get heapF64() { return new Float64Array(this.ex.memory.buffer); }

  // A NUL-terminated UTF-8 copy of s in the heap; free it with this.free.
  cstr(s) {
    if (s == null) return 0;
    const bytes = enc.encode(String(s));
    const p = this.ex.ibp_w_malloc(bytes.length + 1);
    if (!p) throw new Error('out of memory in the WebAssembly heap');
    const heap = this.heapU8;
    heap.set(bytes, p);
    heap[p + bytes.length] = 0;
    return p;
  }
  free(p) { if (p) this.ex.ibp_w_free(p); }
  readCStr(p, max = Infinity) {
    if (!p) return '';
    const heap = this.heapU8;
    let end = p;
    while (heap[end] !== 0 && end - p < max) end++;
    return dec.decode(heap.subarray(p, end));
  }
  // Text from a snprintf-style writer fn(buf, cap) -> needed length.
  textOf(fn) {
    const need = fn(0, 0);
    const p = this.ex.ibp_w_malloc(need + 1);
    try {
      fn(p, need + 1);
      return this.readCStr(p, need);
    } finally {
      this.ex.ibp_w_free(p);
    }
  }
  // Call fn(errPtr, errLen) and return [result, message].
  withErr(fn, len = 1024) {
    const e = this.ex.ibp_w_malloc(len);
    this.heapU8[e] = 0;
    try {
      const r = fn(e, len);
      return [r, this.readCStr(e)];
    } finally {
      this.ex.ibp_w_free(e);
    }
  }
  formatDouble(x) {
    const p = this.ex.ibp_w_malloc(32);
    try {
      const n = this.ex.ibp_format_double(p, x);
      return this.readCStr(p, n);
    } finally {
      this.ex.ibp_w_free(p);
    }
  }
}
