// presets.js -- the page's quick starts: named experiments, each a config of the engine's language
// (validated like any other), a one-line tagline, its view and its check, in the same form as a
// paper's preset (presets/presets.json):
//   view   { charts: [chart ids, the first is the main chart], window: [from, to] (the steps
//          where the phenomenon happens), x: { from, to } (the steps shown) or xLog: true (a
//          log-step axis), yFloor: { chart id: lowest y shown }, compare: { what, main, runs:
//          [{ label, set }] } (runs overlaid on the same axes, each the config with `set` replacing
//          its keys) }
//   check  the phenomenon in numbers (preset-check.js), evaluated live on the run shown
import { DEFAULT_CONFIG } from './link.js';

export const PRESETS = Object.freeze([
  { id: 'eos', name: 'Edge of stability (tanh MLP)', config: DEFAULT_CONFIG,
    tagline: 'Progressive sharpening: the sharpness climbs to 2/η and hovers there while the loss falls.',
    help: 'Progressive sharpening: the sharpness S climbs until it reaches 2/η, then hovers there while the loss keeps falling, non-monotonically.',
    view: { charts: ['sharpness', 'loss'], window: [0, 6000] },
    check: { kind: 'eos', tolerance: 0.1 } },
  { id: 'catapult', name: 'Catapult (wide linear net, NTK)',
    config: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=2000&ntk=1',
    tagline: 'Between 2/λ₀ and 4/λ₀ the loss first explodes, the curvature drops, and the run lands somewhere flatter.',
    help: 'Lewkowycz et al. 2020: with 2 < η λ₀ < 4 the loss first grows, the curvature drops, and the run lands in a flatter region.',
    view: { charts: ['loss', 'sharpness'], x: { from: 0, to: 60 }, window: [0, 20], yFloor: { loss: 1e-8 } },
    check: { kind: 'event', event: 'catapult' } },
  { id: 'diverge', name: 'Divergence (η too large)',
    config: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=2000&ntk=1',
    tagline: 'Beyond η λ₀ = 4 no catapult can save the run: it diverges within a few steps.',
    help: 'Beyond η λ₀ = 4 no catapult can save the run: it diverges, and the page says why.',
    view: { charts: ['loss', 'sharpness'], window: [0, 6] },
    check: { kind: 'event', event: 'diverged' } },
  { id: 'uv', name: 'uv factorization: GD picks a flat minimizer',
    config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000',
    tagline: '½ (1 − xy)²: a large η throws the iterate from a sharp minimizer to a flat one inside the stable disc.',
    help: '1/2 (1 − xy)²: from an unbalanced start, a large η throws the iterate towards the balanced, flat minimizers inside the stable set.',
    view: { charts: ['loss', 'balance'], xLog: true, window: [1, 100] },
    check: { kind: 'trajectory', target: 1 } },
  { id: 'chain', name: 'Scalar chain w₂ w₁ x',
    config: 'model=linear&depth=2&width=1&data=inline&xs=1&ys=1&init=3,0.1&lr_rel=2.5&steps=3000',
    tagline: 'A depth-2 scalar network on one sample: the same hyperbola of minimizers, the same flat landing.',
    help: 'A depth-2 scalar linear network on one sample: the same hyperbola of minimizers, reached through the network’s own parameterization.',
    view: { charts: ['loss', 'balance'], xLog: true, window: [1, 100] },
    check: { kind: 'trajectory', target: 1 } },
  { id: 'mc', name: 'Deep linear regression (Marion–Chizat)',
    config: 'model=linear&depth=4&d=5&width=5&data=mc&n=50&noise=1&init=normal&init_scale=0.3&lr=0.01&steps=3000&topk=3&lambda_min=1',
    tagline: 'A depth-4 linear network: its sharpness never falls below S_min, the flattest any minimizer can be.',
    help: 'A depth-4 linear network: sharpness against the smallest sharpness any minimizer can have.',
    view: { charts: ['bound', 'loss'], xLog: true, window: [1, 300] },
    check: { kind: 'series_ge', series: 's_ratio', min: 0.9999 } },
  { id: 'mf', name: 'Matrix factorization, small init',
    config: 'model=mf&rows=20&cols=15&rank=3&init=normal&init_scale=1e-3&lr=0.3&steps=3000',
    tagline: 'From a tiny initialization the singular values are learned one at a time.',
    help: 'Incremental learning: from a tiny initialization the singular values are learned one at a time.',
    // the singular values are learned between steps ~20 and ~60; after ~80 nothing moves
    view: { charts: ['sv', 'loss'], x: { from: 0, to: 150 }, window: [0, 100] },
    check: { kind: 'series_falls', series: 'loss', factor: 100 } },
  { id: 'moons', name: 'Classification: GELU net on moons',
    config: 'model=mlp&depth=2&width=16&act=gelu&data=moons&n=64&loss=logistic&lr=0.5&steps=3000',
    tagline: 'Logistic loss on separable data: the loss goes to zero and the decision boundary settles.',
    help: 'Logistic loss on separable data: the loss goes to zero and the normalized margin grows.',
    view: { charts: ['loss', 'margin'], window: [0, 3000] },
    check: { kind: 'series_falls', series: 'loss', factor: 10 } },
]);

// The view of a run no preset describes: every chart its columns give, the first two on top.
export const DEFAULT_VIEW = Object.freeze({ charts: ['loss', 'sharpness', 'edge'], window: null });

export function presetOf(canonicalConfig, canonicalOfPreset) {
  return PRESETS.find((p) => canonicalOfPreset.get(p.id) === canonicalConfig) || null;
}
