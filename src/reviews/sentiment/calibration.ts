/**
 * Probability calibration on the dev split: Platt scaling p = σ(a·z + c) of the model's logit z
 * (a temperature T = 1/a with a bias), fitted by Newton's method on the log-loss; and the
 * expected calibration error used to report it.
 */

export interface Calibration {
  method: 'platt';
  a: number;
  c: number;
  fittedOn?: string;
}

export const identityCalibration: Calibration = { method: 'platt', a: 1, c: 0 };

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function applyCalibration(cal: Calibration, logit: number): number {
  return sigmoid(cal.a * logit + cal.c);
}

/**
 * Fits Platt scaling by damped Newton's method (backtracking line search, tiny ridge).
 * @throws Error on empty input or mismatched lengths
 * @example fitPlatt([-2, 2], [0, 1]).a > 0
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  const n = logits.length;
  if (n === 0 || labels.length !== n) throw new Error('fitPlatt needs equally long, non-empty logits and labels');
  const loss = (a: number, c: number): number => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      const u = a * logits[i]! + c;
      // log(1 + e^u) − y·u, computed stably
      l += (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u))) - labels[i]! * u;
    }
    return l;
  };
  let a = 1;
  let c = 0;
  let current = loss(a, c);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0,
      gc = 0,
      haa = 1e-6,
      hac = 0,
      hcc = 1e-6;
    for (let i = 0; i < n; i++) {
      const z = logits[i]!;
      const p = sigmoid(a * z + c);
      const r = p - labels[i]!;
      const wgt = p * (1 - p);
      ga += r * z;
      gc += r;
      haa += wgt * z * z;
      hac += wgt * z;
      hcc += wgt;
    }
    const det = haa * hcc - hac * hac;
    if (!(det > 0)) break;
    const da = (hcc * ga - hac * gc) / det;
    const dc = (haa * gc - hac * ga) / det;
    // Newton step with backtracking: never accept a step that raises the log-loss
    let step = 1;
    let next = loss(a - da, c - dc);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, c - step * dc);
    }
    if (next > current) break;
    a -= step * da;
    c -= step * dc;
    const gain = current - next;
    current = next;
    if (gain < 1e-10 * n) break;
  }
  return { method: 'platt', a, c };
}

/**
 * Expected calibration error with equal-width bins over the top-label confidence max(p, 1−p):
 * Σ_b (n_b/n)·|accuracy_b − confidence_b| (Guo et al. 2017).
 * @throws Error on empty input
 * @example expectedCalibrationError([0.9, 0.1], [1, 0]) // ≈ 0.1
 */
export function expectedCalibrationError(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 15): number {
  const n = probs.length;
  if (n === 0) throw new Error('expectedCalibrationError needs at least one prediction');
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const correct = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    const top = Math.max(p, 1 - p);
    const b = Math.min(bins - 1, Math.floor(top * bins));
    count[b]! += 1;
    conf[b]! += top;
    if ((p >= 0.5 ? 1 : 0) === labels[i]) correct[b]! += 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(correct[b]! - conf[b]!) / n;
  return ece;
}
