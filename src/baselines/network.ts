/**
 * The pooled quantile network: an MLP trained with TensorFlow.js (pinball loss, masked horizons),
 * whose outputs are made monotone by construction — the median plus cumulative softplus steps
 * up and down — and exported as plain arrays so that prediction runs in plain JS.
 */
import { mulberry32 as rng } from '../lib/maths.js';
import { loadTf, type Tf } from '../ml/tf.js';

export interface DenseLayer {
  rows: number;
  cols: number;
  /** Row-major rows×cols. */
  w: number[];
  b: number[];
}

export interface NetWeights {
  inDim: number;
  H: number;
  levels: number[];
  mean: number[];
  std: number[];
  layers: DenseLayer[];
}

export interface NetTrainOptions {
  H: number;
  levels: number[];
  seed: number;
  steps?: number | undefined;
  hidden?: number[];
  batch?: number;
  lr?: number;
  /** Average the weights over the second half of training (default true). */
  swa?: boolean;
}

/** Deterministic PRNG (mulberry32, src/lib/maths.ts), under the name the baselines' callers use. */
export { rng };

/** Q×Q matrix mapping [steps below…, median, steps above…] to quantiles (see module comment). */
function monotoneMatrix(Q: number, mid: number): number[] {
  const A = new Array<number>(Q * Q).fill(0);
  for (let j = 0; j < Q; j++) {
    A[mid * Q + j] = 1;
    if (j > mid) for (let k = mid + 1; k <= j; k++) A[k * Q + j] = 1;
    if (j < mid) for (let k = j; k < mid; k++) A[k * Q + j] = -1;
  }
  return A;
}

const softplus = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));

/**
 * Trains on X (n×d, row-major), targets Y (n×H) with mask M (1 = observed).
 * Returns exported weights; all tensors are disposed.
 */
export async function trainQuantileNet(
  X: Float64Array,
  Y: Float64Array,
  M: Float64Array,
  n: number,
  opts: NetTrainOptions,
): Promise<NetWeights> {
  const tf: Tf = await loadTf();
  const d = X.length / n;
  const { H, levels } = opts;
  const Q = levels.length;
  const mid = levels.indexOf(0.5);
  if (mid < 0) throw new Error('levels must contain 0.5');
  const hidden = opts.hidden ?? [32, 32];
  const batch = Math.min(opts.batch ?? 128, n);
  const steps = opts.steps ?? Math.round(Math.min(300, Math.max(150, (20 * n) / batch)));
  const rand = rng(opts.seed);

  // standardise features
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j]! += (X[i * d + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) > 1e-6 ? Math.sqrt(std[j]!) : 1;
  const Xs = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xs[i * d + j] = (X[i * d + j]! - mean[j]!) / std[j]!;

  // seeded Glorot-uniform initialisation; last layer small so the network starts at the classical forecast
  const sizes = [d, ...hidden, H * Q];
  const vars: { w: import('@tensorflow/tfjs').Variable; b: import('@tensorflow/tfjs').Variable }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const r = sizes[l]!;
    const c = sizes[l + 1]!;
    const lim = Math.sqrt(6 / (r + c)) * (l + 2 === sizes.length ? 0.1 : 1);
    const w = new Float32Array(r * c).map(() => (rand() * 2 - 1) * lim);
    const bInit = new Float32Array(c);
    if (l + 2 === sizes.length) {
      // initial spreads: softplus(0.5) ≈ 1 noise unit per step
      for (let h = 0; h < H; h++) for (let q = 0; q < Q; q++) if (q !== mid) bInit[h * Q + q] = 0.5;
    }
    const w0 = tf.tensor2d(w, [r, c]);
    const b0 = tf.tensor1d(bInit);
    vars.push({ w: tf.variable(w0), b: tf.variable(b0) });
    tf.dispose([w0, b0]);
  }
  const A = tf.tensor2d(monotoneMatrix(Q, mid), [Q, Q]);
  const medMask = tf.tensor1d(levels.map((_, q) => (q === mid ? 1 : 0)));
  const tau = tf.tensor1d(levels);
  const notMed = tf.sub(1, medMask);
  const tauM1 = tf.sub(tau, 1);
  const Xt = tf.tensor2d(Xs, [n, d]);
  const Yt = tf.tensor2d(Float32Array.from(Y), [n, H]);
  const Mt = tf.tensor2d(Float32Array.from(M), [n, H]);
  const optimizer = tf.train.adam(opts.lr ?? 0.003);
  const order = Array.from({ length: n }, (_, i) => i);
  let pos = n;
  const nextBatch = (): number[] => {
    if (pos + batch > n) {
      for (let i = n - 1; i > 0; i--) {
        const k = Math.floor(rand() * (i + 1));
        [order[i], order[k]] = [order[k]!, order[i]!];
      }
      pos = 0;
    }
    const out = order.slice(pos, pos + batch);
    pos += batch;
    return out;
  };
  const swa =
    opts.swa === false
      ? null
      : vars.map((v) => ({
          w: tf.zerosLike(v.w) as import('@tensorflow/tfjs').Tensor,
          b: tf.zerosLike(v.b) as import('@tensorflow/tfjs').Tensor,
        }));
  let swaCount = 0;
  for (let s = 0; s < steps; s++) {
    const idx = tf.tensor1d(nextBatch(), 'int32');
    optimizer.minimize(() => {
      const xb = tf.gather(Xt, idx);
      const yb = tf.gather(Yt, idx).reshape([-1, 1]);
      const mb = tf.gather(Mt, idx).reshape([-1, 1]);
      let hcur: import('@tensorflow/tfjs').Tensor2D = xb as import('@tensorflow/tfjs').Tensor2D;
      vars.forEach((v, l) => {
        const z = tf.add(tf.matMul(hcur, v.w), v.b) as import('@tensorflow/tfjs').Tensor2D;
        hcur = l + 1 < vars.length ? tf.relu(z) : z;
      });
      const raw = hcur.reshape([-1, Q]);
      const z = tf.add(tf.mul(raw, medMask), tf.mul(tf.softplus(raw), notMed));
      const q = tf.matMul(z, A);
      const diff = tf.sub(yb, q);
      const pin = tf.maximum(tf.mul(diff, tau), tf.mul(diff, tauM1));
      const loss = tf.div(tf.sum(tf.mul(pin, mb)), tf.add(tf.sum(mb), 1e-6));
      return loss as import('@tensorflow/tfjs').Scalar;
    });
    idx.dispose();
    // stochastic weight averaging over the second half of training: a flatter, steadier solution
    if (swa && s >= steps / 2 && (steps - 1 - s) % 5 === 0) {
      vars.forEach((v, l) => {
        const acc = swa[l]!;
        const nw = tf.add(acc.w, v.w);
        const nb = tf.add(acc.b, v.b);
        tf.dispose([acc.w, acc.b]);
        swa[l] = { w: nw, b: nb };
      });
      swaCount++;
    }
  }
  const layers: DenseLayer[] = [];
  for (let l = 0; l < vars.length; l++) {
    const v = vars[l]!;
    const src = swa && swaCount > 0 ? swa[l]! : v;
    const k = swa && swaCount > 0 ? swaCount : 1;
    const w = Array.from(await src.w.data(), (x) => x / k);
    const b = Array.from(await src.b.data(), (x) => x / k);
    layers.push({ rows: sizes[l]!, cols: sizes[l + 1]!, w, b });
    tf.dispose([v.w, v.b]);
    if (swa) tf.dispose([swa[l]!.w, swa[l]!.b]);
  }
  optimizer.dispose();
  tf.dispose([A, medMask, tau, notMed, tauM1, Xt, Yt, Mt]);
  return { inDim: d, H, levels: levels.slice(), mean, std, layers };
}

interface Compiled {
  w: Float64Array[];
  b: Float64Array[];
  mean: Float64Array;
  std: Float64Array;
  Q: number;
  mid: number;
  /** Scratch activations per layer (prediction is synchronous, so one set per net is enough). */
  act: Float64Array[];
  /** Scratch: the first layer's sums over the inputs before the promotion flags (`predictSteps`). */
  pre: Float64Array;
}

const compiled = new WeakMap<NetWeights, Compiled>();

function compile(net: NetWeights): Compiled {
  let c = compiled.get(net);
  if (!c) {
    c = {
      w: net.layers.map((l) => Float64Array.from(l.w)),
      b: net.layers.map((l) => Float64Array.from(l.b)),
      mean: Float64Array.from(net.mean),
      std: Float64Array.from(net.std),
      Q: net.levels.length,
      mid: net.levels.indexOf(0.5),
      act: [new Float64Array(net.inDim), ...net.layers.map((l) => new Float64Array(l.cols))],
      pre: new Float64Array(net.layers[0]?.cols ?? 0),
    };
    compiled.set(net, c);
  }
  return c;
}

/** The network's input `x` standardised into `c.act[0]` (answered). */
function standardise(net: NetWeights, c: Compiled, x: Float64Array): Float64Array {
  const cur = c.act[0]!;
  for (let j = 0; j < net.inDim; j++) cur[j] = (x[j]! - c.mean[j]!) / c.std[j]!;
  return cur;
}

/** Forward pass in plain JS: returns H×Q quantiles (row-major, monotone in q), in noise units. */
export function predictNet(
  net: NetWeights,
  x: Float64Array,
  out: Float64Array = new Float64Array(net.H * net.levels.length),
): Float64Array {
  const c = compile(net);
  let cur = standardise(net, c, x);
  const L = net.layers.length;
  for (let l = 0; l < L; l++) {
    const { rows, cols } = net.layers[l]!;
    const next = c.act[l + 1]!;
    next.set(c.b[l]!);
    addRows(c.w[l]!, cols, cur, 0, rows, next);
    if (l + 1 < L) for (let k = 0; k < cols; k++) if (next[k]! < 0) next[k] = 0;
    cur = next;
  }
  const { Q, mid } = c;
  for (let h = 0; h < net.H; h++) {
    const o = h * Q;
    const med = cur[o + mid]!;
    out[o + mid] = med;
    let acc = med;
    for (let q = mid + 1; q < Q; q++) out[o + q] = acc += softplus(cur[o + q]!);
    acc = med;
    for (let q = mid - 1; q >= 0; q--) out[o + q] = acc -= softplus(cur[o + q]!);
  }
  return out;
}

/** Adds input rows [r0, r1) of layer `w` (`cols` wide) times `cur` into `acc`, as `predictNet` does (zeros skipped). */
function addRows(w: Float64Array, cols: number, cur: Float64Array, r0: number, r1: number, acc: Float64Array): void {
  for (let r = r0; r < r1; r++) {
    const v = cur[r]!;
    if (v === 0) continue;
    const off = r * cols;
    for (let k = 0; k < cols; k++) acc[k]! += v * w[off + k]!;
  }
}

/** The hidden layers after the first one's sums are in `c.act[1]`; answers the last hidden activations. */
function hidden(net: NetWeights, c: Compiled): Float64Array {
  const L = net.layers.length;
  let cur = c.act[1]!;
  for (let l = 1; l < L - 1; l++) {
    for (let k = 0; k < cur.length; k++) if (cur[k]! < 0) cur[k] = 0;
    const next = c.act[l + 1]!;
    next.set(c.b[l]!);
    addRows(c.w[l]!, net.layers[l]!.cols, cur, 0, net.layers[l]!.rows, next);
    cur = next;
  }
  if (L > 1) for (let k = 0; k < cur.length; k++) if (cur[k]! < 0) cur[k] = 0;
  return cur;
}

/** Output column `k` of the last layer from the last hidden activations `cur`, summed in `predictNet`'s order. */
function outputColumn(net: NetWeights, c: Compiled, cur: Float64Array, k: number): number {
  const L = net.layers.length;
  const w = c.w[L - 1]!;
  const { rows, cols } = net.layers[L - 1]!;
  let acc = c.b[L - 1]![k]!;
  for (let r = 0; r < rows; r++) {
    const v = cur[r]!;
    if (v === 0) continue;
    acc += v * w[r * cols + k]!;
  }
  return acc;
}

/**
 * What one forecast step reads of `predictNet`, computed alone: into `out` the Q quantiles of steps
 * [from, to) and the median of every step; with `promo`, into `promo.out` the median of steps [from, to)
 * of the same input with `len` inputs from `at` on set to 0 (the future promotion flags cleared) — the
 * first layer's sums over the inputs before `at` are shared. Every number written is the one
 * `predictNet` computes (the same operations in the same order); the other entries of the outputs are
 * left as they were. A forecast of one step of 10,000 people computes a third of the outputs.
 */
export function predictSteps(
  net: NetWeights,
  x: Float64Array,
  from: number,
  to: number,
  out: Float64Array,
  promo?: { at: number; len: number; out: Float64Array },
): void {
  const c = compile(net);
  const { Q, mid } = c;
  if (net.layers.length < 2 || from < 0 || to > net.H || from >= to) {
    // not the shape this is written for (a single layer, an empty range): the whole pass
    predictNet(net, x, out);
    if (promo) {
      const x0 = x.slice();
      x0.fill(0, promo.at, promo.at + promo.len);
      predictNet(net, x0, promo.out);
    }
    return;
  }
  const cur0 = standardise(net, c, x);
  const w0 = c.w[0]!;
  const { rows, cols } = net.layers[0]!;
  const first = c.act[1]!;
  first.set(c.b[0]!);
  const at = promo ? Math.min(promo.at, rows) : rows;
  addRows(w0, cols, cur0, 0, at, first);
  if (promo) c.pre.set(first);
  addRows(w0, cols, cur0, at, rows, first);
  let cur = hidden(net, c);
  for (let h = 0; h < net.H; h++) {
    const o = h * Q;
    const med = outputColumn(net, c, cur, o + mid);
    out[o + mid] = med;
    if (h < from || h >= to) continue;
    let acc = med;
    for (let q = mid + 1; q < Q; q++) out[o + q] = acc += softplus(outputColumn(net, c, cur, o + q));
    acc = med;
    for (let q = mid - 1; q >= 0; q--) out[o + q] = acc -= softplus(outputColumn(net, c, cur, o + q));
  }
  if (!promo) return;
  for (let j = promo.at; j < Math.min(promo.at + promo.len, net.inDim); j++) cur0[j] = (0 - c.mean[j]!) / c.std[j]!;
  first.set(c.pre);
  addRows(w0, cols, cur0, at, rows, first);
  cur = hidden(net, c);
  for (let h = from; h < to; h++) promo.out[h * Q + mid] = outputColumn(net, c, cur, h * Q + mid);
}
