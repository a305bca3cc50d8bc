// Helpers for tests that drive the `ibp` CLI (native binary, or the wasm build's ibp.js under
// node): run a config, parse the CSV it writes, get the exit code and the final message.
import { spawnSync } from 'node:child_process';

export function cliFromArgs(argv) {
  // argv: the command that runs ibp, e.g. ["build/native/ibp"] or ["node", "build/wasm/ibp.js"]
  if (!argv.length) throw new Error('usage: node <test>.mjs IBP_COMMAND...');
  return argv;
}

export function runIbp(cli, args) {
  const r = spawnSync(cli[0], [...cli.slice(1), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Parse the metrics CSV (comment lines start with '#'; empty field = not measured -> NaN).
export function parseCsv(text) {
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  const cols = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v))));
  const col = (name) => {
    const j = cols.indexOf(name);
    if (j < 0) throw new Error(`no column ${name} in ${cols.join(',')}`);
    return rows.map((r) => r[j]);
  };
  return { cols, rows, col };
}

export function runConfig(cli, config, extra = []) {
  const r = runIbp(cli, ['run', config, '--quiet', ...extra]);
  const parsed = r.stdout && r.stdout.includes('\n') ? parseCsv(r.stdout) : null;
  return { ...r, csv: parsed };
}

export class Checker {
  constructor() { this.passed = 0; this.failed = 0; }
  check(ok, what) {
    if (ok) this.passed++;
    else { this.failed++; console.error('FAIL', what); }
  }
  done() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exit(this.failed ? 1 : 0);
  }
}

export const lastFinite = (a) => { for (let i = a.length - 1; i >= 0; i--) if (Number.isFinite(a[i])) return a[i]; return NaN; };
export const firstFinite = (a) => a.find((x) => Number.isFinite(x));
// science.md: monotone means L_{t+1} <= L_t (1 + 1e-12) at every step. Below `floor` the loss is
// float64 round-off (e.g. f ~ 1e-16 gives L ~ 1e-32, flickering between adjacent levels): steps
// that start there are not judged. The floor is 4 orders of magnitude above that flicker.
export const ROUNDOFF_FLOOR = 1e-28;
export const isMonotone = (loss, floor = ROUNDOFF_FLOOR) =>
  loss.every((l, i) => i === 0 || loss[i - 1] < floor || l <= loss[i - 1] * (1 + 1e-12));
