/**
 * Training: hashed features → NB log-count ratios → linear model fitted with TF.js (Adam, L2,
 * seeded shuffling) → folded into one Float32Array over the hash space (w_j · r_j), so the
 * predictor needs neither TF.js nor the ratios.
 */
import { mulberry32 as rng } from '../../lib/maths.js';
import type { Tf } from '../../ml/tf.js';
import type { SparseRows } from './data.js';
import { buildModel, type SparseBatch } from './model.js';

export interface TrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty per review on the weights of the features it holds (see LinearModel.logits) */
  l2: number;
  /** NB smoothing α */
  alpha: number;
  /** features seen in fewer training reviews are dropped */
  minDf: number;
  /** input dropout: each n-gram of a review is left out of a step with this probability (survivors scaled up) */
  dropout?: number;
  /** weights averaged over the ends of epochs from this one (1-based) to the last; 0 = last epoch only */
  averageFrom?: number;
  log?: (line: string) => void;
}

/** Hyper-parameters chosen on the dev split (see README of this folder). */
export function defaultTrainOptions(language: 'zh' | 'en'): TrainOptions {
  return language === 'zh'
    ? { seed: 42, epochs: 8, batchSize: 2048, learningRate: 0.05, l2: 1e-4, alpha: 1, minDf: 2, averageFrom: 4 }
    : { seed: 42, epochs: 8, batchSize: 256, learningRate: 0.05, l2: 1e-4, alpha: 1, minDf: 2, averageFrom: 4 };
}

/** Seeded PRNG (mulberry32, src/lib/maths.ts), under the name the sentiment and aspect trainers use. */
export { rng };

export interface TrainedLinear {
  /** weight per hash bucket, NB ratio folded in (0 for dropped buckets) */
  weights: Float32Array;
  bias: number;
  /** compact features kept */
  features: number;
  /** NB log-count ratio per hash bucket (0 for dropped buckets) */
  ratios: Float32Array;
  /** mean |w| over kept features (the NBSVM interpolation anchor) */
  meanAbsW: number;
}

/** NB ratios and the bucket → compact index map. */
function nbRatios(data: SparseRows, buckets: number, alpha: number, minDf: number) {
  const pos = new Float32Array(buckets);
  const neg = new Float32Array(buckets);
  for (let i = 0; i < data.labels.length; i++) {
    const target = data.labels[i] === 1 ? pos : neg;
    for (let k = data.offsets[i]!; k < data.offsets[i + 1]!; k++) target[data.ids[k]!]! += 1;
  }
  const compact = new Int32Array(buckets).fill(-1);
  let dim = 0;
  let pSum = 0;
  let qSum = 0;
  for (let j = 0; j < buckets; j++) {
    if (pos[j]! + neg[j]! >= minDf) {
      compact[j] = dim++;
      pSum += pos[j]! + alpha;
      qSum += neg[j]! + alpha;
    }
  }
  const ratio = new Float32Array(dim);
  for (let j = 0; j < buckets; j++) {
    const c = compact[j]!;
    if (c >= 0) ratio[c] = Math.log((pos[j]! + alpha) / pSum) - Math.log((neg[j]! + alpha) / qSum);
  }
  return { compact, ratio, dim };
}

export async function trainLinear(tf: Tf, data: SparseRows, bits: number, o: TrainOptions): Promise<TrainedLinear> {
  const buckets = 1 << bits;
  const { compact, ratio, dim } = nbRatios(data, buckets, o.alpha, o.minDf);
  o.log?.(`features kept ${dim} of ${buckets} buckets (minDf ${o.minDf})`);
  const model = buildModel(tf, dim);
  const optimizer = tf.train.adam(o.learningRate);
  const n = data.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = rng(o.seed);
  const averageFrom = Math.min(o.averageFrom ?? 0, o.epochs);
  const wSum = new Float32Array(averageFrom > 0 ? dim : 0);
  let bSum = 0;
  let averaged = 0;
  const makeBatch = (from: number, to: number): { batch: SparseBatch; y: Float32Array } => {
    let nnz = 0;
    for (let p = from; p < to; p++) {
      const i = order[p]!;
      nnz += data.offsets[i + 1]! - data.offsets[i]!;
    }
    const idx = new Int32Array(nnz);
    const row = new Int32Array(nnz);
    const val = new Float32Array(nnz);
    const y = new Float32Array(to - from);
    let k = 0;
    const drop = o.dropout ?? 0;
    const keep = 1 / (1 - drop);
    for (let p = from; p < to; p++) {
      const i = order[p]!;
      y[p - from] = data.labels[i]!;
      for (let q = data.offsets[i]!; q < data.offsets[i + 1]!; q++) {
        const c = compact[data.ids[q]!]!;
        if (c < 0) continue;
        if (drop > 0 && random() < drop) continue;
        idx[k] = c;
        row[k] = p - from;
        val[k] = ratio[c]! * data.scale[i]! * keep;
        k++;
      }
    }
    return { batch: { idx: idx.subarray(0, k), row: row.subarray(0, k), val: val.subarray(0, k), rows: to - from }, y };
  };
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let lossSum = 0;
    const losses: Array<Promise<number>> = [];
    for (let from = 0; from < n; from += o.batchSize) {
      const { batch, y } = makeBatch(from, Math.min(n, from + o.batchSize));
      const tensors = model.upload(batch);
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const logits = model.logits(tensors, o.l2);
            return tf.losses.sigmoidCrossEntropy(tf.tensor1d(y), logits) as import('@tensorflow/tfjs').Scalar;
          }),
        true,
        [model.w, model.b],
      );
      tensors.dispose();
      if (loss) {
        losses.push(loss.data().then((d) => d[0] ?? 0));
        loss.dispose();
      }
    }
    for (const l of await Promise.all(losses)) lossSum += l;
    o.log?.(`epoch ${epoch + 1}/${o.epochs} loss ${(lossSum / losses.length).toFixed(4)}`);
    if (averageFrom > 0 && epoch + 1 >= averageFrom) {
      const wNow = (await model.w.data()) as Float32Array;
      for (let j = 0; j < dim; j++) wSum[j]! += wNow[j]!;
      bSum += ((await model.b.data()) as Float32Array)[0] ?? 0;
      averaged++;
    }
  }
  let w = (await model.w.data()) as Float32Array;
  let bias = ((await model.b.data()) as Float32Array)[0] ?? 0;
  if (averaged > 0) {
    w = wSum.map((v) => v / averaged);
    bias = bSum / averaged;
  }
  model.dispose();
  optimizer.dispose();
  const weights = new Float32Array(buckets);
  const ratios = new Float32Array(buckets);
  let meanAbsW = 0;
  for (let c = 0; c < dim; c++) meanAbsW += Math.abs(w[c]!) / dim;
  for (let j = 0; j < buckets; j++) {
    const c = compact[j]!;
    if (c >= 0) {
      weights[j] = w[c]! * ratio[c]!;
      ratios[j] = ratio[c]!;
    }
  }
  return { weights, bias, features: dim, ratios, meanAbsW };
}

/** Logits of featurised rows under folded weights (plain JS, same arithmetic as the predictor). */
export function linearLogits(rows: SparseRows, weights: Float32Array, bias: number): Float64Array {
  const out = new Float64Array(rows.labels.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = rows.offsets[i]!; k < rows.offsets[i + 1]!; k++) s += weights[rows.ids[k]!]!;
    out[i] = bias + s * rows.scale[i]!;
  }
  return out;
}
