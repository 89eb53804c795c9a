/**
 * Training of the clause-level aspect model (./aspect-model.ts) with TensorFlow.js: a sparse
 * multi-output linear layer (gatherND forward, scatterND custom gradient, as ./model.ts) over
 * binary hashed n-grams scaled by 1/√nnz, one sigmoid per aspect, weighted cross-entropy (rows from
 * labelled data weigh more than keyword-labelled ones), Adam with lazy L2, weights averaged over
 * the last epochs. Folded into one float32 table of `stride` values per hash bucket.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../../ml/tf.js';
import {
  aspectFeatures,
  contextRow,
  type NeighbourFeatureSettings,
  type ReviewFeatureSettings,
  type VerdictContextSettings,
} from './aspect-model.js';
import { ASPECT_ORDER, clauseAspects } from './aspects.js';
import { FeatureBuffer, featurise, type FeatureSettings } from './features.js';
import { rng } from './train.js';

export interface AspectRows {
  /** distinct bucket ids per row, rows back to back */
  ids: Int32Array;
  /** value per id: 1/√n for the row's n n-grams, 1 for keyword features */
  vals: Float32Array;
  offsets: Int32Array;
  /** rows × K labels in [0, 1]; a negative label is unknown (left out of the loss) */
  labels: Float32Array;
  weights: Float32Array;
  k: number;
}

/**
 * Featurises clauses with their label vectors and row weights. `context`: the review-context features
 * (AspectModelMetadata.reviewFeatures) with, per row, the text of the review it comes from.
 */
export function featuriseClauses(
  texts: readonly string[],
  labels: readonly (readonly number[])[],
  weights: readonly number[],
  s: FeatureSettings,
  keywordFeatures: boolean,
  tableBits = s.bits,
  cueFeatures = false,
  /** per row: its review, or undefined for a row without context */
  context?: {
    settings: ReviewFeatureSettings;
    reviews: readonly (string | undefined)[];
    minReviews?: number | undefined;
  },
  /** with cueFeatures, ASPECT_CUES_EXTRA too */
  cueExtra = false,
  /**
   * the neighbour-clause features (AspectModelMetadata.neighbourFeatures) with, per row, the text of the
   * clause before it and of the one after it in its review (undefined: none, as for a whole-text row)
   */
  neighbours?: {
    settings: NeighbourFeatureSettings;
    previous: readonly (string | undefined)[];
    next: readonly (string | undefined)[];
  },
  /**
   * the verdict × review context (AspectModelMetadata.verdictContext; needs `context`): per row its review,
   * or undefined for a row that reads none (the keyword-labelled weak rows, whose labels are the verdicts)
   */
  verdicts?: {
    settings: VerdictContextSettings;
    reviews: readonly (string | undefined)[];
  },
): AspectRows {
  const k = labels[0]?.length ?? 0;
  const buf = new FeatureBuffer(s.bits);
  const mask = (1 << tableBits) - 1;
  const ids: number[] = [];
  const vals: number[] = [];
  const offsets = new Int32Array(texts.length + 1);
  // a review's context rows, computed once for all its clauses; with `minReviews`, a row read in fewer
  // distinct reviews is left out (a review's own n-grams would otherwise learn its labels by heart:
  // each of its clauses is a row)
  const contextOf = new Map<string, Int32Array>();
  /** per review: its count of n-grams (each weighs scale/√count, as in the predictor) */
  const countOf = new Map<string, number>();
  if (context) {
    const reviewBuf = new FeatureBuffer(context.settings.features.bits);
    for (const review of context.reviews)
      if (review !== undefined && !contextOf.has(review)) {
        featurise(review, context.settings.features, reviewBuf);
        countOf.set(review, reviewBuf.n);
        contextOf.set(
          review,
          Int32Array.from(reviewBuf.ids.subarray(0, reviewBuf.n), (id) =>
            contextRow(id, context.settings.salt, tableBits),
          ),
        );
      }
    const min = context.minReviews ?? 1;
    if (min > 1) {
      const df = new Int32Array(1 << tableBits);
      for (const rows of contextOf.values()) for (const r of new Set(rows)) df[r]!++;
      for (const [review, rows] of contextOf)
        contextOf.set(
          review,
          rows.filter((r) => df[r]! >= min),
        );
    }
  }
  // the review's ids as the predictor's reviewContext reads them (before their rows), for the verdict context
  const rawOf = new Map<string, Int32Array>();
  const rawBuf = context && verdicts ? new FeatureBuffer(context.settings.features.bits) : undefined;
  texts.forEach((t, i) => {
    const verdictReview = verdicts?.reviews[i];
    if (context && verdicts && verdictReview !== undefined) {
      const agent = clauseAspects(t)
        .map((a) => ASPECT_ORDER.indexOf(a))
        .filter((v) => v >= 0 && v < verdicts.settings.salts.length);
      if (agent.length > 0 && keywordFeatures) {
        let raw = rawOf.get(verdictReview);
        if (!raw) {
          featurise(verdictReview, context.settings.features, rawBuf!);
          raw = rawBuf!.ids.slice(0, rawBuf!.n);
          rawOf.set(verdictReview, raw);
        }
        const val = verdicts.settings.scale / Math.sqrt(raw.length);
        for (const v of agent)
          for (const id of raw) {
            ids.push(contextRow(id, verdicts.settings.salts[v]!, tableBits));
            vals.push(val);
          }
      }
    }
    const review = context?.reviews[i];
    if (context && review !== undefined) {
      const rows = contextOf.get(review)!;
      // rows that collide (rare) add up, as the predictor's lookups do; the weight is that of all the
      // review's n-grams (the predictor's 1/√n counts those the table lacks too)
      const n = countOf.get(review)!;
      for (const r of rows) {
        ids.push(r);
        vals.push(context.settings.scale / Math.sqrt(n));
      }
    }
    if (neighbours) {
      // a neighbour's n-grams hashed as the clause's own, each moved to its side's row (the predictor's
      // `neighbours` reads them the same way); worth scale/√n of that neighbour
      const { salts, scale } = neighbours.settings;
      for (const [side, text] of [neighbours.previous[i], neighbours.next[i]].entries()) {
        if (text === undefined) continue;
        featurise(text, s, buf);
        const n = buf.n;
        for (let j = 0; j < n; j++) {
          ids.push(contextRow(buf.ids[j]!, salts[side]!, tableBits));
          vals.push(scale / Math.sqrt(n));
        }
      }
    }
    const kw = aspectFeatures(t, s, keywordFeatures, buf, undefined, tableBits, undefined, cueFeatures, cueExtra);
    for (let j = 0; j < buf.n; j++) {
      ids.push(buf.ids[j]! & mask);
      vals.push(1 / Math.sqrt(buf.n));
    }
    for (const id of kw) {
      ids.push(id);
      vals.push(1);
    }
    offsets[i + 1] = ids.length;
  });
  const y = new Float32Array(texts.length * k);
  labels.forEach((l, i) => l.forEach((v, j) => (y[i * k + j] = v)));
  return {
    ids: Int32Array.from(ids),
    vals: Float32Array.from(vals),
    offsets,
    labels: y,
    weights: Float32Array.from(weights),
    k,
  };
}

export interface AspectTrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  /** buckets seen in fewer rows are dropped */
  minDf: number;
  averageFrom: number;
  /** only buckets j with only[j] = 1 are features (the others are zeroed: they read 0, keep no row) */
  only?: Uint8Array | undefined;
  log?: (line: string) => void;
}

export const DEFAULT_ASPECT_TRAIN: AspectTrainOptions = {
  seed: 18,
  epochs: 8,
  batchSize: 256,
  learningRate: 0.1,
  l2: 1e-5,
  minDf: 2,
  averageFrom: 5,
};

/** Per table row: 1 where one of the first `columns` of its `stride` values is non-zero (a kept row of the packed table). */
export function nonZeroRows(weights: Float32Array, stride: number, columns: number): Uint8Array {
  const rows = new Uint8Array(weights.length / stride);
  for (let r = 0; r < rows.length; r++)
    for (let j = 0; j < columns; j++)
      if (weights[r * stride + j] !== 0) {
        rows[r] = 1;
        break;
      }
  return rows;
}

/** Fits the model; returns the folded weight table (2^bits × stride) and the biases. */
export async function trainAspectLinear(
  tf: Tf,
  rows: AspectRows,
  bits: number,
  stride: number,
  o: AspectTrainOptions,
): Promise<{ weights: Float32Array; biases: number[] }> {
  const buckets = 1 << bits;
  const k = rows.k;
  const n = rows.offsets.length - 1;
  const df = new Int32Array(buckets);
  for (let i = 0; i < rows.ids.length; i++) df[rows.ids[i]!]!++;
  const compact = new Int32Array(buckets).fill(-1);
  let dim = 0;
  for (let j = 0; j < buckets; j++) if (df[j]! >= o.minDf && (!o.only || o.only[j] === 1)) compact[j] = dim++;
  o.log?.(`aspects: ${n} rows, ${dim} features kept of ${buckets}`);
  const w = tf.variable(tf.zeros([dim, k]), true, `aspects_w_${dim}_${Date.now()}`);
  const b = tf.variable(tf.zeros([k]), true, `aspects_b_${dim}_${Date.now()}`);
  const optimizer = tf.train.adam(o.learningRate);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = rng(o.seed);
  const wSum = new Float32Array(dim * k);
  const bSum = new Float32Array(k);
  let averaged = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let lossSum = 0;
    let batches = 0;
    for (let from = 0; from < n; from += o.batchSize) {
      const to = Math.min(n, from + o.batchSize);
      let nnz = 0;
      for (let p = from; p < to; p++) nnz += rows.offsets[order[p]! + 1]! - rows.offsets[order[p]!]!;
      const idx = new Int32Array(nnz);
      const row = new Int32Array(nnz);
      const val = new Float32Array(nnz);
      const y = new Float32Array((to - from) * k);
      const known = new Float32Array((to - from) * k).fill(1);
      const rw = new Float32Array(to - from);
      let m = 0;
      for (let p = from; p < to; p++) {
        const i = order[p]!;
        const lo = rows.offsets[i]!;
        const hi = rows.offsets[i + 1]!;
        for (let q = lo; q < hi; q++) {
          const c = compact[rows.ids[q]!]!;
          if (c < 0) continue;
          idx[m] = c;
          row[m] = p - from;
          val[m] = rows.vals[q]!;
          m++;
        }
        for (let a = 0; a < k; a++) {
          const v = rows.labels[i * k + a]!;
          if (v < 0) known[(p - from) * k + a] = 0;
          else y[(p - from) * k + a] = v;
        }
        rw[p - from] = rows.weights[i]!;
      }
      const rowsInBatch = to - from;
      const tIdx = tf.tensor2d(idx.subarray(0, m), [m, 1], 'int32');
      const tRow = tf.tensor2d(row.subarray(0, m), [m, 1], 'int32');
      const tVal = tf.tensor2d(val.subarray(0, m), [m, 1]);
      const tY = tf.tensor2d(y, [rowsInBatch, k]);
      const tW = tf.tensor2d(rw, [rowsInBatch, 1]);
      const tKnown = tf.tensor2d(known, [rowsInBatch, k]);
      const wTotal = rw.reduce((s, v) => s + v, 0) || 1;
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const sparse = tf.customGrad((...args) => {
              const wIn = args[0] as TF.Tensor2D;
              const bIn = args[1] as TF.Tensor1D;
              const save = args[2] as TF.GradSaveFunc;
              const wAt = tf.gatherND(wIn, tIdx) as TF.Tensor2D;
              save([wAt]);
              const value = tf.add(tf.scatterND(tRow, tf.mul(wAt, tVal), [rowsInBatch, k]), bIn) as TF.Tensor2D;
              return {
                value,
                gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
                  const data = tf.mul(tf.gatherND(dy, tRow), tVal);
                  const upd = o.l2 > 0 ? tf.add(data, tf.mul(saved[0]!, (2 * o.l2) / rowsInBatch)) : data;
                  return [tf.scatterND(tIdx, upd, [dim, k]), tf.sum(dy, 0)];
                },
              };
            });
            const z = sparse(w, b) as TF.Tensor2D;
            // stable weighted sigmoid cross-entropy: max(z,0) − z·y + log(1 + e^−|z|)
            const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, tY)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
            return tf.div(tf.sum(tf.mul(tf.mul(ce, tW), tKnown)), wTotal * k) as TF.Scalar;
          }),
        true,
        [w, b],
      );
      tf.dispose([tIdx, tRow, tVal, tY, tW, tKnown]);
      if (loss) {
        lossSum += (await loss.data())[0] ?? 0;
        batches++;
        loss.dispose();
      }
    }
    o.log?.(`aspects epoch ${epoch + 1}/${o.epochs} loss ${(lossSum / Math.max(1, batches)).toFixed(4)}`);
    if (epoch + 1 >= o.averageFrom) {
      const wNow = (await w.data()) as Float32Array;
      for (let j = 0; j < wSum.length; j++) wSum[j]! += wNow[j]!;
      const bNow = (await b.data()) as Float32Array;
      for (let j = 0; j < k; j++) bSum[j]! += bNow[j]!;
      averaged++;
    }
  }
  let wFinal = (await w.data()) as Float32Array;
  let bFinal = Array.from((await b.data()) as Float32Array);
  if (averaged > 0) {
    wFinal = wSum.map((v) => v / averaged);
    bFinal = Array.from(bSum, (v) => v / averaged);
  }
  w.dispose();
  b.dispose();
  optimizer.dispose();
  const weights = new Float32Array(buckets * stride);
  for (let j = 0; j < buckets; j++) {
    const c = compact[j]!;
    if (c < 0) continue;
    for (let a = 0; a < k; a++) weights[j * stride + a] = wFinal[c * k + a]!;
  }
  return { weights, biases: bFinal };
}
