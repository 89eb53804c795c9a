/**
 * The learned clause-level aspect model (issue 18): a multi-label linear model over hashed n-grams
 * of one clause (zh: characters 1–3, no segmentation; en: words 1–2 and characters 3–5, which
 * reads hashtags and plurals), one logit per aspect, each with its own Platt calibration, so a
 * clause gets a calibrated P(aspect) for the seven aspects at once. A clause holds an aspect when
 * that probability reaches the aspect's threshold (chosen on the evaluation set's dev part,
 * out of fold). The clause's polarity for an aspect is the sentiment model's P(positive) of the
 * clause re-calibrated per aspect (σ(a_k · logit + c_k)): a short factual clause that only names
 * staff reads as neutral, not negative.
 *
 * Inference is plain JS: weights (float32 on disk, one row of `stride` values per hash bucket)
 * are quantised to int16 in a SharedArrayBuffer that scoring threads read in place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyCalibration, sigmoid, type Calibration } from './calibration.js';
import { FeatureBuffer, featurise, type FeatureSettings } from './features.js';
import { hashBytes, hashString } from './hash.js';
import { clauseAspects, type Aspect } from './aspects.js';
import { detectLanguage } from './language.js';

export const ASPECT_MODEL_FORMAT = 'kpi-aspects-linear/1';
/** bucket row width in the weight table (7 aspects + 1 pad: one 16-byte int16 row per bucket) */
export const ASPECT_STRIDE = 8;

export interface AspectModelMetadata {
  format: typeof ASPECT_MODEL_FORMAT;
  language: 'zh' | 'en';
  /** `aspects-<lang>@<hash of weights.bin>` */
  version: string;
  features: FeatureSettings;
  /** the keyword rules' verdicts on the clause are features too (one bucket per aspect they name) */
  keywordFeatures: boolean;
  aspects: Aspect[];
  weights: { file: string; dtype: 'float32'; stride: number; biases: number[] };
  /** per aspect: P(aspect) = σ(a · logit + c) */
  calibration: Calibration[];
  /** per aspect: the clause holds the aspect when P(aspect) ≥ threshold */
  thresholds: number[];
  /** per aspect: P(positive | clause, aspect) = σ(a · logit(P_sentiment(clause)) + c) */
  polarity: Calibration[];
  /**
   * a review is an agent's complaint when one of its agent-aspect hits has P(negative) at least this
   * (best precision at recall ≥ 0.75 on dev, out of fold)
   */
  complaintThreshold?: number;
  [extra: string]: unknown;
}

export interface AspectQuantised {
  q: Int16Array;
  step: number;
}

export interface ClauseAspect {
  aspect: Aspect;
  /** calibrated P(the clause is about this aspect) */
  confidence: number;
}

const KW_IDS = new Map<string, number>();
/**
 * The features of one clause: its hashed n-grams in `buf` (each worth 1/√n) and, with
 * `keywordFeatures`, the returned bucket ids of the aspects the keyword rules give it (each worth 1,
 * so the model learns where the rules are right and where they are not).
 */
export function aspectFeatures(
  clause: string,
  s: FeatureSettings,
  keywordFeatures: boolean,
  buf: FeatureBuffer,
  keywords?: readonly Aspect[],
): number[] {
  featurise(clause, s, buf);
  if (!keywordFeatures) return [];
  const mask = (1 << s.bits) - 1;
  return (keywords ?? clauseAspects(clause)).map((a) => {
    const key = `${s.seed}:${a}`;
    let id = KW_IDS.get(key);
    if (id === undefined) {
      id = hashString(`kw:${a}`, s.seed) & mask;
      KW_IDS.set(key, id);
    }
    return id;
  });
}

export class AspectPredictor {
  private readonly buf: FeatureBuffer;
  private readonly q: Int16Array;
  private readonly step: number;
  private readonly sums: Float64Array;

  constructor(
    readonly meta: AspectModelMetadata,
    weights: Float32Array | AspectQuantised,
  ) {
    const length = weights instanceof Float32Array ? weights.length : weights.q.length;
    if (length !== (1 << meta.features.bits) * meta.weights.stride)
      throw new Error(`${meta.version}: weights hold ${length} values, expected 2^${meta.features.bits}·stride`);
    this.buf = new FeatureBuffer(meta.features.bits);
    this.sums = new Float64Array(meta.aspects.length);
    if (!(weights instanceof Float32Array)) {
      this.q = weights.q;
      this.step = weights.step;
      return;
    }
    let max = 0;
    for (let i = 0; i < weights.length; i++) max = Math.max(max, Math.abs(weights[i]!));
    this.step = max > 0 ? max / 32767 : 1;
    this.q = new Int16Array(new SharedArrayBuffer(weights.length * 2));
    for (let i = 0; i < weights.length; i++) this.q[i] = Math.round(weights[i]! / this.step);
  }

  get version(): string {
    return this.meta.version;
  }

  get language(): 'zh' | 'en' {
    return this.meta.language;
  }

  get quantised(): { meta: AspectModelMetadata; weights: AspectQuantised } {
    return { meta: this.meta, weights: { q: this.q, step: this.step } };
  }

  /** Raw logits of one clause, one per aspect (in `meta.aspects` order); null when no feature is known. */
  logits(clause: string, keywords?: readonly Aspect[]): Float64Array | null {
    const kw = aspectFeatures(clause, this.meta.features, this.meta.keywordFeatures, this.buf, keywords);
    const { ids, n } = this.buf;
    if (n === 0) return null;
    const k = this.meta.aspects.length;
    const stride = this.meta.weights.stride;
    const sums = this.sums;
    sums.fill(0);
    const q = this.q;
    for (let i = 0; i < n; i++) {
      const base = ids[i]! * stride;
      for (let j = 0; j < k; j++) sums[j]! += q[base + j]!;
    }
    const scale = 1 / Math.sqrt(n);
    for (let j = 0; j < k; j++) sums[j]! *= scale;
    for (const id of kw) {
      const base = id * stride;
      for (let j = 0; j < k; j++) sums[j]! += q[base + j]!;
    }
    const biases = this.meta.weights.biases;
    for (let j = 0; j < k; j++) sums[j] = biases[j]! + sums[j]! * this.step;
    return sums;
  }

  /** Calibrated P(aspect) of one clause for every aspect (meta.aspects order). */
  probabilities(clause: string): number[] {
    const z = this.logits(clause);
    return this.meta.aspects.map((_, j) => (z ? applyCalibration(this.meta.calibration[j]!, z[j]!) : 0));
  }

  /** The aspects a clause holds (P(aspect) ≥ its threshold), with their probability. */
  detect(clause: string, keywords?: readonly Aspect[]): ClauseAspect[] {
    const z = this.logits(clause, keywords);
    if (!z) return [];
    const out: ClauseAspect[] = [];
    const { aspects, calibration, thresholds } = this.meta;
    for (let j = 0; j < aspects.length; j++) {
      const p = applyCalibration(calibration[j]!, z[j]!);
      if (p >= thresholds[j]!) out.push({ aspect: aspects[j]!, confidence: p });
    }
    return out;
  }

  /**
   * P(positive | clause, aspect) from the sentiment model's calibrated P(positive) of the clause; a
   * clause in another language than the model's was scored by another sentiment model: `p` stands.
   */
  polarity(aspect: Aspect, p: number, clause?: string): number {
    const j = this.meta.aspects.indexOf(aspect);
    const cal = this.meta.polarity[j];
    if (!cal || (clause !== undefined && detectLanguage(clause) !== this.meta.language)) return p;
    const clipped = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return sigmoid(cal.a * Math.log(clipped / (1 - clipped)) + cal.c);
  }
}

export function aspectWeightsVersion(language: string, weights: Float32Array): string {
  return `aspects-${language}@${hashBytes(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))}`;
}

/**
 * Reads a model directory written by `npm run train:aspects` (metadata.json + weights.bin).
 * @throws Error when a file is missing or inconsistent
 */
export function loadAspectModel(dir: string): AspectPredictor {
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as AspectModelMetadata;
  if (meta.format !== ASPECT_MODEL_FORMAT)
    throw new Error(`${dir}: unknown aspect model format ${String(meta.format)}`);
  const raw = readFileSync(join(dir, meta.weights.file));
  const weights = new Float32Array(raw.byteLength / 4);
  new Uint8Array(weights.buffer).set(raw);
  return new AspectPredictor(meta, weights);
}
