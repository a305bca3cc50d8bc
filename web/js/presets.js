// presets.js -- named experiments offered by the page (and later by the gallery and the embed
// API). Each is a config of the engine's language; the engine validates it like any other.
import { DEFAULT_CONFIG } from './link.js';

export const PRESETS = Object.freeze([
  { id: 'eos', name: 'Edge of stability (tanh MLP)', config: DEFAULT_CONFIG,
    help: 'Progressive sharpening: the sharpness S climbs until it reaches 2/η, then hovers there while the loss keeps falling, non-monotonically.' },
  { id: 'catapult', name: 'Catapult (wide linear net, NTK)',
    config: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=2000&ntk=1',
    help: 'Lewkowycz et al. 2020: with 2 < η λ₀ < 4 the loss first grows, the curvature drops, and the run lands in a flatter region.' },
  { id: 'diverge', name: 'Divergence (η too large)',
    config: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=2000&ntk=1',
    help: 'Beyond η λ₀ = 4 no catapult can save the run: it diverges, and the page says why.' },
  { id: 'uv', name: 'uv factorization: GD picks a flat minimizer',
    config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000',
    help: '1/2 (1 − xy)²: from an unbalanced start, a large η throws the iterate towards the balanced, flat minimizers inside the stable set.' },
  { id: 'chain', name: 'Scalar chain w₂ w₁ x',
    config: 'model=linear&depth=2&width=1&data=inline&xs=1&ys=1&init=3,0.1&lr_rel=2.5&steps=3000',
    help: 'A depth-2 scalar linear network on one sample: the same hyperbola of minimizers, reached through the network’s own parameterization.' },
  { id: 'mc', name: 'Deep linear regression (Marion–Chizat)',
    config: 'model=linear&depth=4&d=5&width=5&data=mc&n=50&noise=1&init=normal&init_scale=0.3&lr=0.01&steps=3000&topk=3&lambda_min=1',
    help: 'A depth-4 linear network: sharpness against the smallest sharpness any minimizer can have.' },
  { id: 'mf', name: 'Matrix factorization, small init',
    config: 'model=mf&rows=20&cols=15&rank=3&init=normal&init_scale=1e-3&lr=0.3&steps=3000',
    help: 'Incremental learning: from a tiny initialization the singular values are learned one at a time.' },
  { id: 'moons', name: 'Classification: GELU net on moons',
    config: 'model=mlp&depth=2&width=16&act=gelu&data=moons&n=64&loss=logistic&lr=0.5&steps=3000',
    help: 'Logistic loss on separable data: the loss goes to zero and the normalized margin grows.' },
]);

export function presetOf(canonicalConfig, canonicalOfPreset) {
  return PRESETS.find((p) => canonicalOfPreset.get(p.id) === canonicalConfig) || null;
}
