// embed-demo.js -- the host side of the embed API (EMBED.md), as a page that embeds the
// playground would write it: build the widget links, send commands, listen to events from the
// widgets' origin only, and size each iframe to the height its widget reports.
//
// ?widget=PATH names another copy of the widget on this site (e.g. ?widget=v2/embed.html). Only a
// same-origin path to a widget page (…/embed.html) is taken: this page must never frame whatever a
// link names (another site's content inside ours would be spoofing, or phishing).
const DEFAULT_WIDGET = 'embed.html';

// The widget URL ?widget= asks for, or null when it is not a same-origin widget page.
function widgetUrl(asked) {
  if (asked === null) return new URL(DEFAULT_WIDGET, location.href);
  let u;
  try { u = new URL(asked, location.href); } catch { return null; }
  if (u.origin !== location.origin || !u.pathname.endsWith(`/${DEFAULT_WIDGET}`)) return null;
  return new URL(u.pathname, location.href); // its path only: no query, no hash of the link's choosing
}

const asked = new URLSearchParams(location.search).get('widget');
let base = widgetUrl(asked);
if (!base) {
  base = new URL(DEFAULT_WIDGET, location.href);
  const note = document.getElementById('widget-note');
  note.textContent = `?widget=${asked.slice(0, 120)} was ignored: this page frames only a widget page (…/${DEFAULT_WIDGET}) of its own site. It shows ${base.pathname}.`;
  note.hidden = false;
}
const widgetOrigin = base.origin;
const widgets = {};

for (const name of ['eos', 'uv']) {
  const frame = document.getElementById(`frame-${name}`);
  frame.src = `${base.href}#${frame.dataset.hash}`;
  widgets[name] = { frame, log: document.getElementById(`${name}-log`), nextId: 1, pending: new Map() };
}

function log(name, text) {
  const el = widgets[name].log;
  el.textContent = `${text}\n${el.textContent}`.split('\n').slice(0, 60).join('\n');
}

// A command; resolves with the widget's reply.
function send(name, msg) {
  const w = widgets[name];
  const id = w.nextId++;
  return new Promise((resolve, reject) => {
    w.pending.set(id, { resolve, reject });
    w.frame.contentWindow.postMessage({ ...msg, id }, widgetOrigin);
  });
}

const fmt = (x) => (typeof x === 'number' ? Number(x.toPrecision(5)).toString() : '—');

window.addEventListener('message', (e) => {
  if (e.origin !== widgetOrigin) return; // only the widgets' origin
  const name = Object.keys(widgets).find((n) => widgets[n].frame.contentWindow === e.source);
  const m = e.data;
  if (!name || !m || m.source !== 'ibp-playground') return;
  const w = widgets[name];
  switch (m.type) {
    case 'reply': {
      const p = w.pending.get(m.id);
      if (p) { w.pending.delete(m.id); if (m.ok) p.resolve(m.result); else p.reject(new Error(m.error)); }
      break;
    }
    case 'resize':
      w.frame.style.height = `${m.height}px`;
      break;
    case 'steps':
      document.getElementById(`${name}-step`).textContent = String(m.to);
      document.getElementById(`${name}-loss`).textContent = fmt(m.last.loss);
      document.getElementById(`${name}-sharpness`).textContent = fmt(m.last.sharpness);
      break;
    case 'ready':
      log(name, `ready: engine ${m.version}${m.build ? `, build ${m.build}` : ''}`);
      break;
    case 'catapult': case 'eos':
      log(name, `${m.label} at step ${m.step}`);
      break;
    case 'diverged': case 'finished':
      log(name, `${m.type}: ${m.message}`);
      break;
    case 'state':
      log(name, `${m.playing ? 'playing' : 'paused'} at step ${m.t}`);
      break;
    case 'error':
      log(name, `error: ${m.message}`);
      break;
    default:
      break;
  }
});

for (const b of document.querySelectorAll('button[data-cmd]')) {
  b.addEventListener('click', async () => {
    const name = b.dataset.target;
    try {
      switch (b.dataset.cmd) {
        case 'play': await send(name, { type: 'play' }); break;
        case 'pause': await send(name, { type: 'pause' }); break;
        case 'reset': await send(name, { type: 'reset' }); break;
        case 'step': await send(name, { type: 'step', n: 10 }); break;
        case 'eta': await send(name, { type: 'setEta', eta: Number(b.dataset.eta) }); log(name, `η set to ${b.dataset.eta}`); break;
        case 'preset': await send(name, { type: 'load', preset: b.dataset.preset, autoplay: true }); log(name, `loaded preset ${b.dataset.preset}`); break;
        case 'load': await send(name, { type: 'load', config: b.dataset.config, autoplay: true }); log(name, 'loaded a config'); break;
        case 'metrics': {
          const r = await send(name, { type: 'getMetrics', columns: ['step', 'loss', 'sharpness'], last: 5 });
          log(name, `metrics (last ${r.rows.length} rows of step ${r.t}):\n${r.rows.map((row) => row.map(fmt).join('  ')).join('\n')}`);
          break;
        }
        default: break;
      }
    } catch (err) {
      log(name, `refused: ${err.message}`);
    }
  });
}
