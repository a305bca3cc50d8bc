// setup.js -- a slow setup, said and cancellable: when making a run takes more than a moment (the
// sharpness at initialization for lr_rel on a big model, a large data set), the page says what the
// engine is computing, for how long so far, and offers Cancel (run-actions.js replaces the worker:
// the engine cannot be interrupted inside a call). The progress bar is indeterminate: the engine
// reports nothing while it computes, and a made-up percentage would be a lie.
import { setText } from './dom.js';

// ui: { box, text, progress, cancel }
export function mountSetup(ui) {
  let timer = 0, t0 = 0, plan = null, onCancel = null;
  const render = () => {
    if (!plan) return;
    const mib = Number.isFinite(plan.bytes) ? ` (a run of ${(plan.bytes / 1048576).toFixed(plan.bytes > 1e7 ? 0 : 1)} MiB)` : '';
    setText(ui.text, `Setting up: computing ${plan.what}${mib}… ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  ui.cancel.addEventListener('click', () => { const f = onCancel; show(null); if (f) f(); });
  // show({ what, bytes }, cancel) while the setup lasts; show(null) when it is over
  function show(p, cancel) {
    if (!p) {
      plan = null; onCancel = null;
      clearInterval(timer); timer = 0;
      ui.box.hidden = true;
      return;
    }
    if (!plan) t0 = performance.now() - 400;
    plan = p;
    onCancel = cancel || onCancel;
    ui.progress.removeAttribute('value'); // indeterminate
    ui.box.hidden = false;
    render();
    if (!timer) timer = setInterval(render, 250);
  }
  return { show };
}
