// The sweep grammar table (tests/sweep_cases.json) through the CLI: `ibp sweep BASE --vary ...
// --plan [--shard I/N]` prints the engine's plan and every cell's canonical config without
// running anything. The same table runs through the browser module in tests/engine_boundary.mjs.
// Usage: node tests/sweep_grammar.mjs IBP_COMMAND...   (the native binary, or node ibp-cli.js)
import { cliFromArgs, runIbp, Checker } from './cli_run.mjs';
import { cases, checkCase } from './sweep_cases.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const t = new Checker();

function plan(base, vary, shard) {
  const args = ['sweep', base, ...vary.flatMap((v) => ['--vary', v]), '--plan', ...(shard ? ['--shard', shard] : [])];
  const r = runIbp(cli, args);
  if (r.code !== 0) {
    t.check(r.code === 2 && r.stdout === '', `exit 2 and no output for a refused plan (${r.code})`);
    return { error: r.stderr.replace(/^ibp sweep: /, '').trim() };
  }
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const cells = new Map();
  for (const l of lines.slice(1)) {
    const [cell, config, why] = l.split('\t');
    cells.set(Number(cell), config === '!' ? `!${why}` : config ?? '');
  }
  return { plan: JSON.parse(lines[0]), cells, shard: [...cells.keys()] };
}

for (const c of cases) checkCase(t, c, plan);
t.check(cases.length >= 40, `the table has its cases (${cases.length})`);
t.done();
