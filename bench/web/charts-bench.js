// charts-bench.js -- the cost of one chart frame with 4 series of 1e5 points each, drawn the way
// the page draws them (series.js decimation + charts.js ChartBoard). Results go to #result as
// text and to globalThis.benchResult for bench.mjs.
import { ChartBoard } from '../js/charts.js';
import { RunData, seriesPoints } from '../js/series.js';

const N = 100000;
const cols = ['step', 'sharpness', 'eig2', 'eig3', 'lambda_min', 'lr'];
const store = new RunData(cols);
const rows = new Float64Array(N * cols.length);
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let i = 0; i < N; i++) {
  const s = 10 - 7 * Math.exp(-i / 20000) + 0.3 * Math.sin(i / 37) + (i % 9973 === 0 ? 4 : 0);
  rows.set([i, s, 0.7 * s + 0.1 * rnd(), 0.4 * s + 0.1 * rnd(), -0.5 + 0.2 * rnd(), 0.2], i * cols.length);
}
store.append(cols, rows, N);

function median(a) { const b = [...a].sort((x, y) => x - y); return b[Math.floor(b.length / 2)]; }

async function frames(n, fn) {
  const out = [];
  for (let k = 0; k < n; k++) {
    await new Promise((r) => requestAnimationFrame(r));
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const board = new ChartBoard(document.getElementById('charts'));
board.setCurrent(store);
// let the board make its charts (one a frame) and draw them once
for (let k = 0; k < 20; k++) await new Promise((r) => requestAnimationFrame(r));
const panel = board.panels.get('sharpness');

// decimation alone: 4 series of 1e5 points to a 420-px chart
const dec = await frames(30, () => {
  for (const c of ['sharpness', 'eig2', 'eig3', 'lambda_min']) seriesPoints(store, { col: c }, 140);
});
// a full chart frame: decimate + Chart.js update and draw of the 4 series (+ the 2/eta line)
const full = await frames(30, () => panel.render(store, [], []));
const drawnPoints = panel.chart.data.datasets.reduce((a, d) => a + d.data.length, 0);
// with two kept runs overlaid (3 x 5 series)
const kept = [{ store: store.clone() }, { store: store.clone() }];
const over = await frames(20, () => panel.render(store, kept, []));

const result = {
  points: N, series: 4,
  decimateMs: median(dec), frameMs: median(full), frameMaxMs: Math.max(...full),
  overlayFrameMs: median(over),
  drawnPoints,
};
globalThis.benchResult = result;
document.getElementById('result').textContent = JSON.stringify(result);
