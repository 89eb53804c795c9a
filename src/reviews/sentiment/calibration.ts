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

/**
 * Platt scaling on two logits, p = σ(a·z + b·w + c), fitted like fitPlatt (damped Newton on the
 * log-loss, tiny ridge); soft labels in [0, 1] are allowed.
 * @throws Error on empty input or mismatched lengths
 * @example fitPlatt2([-2, 2], [0, 0], [0, 1]).a > 0
 */
export function fitPlatt2(
  z: ArrayLike<number>,
  w: ArrayLike<number>,
  labels: ArrayLike<number>,
): { a: number; b: number; c: number } {
  const n = z.length;
  if (n === 0 || labels.length !== n || w.length !== n)
    throw new Error('fitPlatt2 needs equally long, non-empty logits and labels');
  const loss = (a: number, b: number, c: number): number => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      const u = a * z[i]! + b * w[i]! + c;
      l += (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u))) - labels[i]! * u;
    }
    return l;
  };
  const p = [1, 0, 0];
  let current = loss(p[0]!, p[1]!, p[2]!);
  for (let iter = 0; iter < 100; iter++) {
    const g = [0, 0, 0];
    const h = [
      [1e-6, 0, 0],
      [0, 1e-6, 0],
      [0, 0, 1e-6],
    ];
    for (let i = 0; i < n; i++) {
      const x = [z[i]!, w[i]!, 1];
      const q = sigmoid(p[0]! * x[0]! + p[1]! * x[1]! + p[2]!);
      const r = q - labels[i]!;
      const v = q * (1 - q);
      for (let k = 0; k < 3; k++) {
        g[k]! += r * x[k]!;
        for (let m = 0; m < 3; m++) h[k]![m]! += v * x[k]! * x[m]!;
      }
    }
    const d = solve3(h, g);
    if (!d) break;
    let step = 1;
    let next = loss(p[0]! - d[0]!, p[1]! - d[1]!, p[2]! - d[2]!);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(p[0]! - step * d[0]!, p[1]! - step * d[1]!, p[2]! - step * d[2]!);
    }
    if (next > current) break;
    for (let k = 0; k < 3; k++) p[k]! -= step * d[k]!;
    const gain = current - next;
    current = next;
    if (gain < 1e-10 * n) break;
  }
  return { a: p[0]!, b: p[1]!, c: p[2]! };
}

/** x with h·x = g for a 3×3 h (Cramer's rule); null when h is singular. */
function solve3(h: number[][], g: number[]): number[] | null {
  const det3 = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const det = det3(h);
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) return null;
  return [0, 1, 2].map((k) => det3(h.map((row, r) => row.map((v, c) => (c === k ? g[r]! : v)))) / det);
}

/** ln(p / (1 − p)) of `p` kept within [1e-6, 1 − 1e-6]: finite for every probability. */
export function clippedLogit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
