// eta-bands.js -- the theory's regimes of the learning rate for the chosen model, in units of the
// stability edge c = eta S0 / 2 (c = 1 is eta = 2/S0), for the slider's bands. Only where a paper
// gives them; elsewhere the part above the edge is left open (no band is invented). Pure.
//   half-MSE two-layer linear nets and factorizations (the uv model, the scalar chain, xy = mu):
//     lazy c < 1, catapult 1 < c < 2, divergent c > 2 (Lewkowycz et al. 2020: 2 < eta lambda0 < 4;
//     Wang et al. 2022 for the factorization); lambda0 = S0 at init for half-MSE up to the residual
//   logistic loss: monotone c < 1; above it the loss oscillates and settles with eta S just below
//     2, and nothing diverges since |l'| <= 1 (Huang et al. 2020)
//   other models: stable at initialization for c < 1 (GD on the quadratic model); above it the
//     run catapults or trains at the edge of stability (Cohen et al. 2021), with no sharp edge of
//     divergence from the theory
export const SLIDER = Object.freeze({ min: 0.05, max: 8 }); // the slider's range of c (log scale)

// full: the run's full config as a Map (kv.js pairsMap). -> { bands: [{ from, to, kind, label,
// help }], source }
export function etaBands(full) {
  const get = (k, d = '') => (full.has(k) ? full.get(k) : d);
  const model = get('model', 'mlp'), loss = get('loss', 'mse_half');
  const twoLayerLinear = model === 'linear' && get('depth', '2') === '2';
  if (loss === 'logistic') {
    return {
      source: 'Huang et al. 2020',
      bands: [
        { from: 0, to: 1, kind: 'lazy', label: 'monotone', help: 'the loss falls monotonically' },
        { from: 1, to: Infinity, kind: 'open', label: 'oscillates, settles below 2/η', help: 'the loss oscillates, then settles with η S just below 2; the logistic loss never diverges (|ℓ′| ≤ 1)' },
      ],
    };
  }
  if (model === 'mf' || twoLayerLinear) {
    return {
      source: model === 'mf' ? 'Wang et al. 2022; Lewkowycz et al. 2020' : 'Lewkowycz et al. 2020',
      bands: [
        { from: 0, to: 1, kind: 'lazy', label: 'lazy', help: 'GD converges near where it started; the curvature barely moves' },
        { from: 1, to: 2, kind: 'catapult', label: 'catapult', help: 'the loss first blows up, the curvature falls below the edge, and GD lands somewhere flatter (more balanced)' },
        { from: 2, to: Infinity, kind: 'divergent', label: 'divergent', help: 'nothing brings the curvature under the edge fast enough: the run diverges' },
      ],
    };
  }
  return {
    source: 'Cohen et al. 2021; Lewkowycz et al. 2020',
    bands: [
      { from: 0, to: 1, kind: 'lazy', label: 'stable at init', help: 'stable on the quadratic model at initialization; progressive sharpening may still bring the sharpness up to 2/η later' },
      { from: 1, to: Infinity, kind: 'open', label: 'catapult or edge of stability', help: 'unstable at initialization: the run catapults to a flatter region or trains at the edge of stability; the theory gives no sharp edge of divergence here' },
    ],
  };
}

// Slider position (0..1000) <-> c, on a log scale over SLIDER.
export const cOfPos = (pos) => SLIDER.min * (SLIDER.max / SLIDER.min) ** (pos / 1000);
export const posOfC = (c) => Math.round(1000 * Math.min(1, Math.max(0, Math.log(c / SLIDER.min) / Math.log(SLIDER.max / SLIDER.min))));
