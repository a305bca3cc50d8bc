// ibp sweep --resume and ibp merge's checks (issue 13): a shard killed mid-run (SIGKILL, twice)
// and run again ends byte for byte as the shard run in one go, and its merge is the unsharded
// sweep; a file cut anywhere (inside the header, between rows, inside a row) or damaged after
// its complete rows resumes to the same bytes; a file of another sweep or shard is refused and
// left as it is; --check reports without touching anything; merge names partial, unfinished,
// damaged and foreign parts. Usage: node tests/cli_resume.mjs IBP_COMMAND...
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, runIbp, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const wasm = /node$/.test(cli[0]); // the wasm CLI under node: no file locks (NODERAWFS)
const t = new Checker();
const dir = mkdtempSync(join(tmpdir(), 'ibp-resume-'));
const f = (n) => join(dir, n);
const read = (p) => readFileSync(p, 'latin1');
const rowsOf = (text) => text.split('\n').filter((l) => /^\d/.test(l));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 24 cells of the catapult setup, about 40 ms each natively; shard 1 of 2 runs 12
const base = 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&ntk=1&steps=1500&measure=0';
const vary = ['--vary', 'lr_rel=lin:0.5:3.5:12', '--vary', 'seed=0,1'];
const sweep = (...extra) => runIbp(cli, ['sweep', base, ...vary, ...extra]);

let r = sweep('--out', f('all.csv'));
t.check(r.code === 0, `the unsharded sweep runs (${r.stderr})`);
const all = read(f('all.csv'));
for (const i of [1, 2]) sweep('--shard', `${i}/2`, '--out', f(`ref${i}.csv`));
const ref1 = read(f('ref1.csv')), ref2 = read(f('ref2.csv'));
t.check(rowsOf(ref1).length === 12 && rowsOf(ref2).length === 12, 'each shard has 12 rows');

// ---- killed mid-run, twice, then run to the end --------------------------------------------
// The process is stopped (SIGSTOP) once its file has `atLeast` more rows than `from`, so that it
// is certainly mid-run when its rows are counted, then killed with SIGKILL.
async function killMidRun(out, from, atLeast) {
  const p = spawn(cli[0], [...cli.slice(1), 'sweep', base, ...vary, '--shard', '1/2', '--resume', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => p.on('exit', (code, signal) => res({ code, signal })));
  let rows = 0, ended = null;
  exited.then((e) => { ended = e; });
  for (let i = 0; i < 6000 && !ended; i++) { // at most a minute
    rows = existsSync(out) ? rowsOf(read(out)).length : 0;
    if (rows >= from + atLeast) break;
    await sleep(10);
  }
  if (ended) return { finished: true, stderr };
  p.kill('SIGSTOP');
  await sleep(50);
  rows = rowsOf(read(out)).length;
  p.kill('SIGKILL');
  const e = await exited;
  return { rows, signal: e.signal, stderr };
}

const part = f('killed.csv');
let k1 = await killMidRun(part, 0, 2);
t.check(!k1.finished && k1.signal === 'SIGKILL' && k1.rows >= 2 && k1.rows < 12,
  `first kill mid-run (${k1.finished ? 'it finished first' : `${k1.rows} of 12 rows, ${k1.signal}`})`);
t.check(ref1.startsWith(read(part)), 'the killed shard\'s file is a prefix of the shard run in one go');
let k2 = await killMidRun(part, k1.rows ?? 0, 2);
t.check(!k2.finished && k2.signal === 'SIGKILL' && k2.rows >= (k1.rows ?? 0) + 2 && k2.rows < 12,
  `second kill mid-run (${k2.finished ? 'it finished first' : `${k2.rows} of 12 rows`})`);
t.check(new RegExp(`resuming the shard: ${k1.rows} of 12 cells are already in`).test(k2.stderr), `the second run resumed after ${k1.rows} (${k2.stderr})`);
r = sweep('--shard', '1/2', '--resume', '--out', part);
t.check(r.code === 0 && new RegExp(`resuming the shard: ${k2.rows} of 12 cells`).test(r.stderr), `the last run resumed after ${k2.rows} (${r.stderr})`);
t.check(read(part) === ref1, 'killed twice and resumed: byte for byte the shard run in one go');
r = runIbp(cli, ['merge', part, f('ref2.csv'), '--out', f('merged.csv')]);
t.check(r.code === 0 && read(f('merged.csv')) === all, `merged with the other shard: the unsharded sweep (${r.stderr})`);
r = sweep('--shard', '1/2', '--resume', '--out', part);
t.check(r.code === 0 && /every cell of this shard \(12\) is already in/.test(r.stderr) && read(part) === ref1,
  `a complete shard: nothing runs, the file is unchanged (${r.stderr})`);

// ---- a file cut anywhere resumes to the same bytes ----------------------------------------
// A cheap sweep (4 cells in shard 2 of 2) so that many cut points can be tried.
const cheap = ['sweep', 'model=linear&steps=30', '--vary', 'lr=0.05,0.1,0.2,5', '--vary', 'seed=1,2', '--shard', '2/2'];
runIbp(cli, [...cheap, '--out', f('cheap.csv')]);
const c = read(f('cheap.csv'));
const hdrLen = c.indexOf('\ncell,') + c.slice(c.indexOf('\ncell,') + 1).indexOf('\n') + 2;
const cuts = new Set([0, 1, 10, hdrLen - 1, hdrLen]);
let pos = hdrLen;
for (const row of rowsOf(c)) { cuts.add(pos + 1); cuts.add(pos + (row.length >> 1)); cuts.add(pos + row.length); cuts.add(pos + row.length + 1); pos += row.length + 1; }
for (const cut of [...cuts].filter((x) => x <= c.length).sort((a, b) => a - b)) {
  writeFileSync(f('cut.csv'), c.slice(0, cut), 'latin1');
  r = runIbp(cli, [...cheap, '--resume', '--out', f('cut.csv')]);
  const inRow = cut > hdrLen && c[cut - 1] !== '\n';
  const note = cut > 0 && cut < hdrLen ? /ends inside its header: starting the shard again/ : inRow ? /dropping its partial last line/ : /^(?![\s\S]*dropping)/;
  t.check(r.code === 0 && read(f('cut.csv')) === c && note.test(r.stderr), `cut at byte ${cut} of ${c.length}: resumed to the same bytes (${r.code}: ${r.stderr.trim()})`);
}

// ---- damage after complete rows: dropped, and those cells run again -----------------------
const firstRows = c.slice(0, hdrLen + rowsOf(c).slice(0, 2).join('\n').length + 1);
const rows = rowsOf(c);
const damaged = {
  'NUL blocks (a crashed node)': firstRows + '\0'.repeat(300) + '\n' + rows.slice(2).join('\n') + '\n',
  'a row written twice': firstRows + rows[1] + '\n' + rows.slice(2).join('\n') + '\n',
  'a row of another cell': firstRows + rows[3] + '\n',
  'a row with a field lost': firstRows + rows[2].replace(/,[^,]*,/, ',') + '\n',
  'text after the last row': c + 'extra\n',
};
for (const [what, text] of Object.entries(damaged)) {
  writeFileSync(f('damaged.csv'), text, 'latin1');
  r = runIbp(cli, [...cheap, '--resume', '--out', f('damaged.csv')]);
  t.check(r.code === 0 && read(f('damaged.csv')) === c && /keeping its first \d+ rows and dropping/.test(r.stderr),
    `${what}: dropped and run again (${r.stderr.trim()})`);
}

// ---- refusals: the file is left as it is -------------------------------------------------
const refused = {
  'another shard': [f('ref2.csv'), ['--shard', '1/2'], /holds another sweep or shard[\s\S]*# shard: 2\/2[\s\S]*# shard: 1\/2/],
  'another sweep': [f('cheap.csv'), ['--shard', '1/2'], /holds another sweep or shard, so it is left as it is: its line 2 is/],
  'a text file': [f('notes.txt'), [], /holds another sweep or shard/],
};
writeFileSync(f('notes.txt'), 'my notes\n');
for (const [what, [file, extra, msg]] of Object.entries(refused)) {
  const before = read(file);
  r = sweep(...extra, '--resume', '--out', file);
  t.check(r.code === 2 && msg.test(r.stderr) && read(file) === before, `${what}: refused, the file unchanged (${r.stderr.trim()})`);
}
r = sweep('--resume');
t.check(r.code === 2 && /--resume needs --out FILE/.test(r.stderr), `--resume without --out (${r.stderr.trim()})`);
mkdirSync(f('adir'));
r = sweep('--resume', '--out', f('adir'));
t.check(r.code === 2 && /adir/.test(r.stderr), `--resume into a directory (${r.stderr.trim()})`);

// ---- --check: the plan and, with --resume, what is done; nothing is written ----------------
writeFileSync(f('half.csv'), ref1.slice(0, ref1.indexOf(rowsOf(ref1)[5])), 'latin1');
const half = read(f('half.csv'));
r = sweep('--shard', '1/2', '--resume', '--check', '--out', f('half.csv'));
t.check(r.code === 0 && r.stdout === '{"cells":24,"shard":1,"nshards":2,"shard_cells":12,"done":5}\n' && read(f('half.csv')) === half,
  `--check --resume reports 5 done and leaves the file (${r.stdout})`);
r = sweep('--shard', '1/2', '--resume', '--check', '--out', f('none.csv'));
t.check(r.code === 0 && /"done":0\}/.test(r.stdout) && !existsSync(f('none.csv')), `--check --resume of no file: 0 done, nothing created (${r.stdout})`);
r = sweep('--shard', '2/2', '--resume', '--check', '--out', f('half.csv'));
t.check(r.code === 2 && /holds another sweep or shard/.test(r.stderr), `--check --resume of another shard's file (${r.stderr.trim()})`);
r = sweep('--shard', '2/5', '--check');
const js = r.code === 0 ? JSON.parse(r.stdout) : {};
t.check(js.cells === 24 && js.shard === 2 && js.nshards === 5 && js.shard_cells === 5 && js.estimated_seconds > 0 &&
  js.estimated_seconds_all > js.estimated_seconds, `--check: counts and estimates (${r.stdout})`);

// ---- merge names what is wrong -------------------------------------------------------------
const mergeErr = (files) => runIbp(cli, ['merge', ...files]);
r = mergeErr([f('half.csv'), f('ref2.csv')]);
t.check(r.code === 2 && /half\.csv \(shard 1\/2\) has 5 of its 12 cells: it has not finished/.test(r.stderr) && /--resume/.test(r.stderr),
  `an unfinished shard (${r.stderr.trim()})`);
writeFileSync(f('torn.csv'), ref1.slice(0, -10), 'latin1');
r = mergeErr([f('torn.csv'), f('ref2.csv')]);
t.check(r.code === 2 && /has 11 of its 12 cells and a partial last line/.test(r.stderr), `a partial last line (${r.stderr.trim()})`);
writeFileSync(f('bad.csv'), ref1.replace(rowsOf(ref1)[3], rowsOf(ref1)[3].replace(/,lazy,|,catapult,/, ',fast,')), 'latin1');
r = mergeErr([f('bad.csv'), f('ref2.csv')]);
t.check(r.code === 2 && /bad\.csv: line 11 is not a row: cell 6: summary field 1 is "fast", not a regime/.test(r.stderr), `a damaged row (${r.stderr.trim()})`);
r = mergeErr([f('notes.txt'), f('ref2.csv')]);
t.check(r.code === 2 && /notes\.txt is not a file of ibp sweep/.test(r.stderr) && /1 of 2 shards missing: 1\/2/.test(r.stderr), `a foreign file (${r.stderr.trim()})`);
writeFileSync(f('empty.csv'), '');
r = mergeErr([f('empty.csv'), f('ref1.csv'), f('ref2.csv')]);
t.check(r.code === 2 && /empty\.csv: it is empty/.test(r.stderr), `an empty part (${r.stderr.trim()})`);
r = mergeErr([f('cheap.csv'), f('ref1.csv')]);
t.check(r.code === 2 && /belongs to a different sweep/.test(r.stderr), `parts of two sweeps (${r.stderr.trim()})`);

// ---- a config longer than any fixed buffer (8 KB of inline data) is kept whole ---------------
const xs = Array.from({ length: 1500 }, (_, i) => (i % 7) / 7).join(',');
const longCfg = ['sweep', `model=linear&data=inline&xs=${xs}&ys=${xs}&steps=3&measure=0`, '--vary', 'lr=0.1,0.2,0.3'];
runIbp(cli, [...longCfg, '--out', f('long.csv')]);
for (const i of [1, 2]) runIbp(cli, [...longCfg, '--shard', `${i}/2`, '--out', f(`long${i}.csv`)]);
r = runIbp(cli, ['merge', f('long1.csv'), f('long2.csv'), '--out', f('longm.csv')]);
const longAll = read(f('long.csv'));
t.check(longAll.split('\n')[1].length > 8192 && r.code === 0 && read(f('longm.csv')) === longAll,
  `a ${longAll.split('\n')[1].length}-byte config line: the shards merge to the unsharded sweep (${r.stderr.trim()})`);

// ---- the lock: one writer per file (natively; the wasm CLI's file system has no locks) ------
if (!wasm) {
  const p = spawn(cli[0], [...cli.slice(1), 'sweep', base, ...vary, '--shard', '1/2', '--resume', '--out', f('locked.csv')], { stdio: 'ignore' });
  for (let i = 0; i < 6000 && !(existsSync(f('locked.csv')) && rowsOf(read(f('locked.csv'))).length >= 1); i++) await sleep(10);
  p.kill('SIGSTOP');
  const before = read(f('locked.csv'));
  r = sweep('--shard', '1/2', '--resume', '--out', f('locked.csv'));
  t.check(r.code === 2 && /is being written by another process/.test(r.stderr) && read(f('locked.csv')) === before,
    `a second writer is refused (${r.stderr.trim()})`);
  p.kill('SIGKILL');
  await new Promise((res) => p.on('exit', res));
  r = sweep('--shard', '1/2', '--resume', '--out', f('locked.csv'));
  t.check(r.code === 0 && read(f('locked.csv')) === ref1, 'once the writer is gone, the shard resumes');

  // --lock-wait: a requeued task that starts while the old process is still being killed waits
  // for it (Slurm's KillWait), then resumes from the rows the old one wrote
  const q = spawn(cli[0], [...cli.slice(1), 'sweep', base, ...vary, '--shard', '1/2', '--resume', '--out', f('waited.csv')], { stdio: 'ignore' });
  for (let i = 0; i < 6000 && !(existsSync(f('waited.csv')) && rowsOf(read(f('waited.csv'))).length >= 1); i++) await sleep(10);
  q.kill('SIGSTOP');
  const held = read(f('waited.csv'));
  const t0 = Date.now();
  r = sweep('--shard', '1/2', '--resume', '--lock-wait', '0.6', '--out', f('waited.csv'));
  const waitedMs = Date.now() - t0;
  t.check(r.code === 2 && /still held the file after --lock-wait/.test(r.stderr) && waitedMs >= 550 && read(f('waited.csv')) === held,
    `--lock-wait 0.6 waits ${waitedMs} ms, then refuses and leaves the file (${r.stderr.trim()})`);
  const w = spawn(cli[0], [...cli.slice(1), 'sweep', base, ...vary, '--shard', '1/2', '--resume', '--lock-wait', '60', '--out', f('waited.csv')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let werr = '';
  w.stderr.on('data', (d) => { werr += d; });
  const wexit = new Promise((res) => w.on('exit', (code) => res(code)));
  await sleep(1000);
  t.check(w.exitCode === null && read(f('waited.csv')) === held, 'the waiting writer neither runs nor gives up while the old one holds the file');
  q.kill('SIGKILL');
  const wcode = await wexit;
  t.check(wcode === 0 && /waiting up to 60 s/.test(werr) && read(f('waited.csv')) === ref1,
    `once the old writer is killed, the waiting one resumes to the shard's bytes (${werr.trim().split('\n').join(' | ')})`);
}
for (const [v, why] of [['-1', 'seconds in'], ['abc', 'seconds in'], ['1e9', 'seconds in'], ['nan', 'seconds in'], ['', 'seconds in']]) {
  r = sweep('--shard', '1/2', '--resume', '--lock-wait', v, '--out', f('bad-wait.csv'));
  t.check(r.code === 2 && r.stderr.includes(why) && !existsSync(f('bad-wait.csv')), `--lock-wait "${v}" is refused (${r.stderr.trim()})`);
}
r = sweep('--shard', '1/2', '--lock-wait', '5', '--out', f('bad-wait.csv'));
t.check(r.code === 2 && /--lock-wait goes with --resume/.test(r.stderr), `--lock-wait without --resume is refused (${r.stderr.trim()})`);
// ---- --jobs stopped by a signal: children stopped, part files removed, rows kept, resumable ----
// The parent is signalled once its part files (in a TMPDIR of its own) hold at least 4 rows; its
// children are found by /proc before that.
// (a zombie has ended: an orphan's is reaped by init, which in a container may never do it)
const alive = (pid) => { try { process.kill(pid, 0); return !/^State:\s*Z/m.test(read(`/proc/${pid}/status`)); } catch { return false; } };
const partRows = (d) => readdirSync(d).reduce((n, p) => { try { return n + (read(join(d, p)).match(/\n/g) || []).length; } catch { return n; } }, 0);
async function stopJobs(sig, out, extra = []) {
  const tmp = mkdtempSync(join(dir, 'tmp-'));
  const p = spawn(cli[0], [...cli.slice(1), 'sweep', base, ...vary, '--jobs', '2', '--out', out, ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const ended = new Promise((res) => p.on('exit', (code, signal) => res({ code, signal })));
  let kids = [];
  for (let i = 0; i < 600 && (kids.length < 2 || partRows(tmp) < 4); i++) {
    await sleep(10);
    try { kids = read(`/proc/${p.pid}/task/${p.pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number); } catch { /* not yet */ }
  }
  t.check(kids.length === 2, `${sig}: the sweep has its 2 children (${kids})`);
  p.kill(sig);
  const end = await ended;
  await sleep(300);
  return { ...end, stderr, kids, tmp };
}
if (!wasm) {
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    const out = f(`jobs-${sig}.csv`);
    const e = await stopJobs(sig, out);
    const got = existsSync(out) ? read(out) : '';
    const rows = rowsOf(got);
    t.check(e.code === 2 && new RegExp(`stopped by ${sig}`).test(e.stderr) && /--resume/.test(e.stderr),
      `${sig}: the sweep stops with exit code 2 and says how to go on (${e.code} ${e.signal} ${e.stderr.trim()})`);
    t.check(e.kids.every((k) => !alive(k)), `${sig}: no child survives (${e.kids.filter(alive)})`);
    t.check(readdirSync(e.tmp).length === 0, `${sig}: no part file is left (${readdirSync(e.tmp)})`);
    t.check(rows.length >= 2 && rows.length < 24 && all.startsWith(got),
      `${sig}: ${out} holds the first ${rows.length} rows of the sweep, byte for byte`);
    r = sweep('--resume', '--jobs', '2', '--out', out);
    t.check(r.code === 0 && read(out) === all && new RegExp(`${rows.length} of 24 cells are already`).test(r.stderr),
      `${sig}: --resume --jobs 2 ends as the sweep run in one go (${r.stderr.trim()})`);
  }
  // the parent killed outright (SIGKILL): its children go with it (PR_SET_PDEATHSIG)
  const e = await stopJobs('SIGKILL', f('jobs-kill.csv'));
  t.check(e.kids.length === 2 && e.kids.every((k) => !alive(k)), `SIGKILL: no child survives its parent (${e.kids.filter(alive)})`);
  r = sweep('--resume', '--jobs', '3', '--out', f('jobs-kill.csv'));
  t.check(r.code === 0 && read(f('jobs-kill.csv')) === all, `SIGKILL: --resume --jobs 3 ends as the sweep run in one go (${r.stderr.trim()})`);
}
t.done();
