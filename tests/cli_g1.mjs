// science.md G1 through the CLI: the three phases of the catapult (Lewkowycz et al. 2020).
// f(x) = v^T U x / sqrt(m), m = 1000, NTK parameterization, N(0,1) entries, one sample x = 1,
// y in {0, 1}, eta = c / lambda0 (lr_ref=ntk), T = 2000, seeds 0..4.
import { cliFromArgs, runConfig, Checker, firstFinite, lastFinite, isMonotone } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const t = new Checker();
for (const y of [0, 1]) {
  for (const c of [0.5, 1.9, 2.5, 3.0, 4.5, 6]) {
    for (let seed = 0; seed < 5; seed++) {
      const cfg = `model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=${y}` +
        `&lr_rel=${c}&lr_ref=ntk&steps=2000&ntk=1&measure=0&measure_every=2000&seed=${seed}`;
      const r = runConfig(cli, cfg);
      const tag = `G1 y=${y} c=${c} seed=${seed}`;
      if (c >= 4.5) {
        const m = /diverged at step (\d+)/.exec(r.stderr);
        t.check(r.code === 1 && m && Number(m[1]) <= 20, `${tag}: must report "diverged at step k <= 20" with exit 1 (code ${r.code}, ${r.stderr.trim()})`);
        continue;
      }
      t.check(r.code === 0 && r.csv, `${tag}: runs (code ${r.code}: ${r.stderr.trim()})`);
      if (!r.csv) continue;
      const loss = r.csv.col('loss'), lam = r.csv.col('ntk'), lr = r.csv.col('lr');
      const l0 = loss[0], lT = loss[loss.length - 1];
      const lam0 = firstFinite(lam), lamT = lastFinite(lam), ratio = lamT / lam0;
      const eta = lr[0];
      t.check(Math.abs(eta * lam0 - c) <= 1e-12 * c, `${tag}: eta lambda0 = ${eta * lam0}`);
      t.check(lT <= 1e-20, `${tag}: L_T = ${lT} <= 1e-20`);
      if (c < 2) {
        t.check(isMonotone(loss), `${tag}: monotone`);
        // y = 0: lambda can only fall (lambda' - lambda = (eta f^2/m)(eta lambda - 4) < 0).
        // y = 1: lambda' - lambda = (eta r/m)(eta r lambda - 4 f), r = f - 1, which is > 0 when
        // f0 is in (-1/7, 1) at c = 0.5: lambda then grows by O(|r0|/(m lambda0)) ~ 1e-3, so the
        // stated [0.98, 1.0] cannot hold for every seed; this phase test uses a 3% band for
        // y = 1 and the conformance suite reports the stated criterion's figures.
        const [lo, hi] = y === 0 ? [0.98, 1.0] : [0.97, 1.01];
        t.check(ratio >= lo && ratio <= hi, `${tag}: lambda_T/lambda0 = ${ratio} in [${lo}, ${hi}]`);
      } else {
        const maxL = Math.max(...loss);
        t.check(maxL >= 10 * l0, `${tag}: catapult max L = ${maxL} >= 10 L0 = ${10 * l0}`);
        t.check(eta * lamT <= 1.99, `${tag}: eta lambda_T = ${eta * lamT} <= 1.99`);
        const [lo, hi] = c === 2.5 ? [0.49, 0.53] : [0.05, 0.09];
        t.check(ratio >= lo && ratio <= hi, `${tag}: lambda_T/lambda0 = ${ratio} in [${lo}, ${hi}]`);
      }
      if (seed === 0) console.log(`${tag}: eta*lambda0=${(eta * lam0).toFixed(3)} max L/L0=${(Math.max(...loss) / l0).toPrecision(3)} L_T=${lT.toExponential(2)} lambda_T/lambda0=${ratio.toFixed(4)}`);
    }
  }
}
t.done();
