/**
 * A review-level "is this the agent's complaint" head (issue 18, ninth session), stacked with the
 * aspect route. The aspect route scores a review by the highest P(negative) of its agent-aspect hits
 * (0 without one); the direct head is a logistic model over the whole review's n-grams, hashed as the
 * language's **sentiment** model hashes them (so the engine reuses the ids it has just scored the
 * review with: `LinearPredictor.lastFeatures`), each id moved to a row of a dense table of
 * 2^tableBits weights (`complaintRow` with `salt`) and worth 1/√n. Both are read together:
 *
 *   P(the agent's complaint) = σ(a · logit(route, clipped to [ROUTE_CLIP, 1 − ROUTE_CLIP]) + b · direct + c)
 *
 * with a, b, c fitted on the dev part out of fold (each dev item's route and direct scores come from
 * models trained without it). The direct head is trained on the labelled reviews' `agent_complaint`
 * (dev in fold, the hand labels on train.csv, the own texts, corrections) and, optionally, weak rows.
 * The head only decides the review's complaint; the aspect hits and their polarities are unchanged.
 */
import { clippedLogit, fitPlatt2, sigmoid } from './calibration.js';
import { FeatureBuffer, featurise, type FeatureSettings } from './features.js';
import { saltedRow } from './hash.js';

/** A review's hashed ids (a FeatureBuffer after featurise). */
export interface ReviewIds {
  ids: Int32Array;
  n: number;
}

/** The table row of a review id: hash.ts's saltedRow (as aspect-model.ts's contextRow). */
export { saltedRow as complaintRow };

/** The route's P(negative) is clipped to [ROUTE_CLIP, 1 − ROUTE_CLIP] before its logit (0: no agent hit). */
export const ROUTE_CLIP = 0.01;

export interface ComplaintHeadSettings {
  /** where the head's 2^tableBits float32 weights start in the model's weights.bin (after the aspect table) */
  offset: number;
  /** how the review is hashed (the language's sentiment model's settings) */
  features: FeatureSettings;
  tableBits: number;
  /** mixed into each review id before it is moved to its table row (complaintRow) */
  salt: number;
  /** the direct head's bias */
  bias: number;
  /** the stack: σ(a · logit(route) + b · direct + c) */
  a: number;
  b: number;
  c: number;
}

/** The head's weights packed for scoring: one int8 step per table row (a dense 2^tableBits table). */
export interface ComplaintQuantised {
  rows: Int8Array;
  step: number;
}

/** The route's logit as the stack reads it. */
export function routeLogit(route: number): number {
  return clippedLogit(Math.min(1 - ROUTE_CLIP, Math.max(ROUTE_CLIP, route)));
}

export class ComplaintHead {
  private readonly rows: Int8Array;
  private readonly step: number;
  private buf: FeatureBuffer | undefined;

  constructor(
    readonly settings: ComplaintHeadSettings,
    weights: Float32Array | ComplaintQuantised,
  ) {
    const size = 1 << settings.tableBits;
    if (!(weights instanceof Float32Array)) {
      if (weights.rows.length !== size)
        throw new Error(`complaint head: ${weights.rows.length} rows, expected 2^${settings.tableBits}`);
      ({ rows: this.rows, step: this.step } = weights);
      return;
    }
    if (weights.length !== size)
      throw new Error(`complaint head: ${weights.length} weights, expected 2^${settings.tableBits}`);
    let max = 0;
    for (let r = 0; r < size; r++) max = Math.max(max, Math.abs(weights[r]!));
    this.step = max > 0 ? max / 127 : 1;
    this.rows = new Int8Array(new SharedArrayBuffer(size));
    for (let r = 0; r < size; r++) this.rows[r] = Math.round(weights[r]! / this.step);
  }

  get quantised(): ComplaintQuantised {
    return { rows: this.rows, step: this.step };
  }

  /**
   * The direct head's logit of a review. `pre`: the review's ids when the caller hashed it with
   * `settings.features` already (the sentiment model's buffer right after scoring it); `words`: its
   * words, segmented already (zh).
   */
  logit(review: string, pre?: ReviewIds, words?: string[]): number {
    let view: ReviewIds | undefined = pre;
    if (!view) {
      this.buf ??= new FeatureBuffer(this.settings.features.bits);
      featurise(review, this.settings.features, this.buf, false, words);
      view = this.buf;
    }
    const { ids, n } = view;
    if (n === 0) return this.settings.bias;
    const { rows } = this;
    const shift = 32 - this.settings.tableBits;
    const salt = this.settings.salt;
    let s = 0;
    for (let i = 0; i < n; i++) s += rows[Math.imul(ids[i]! ^ salt, 0x9e3779b1) >>> shift]!;
    return this.settings.bias + (s * this.step) / Math.sqrt(n);
  }

  /** P(the agent's complaint) from the aspect route's score and the direct head's logit. */
  complaint(route: number, direct: number): number {
    const { a, b, c } = this.settings;
    return sigmoid(a * routeLogit(route) + b * direct + c);
  }
}

/** A review as the direct head reads it: its table rows (complaintRow of its ids), target and weight. */
export interface ComplaintRow {
  rows: Int32Array;
  y: number;
  weight: number;
}

/** The table rows of a review's hashed n-grams (see ComplaintHead.logit). */
export function complaintRows(
  review: string,
  features: FeatureSettings,
  salt: number,
  tableBits: number,
  buf = new FeatureBuffer(features.bits),
): Int32Array {
  featurise(review, features, buf, false);
  const out = new Int32Array(buf.n);
  for (let i = 0; i < buf.n; i++) out[i] = saltedRow(buf.ids[i]!, salt, tableBits);
  return out;
}

/**
 * Fits the direct head: a weighted logistic regression over the rows (each review's features worth
 * 1/√n), mean weighted log loss + l2·‖w‖², full-batch Adam (deterministic: no sampling).
 */
export function trainComplaintLinear(
  rows: readonly ComplaintRow[],
  tableBits: number,
  l2: number,
  iterations = 300,
  learningRate = 0.05,
): { weights: Float32Array; bias: number } {
  const size = 1 << tableBits;
  const w = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const g = new Float64Array(size);
  let bias = 0;
  let mb = 0;
  let vb = 0;
  const beta1 = 0.9;
  const beta2 = 0.999;
  let total = 0;
  for (const r of rows) total += r.weight;
  if (total === 0) return { weights: new Float32Array(size), bias: 0 };
  const touched = new Uint8Array(size);
  for (const r of rows) for (const id of r.rows) touched[id] = 1;
  for (let t = 1; t <= iterations; t++) {
    g.fill(0);
    let gb = 0;
    for (const r of rows) {
      const scale = r.rows.length > 0 ? 1 / Math.sqrt(r.rows.length) : 0;
      let z = bias;
      for (const id of r.rows) z += w[id]! * scale;
      const d = ((sigmoid(z) - r.y) * r.weight) / total;
      gb += d;
      for (const id of r.rows) g[id]! += d * scale;
    }
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let i = 0; i < size; i++) {
      if (touched[i] === 0) continue;
      const gi = g[i]! + 2 * l2 * w[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      w[i]! -= (learningRate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
    }
    mb = beta1 * mb + (1 - beta1) * gb;
    vb = beta2 * vb + (1 - beta2) * gb * gb;
    bias -= (learningRate * (mb / c1)) / (Math.sqrt(vb / c2) + 1e-8);
  }
  return { weights: Float32Array.from(w), bias };
}

/** The direct logit of one review's rows under a fitted head (float weights, as in training). */
export function directLogit(h: { weights: Float32Array; bias: number }, rows: Int32Array): number {
  if (rows.length === 0) return h.bias;
  let s = 0;
  for (const id of rows) s += h.weights[id]!;
  return h.bias + s / Math.sqrt(rows.length);
}

export interface Operating {
  threshold: number;
  precision: number;
  recall: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The threshold with the best precision at recall ≥ minRecall (ties: the higher threshold; none reaching
 * it: 0.65 at precision 0), rounded to 3 decimals: the aspect route's complaint threshold and the head's.
 */
export function bestAtRecall(scores: readonly number[], gold: readonly boolean[], minRecall: number): Operating {
  let best: Operating = { threshold: 0.65, precision: 0, recall: 0 };
  for (const t of [...new Set(scores.filter((x) => x > 0))].sort((a, b) => a - b)) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    scores.forEach((x, i) => {
      if (x >= t) gold[i] ? tp++ : fp++;
      else if (gold[i]) fn++;
    });
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    if (recall >= minRecall && precision >= best.precision)
      best = { threshold: round(t), precision: round(precision), recall: round(recall) };
  }
  return best;
}

/** Average precision of scores against gold (threshold-free). */
export function averagePrecision(scores: readonly number[], gold: readonly boolean[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0]);
  const positives = gold.filter(Boolean).length;
  if (positives === 0) return 0;
  let tp = 0;
  let ap = 0;
  order.forEach(([, i], k) => {
    if (gold[i]) {
      tp++;
      ap += tp / (k + 1);
    }
  });
  return round(ap / positives);
}

export interface ComplaintHeadFit {
  l2: number;
  /** the stack (a, b, c) fitted on the dev items' out-of-fold route and direct scores */
  stack: { a: number; b: number; c: number };
  /** per dev item, out of fold: the direct logit and the stacked P(complaint) */
  direct: number[];
  stacked: number[];
  complaint: Operating;
  /** the direct head alone and the route alone at the same recall, for reading */
  directOnly: Operating;
  ap: { route: number; direct: number; stacked: number; crossStacked: number };
  /**
   * the stacked score with the stack itself cross-fitted (each fold's a, b, c fitted on the other
   * folds' items): how much fitting the three numbers on the same dev items flatters `complaint`
   */
  crossStacked: Operating;
}

/**
 * Chooses the direct head's L2 out of fold on dev: per candidate, each fold's head is trained on the
 * other folds' dev rows and every `extra` row, the dev items of the fold are scored, the stack is
 * fitted on all dev items' out-of-fold (route, direct) pairs, and the candidate whose stacked score
 * has the best precision at recall ≥ minRecall wins.
 */
export function fitComplaintHead(input: {
  dev: readonly ComplaintRow[];
  extra: readonly ComplaintRow[];
  /** per dev item, the aspect route's out-of-fold score */
  route: readonly number[];
  foldOf: readonly number[];
  folds: number;
  tableBits: number;
  l2: readonly number[];
  minRecall: number;
  log?: (line: string) => void;
}): ComplaintHeadFit {
  const { dev, extra, route, foldOf, folds, tableBits, minRecall } = input;
  const gold = dev.map((r) => r.y === 1);
  const routeZ = route.map(routeLogit);
  let best: ComplaintHeadFit | undefined;
  for (const l2 of input.l2) {
    const direct = dev.map(() => 0);
    for (let f = 0; f < folds; f++) {
      const h = trainComplaintLinear([...dev.filter((_, i) => foldOf[i] !== f), ...extra], tableBits, l2);
      dev.forEach((r, i) => {
        if (foldOf[i] === f) direct[i] = directLogit(h, r.rows);
      });
    }
    const stack = fitPlatt2(
      routeZ,
      direct,
      dev.map((r) => r.y),
    );
    const stacked = dev.map((_, i) => sigmoid(stack.a * routeZ[i]! + stack.b * direct[i]! + stack.c));
    const crossStacked = dev.map(() => 0);
    for (let f = 0; f < folds; f++) {
      const idx = dev.map((_, i) => i).filter((i) => foldOf[i] !== f);
      const s = fitPlatt2(
        idx.map((i) => routeZ[i]!),
        idx.map((i) => direct[i]!),
        idx.map((i) => dev[i]!.y),
      );
      dev.forEach((_, i) => {
        if (foldOf[i] === f) crossStacked[i] = sigmoid(s.a * routeZ[i]! + s.b * direct[i]! + s.c);
      });
    }
    const fit: ComplaintHeadFit = {
      l2,
      stack,
      direct,
      stacked,
      complaint: bestAtRecall(stacked, gold, minRecall),
      directOnly: bestAtRecall(direct.map(sigmoid), gold, minRecall),
      ap: {
        route: averagePrecision(route, gold),
        direct: averagePrecision(direct, gold),
        stacked: averagePrecision(stacked, gold),
        crossStacked: averagePrecision(crossStacked, gold),
      },
      crossStacked: bestAtRecall(crossStacked, gold, minRecall),
    };
    input.log?.(
      `complaint head, L2 ${l2}: stacked ${JSON.stringify(fit.complaint)}, stack cross-fitted ${JSON.stringify(fit.crossStacked)}, direct alone ${JSON.stringify(fit.directOnly)}, AP ${JSON.stringify(fit.ap)}, stack a ${stack.a.toFixed(3)} b ${stack.b.toFixed(3)} c ${stack.c.toFixed(3)}`,
    );
    if (!best || fit.complaint.precision > best.complaint.precision) best = fit;
  }
  if (!best) throw new Error('fitComplaintHead needs at least one L2 candidate');
  return best;
}
