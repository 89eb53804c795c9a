/**
 * Trains the clause-level aspect model of one language (src/reviews/sentiment/aspect-model.ts) and
 * writes models/aspects-<lang>/ (weights.bin, metadata.json with settings, calibrations,
 * thresholds, out-of-fold dev figures, data sources, this command and the seconds it took).
 *
 * Training rows:
 * - weak labels: clauses of the language's sentiment `train.csv` (never the evaluation set's
 *   rows, which come from dev.csv and test.csv), labelled by the keyword rules v2 — every clause
 *   with a hit and as many without;
 * - the evaluation set's **dev** part (weight `--dev-weight`): per item and aspect, the clauses the
 *   keyword rules point to (or all clauses of a short item when none does) are positive, every
 *   clause of an item without the aspect is negative, and the whole text is one more row with the
 *   item's labels. The test part is never read here.
 * - hand labels on rows of train.csv (data/aspects/train-labels-<lang>.jsonl, `--train-labels-weight`,
 *   default that of dev; `--no-train-labels` leaves them out): rows made like the dev rows, in every
 *   fit (folds included), never in the dev figures; their train.csv rows leave the weak rows.
 * - quality leads' corrections (`--corrections FILE`: `GET /v1/corrections/export` saved as a file,
 *   texts masked; weight `--corrections-weight`): the rows of the corrections in force with aspect
 *   labels, made like the dev rows; they join every fit (folds included) and never the dev figures.
 * Calibration (Platt per aspect on the review-level max logit), the per-aspect thresholds (best
 * dev F1) and the aspect-conditioned polarity calibrations are fitted out of fold (3 folds of dev
 * items, each predicted by a model trained without it); the shipped model is trained on all rows.
 *
 *   npm run train:aspects -- --lang zh|en [--out DIR] [--weak N] [--dev-weight W] [--epochs N] [--corrections FILE]
 *     [--no-train-labels] [--train-labels-weight W]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTf } from '../src/ml/tf.js';
import {
  ASPECT_MODEL_FORMAT,
  ASPECT_STRIDE,
  AspectPredictor,
  aspectWeightsVersion,
  type AspectModelMetadata,
} from '../src/reviews/sentiment/aspect-model.js';
import { DEFAULT_ASPECT_TRAIN, featuriseClauses, trainAspectLinear } from '../src/reviews/sentiment/aspect-train.js';
import { ASPECT_ORDER, clauseAspects, splitClauses, type Aspect } from '../src/reviews/sentiment/aspects.js';
import { fitPlatt, identityCalibration, sigmoid, type Calibration } from '../src/reviews/sentiment/calibration.js';
import { readLabelledCsv } from '../src/reviews/sentiment/data.js';
import type { FeatureSettings } from '../src/reviews/sentiment/features.js';
import { loadPredictor } from '../src/reviews/sentiment/predictor.js';
import { rng } from '../src/reviews/sentiment/train.js';
import { correctionItems, DEFAULT_DATA_DIR, loadAspectEvalSet, type AspectEvalItem } from './aspects-eval-set.js';
import { loadTrainLabels } from './aspects-train-labels.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    out: { type: 'string' },
    weak: { type: 'string' },
    'dev-weight': { type: 'string', default: '4' },
    'weak-weight': { type: 'string', default: '1' },
    'no-keyword-features': { type: 'boolean', default: false },
    l2: { type: 'string' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    folds: { type: 'string', default: '3' },
    models: { type: 'string', default: 'models' },
    corrections: { type: 'string' },
    'corrections-weight': { type: 'string', default: '4' },
    'no-train-labels': { type: 'boolean', default: false },
    'train-labels-weight': { type: 'string' },
  },
});
if (args.lang !== 'zh' && args.lang !== 'en') {
  console.error(
    'usage: train-aspects --lang zh|en [--out DIR] [--weak N] [--dev-weight W] [--epochs N] [--corrections FILE]',
  );
  process.exit(2);
}
const lang = args.lang;
const started = performance.now();
const log = (line: string) => console.error(line);
const K = ASPECT_ORDER.length;
const settings: FeatureSettings =
  lang === 'zh'
    ? { language: 'zh', bits: 18, seed: 1818, charNgrams: [1, 3], wordNgrams: null, maxChars: 400 }
    : { language: 'en', bits: 18, seed: 1818, charNgrams: [3, 5], wordNgrams: [1, 2], maxChars: 1000 };
const train = {
  ...DEFAULT_ASPECT_TRAIN,
  log,
  ...(args.epochs ? { epochs: Number(args.epochs) } : {}),
  ...(args.l2 ? { l2: Number(args.l2) } : {}),
  ...(args.lr ? { learningRate: Number(args.lr) } : {}),
};
const keywordFeatures = !args['no-keyword-features'];
const weakWeight = Number(args['weak-weight']);
const devWeight = Number(args['dev-weight']);
const source = lang === 'zh' ? 'zh-online-shopping/train.csv' : 'en-amazon-multidomain/train.csv';

// ---- hand labels on train.csv rows (their rows leave the weak rows)
const handLabelled = args['no-train-labels'] ? [] : loadTrainLabels(lang);
const handRows = new Set(handLabelled.map((it) => it.src!.row));

// ---- weak rows: keyword-labelled clauses of train.csv
const random = rng(1818);
const weakTexts: string[] = [];
const weakLabels: number[][] = [];
{
  const hit: string[] = [];
  const miss: string[] = [];
  for (const [row, r] of readLabelledCsv(join(DEFAULT_DATA_DIR, source)).entries())
    if (!handRows.has(row))
      for (const c of splitClauses(r.review)) (clauseAspects(c.text).length > 0 ? hit : miss).push(c.text);
  const shuffle = (xs: string[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
  };
  shuffle(hit);
  shuffle(miss);
  const cap = Number(args.weak ?? (lang === 'zh' ? 40000 : 30000));
  const take = [...hit.slice(0, Math.ceil(cap / 2)), ...miss.slice(0, Math.floor(cap / 2))];
  for (const t of take) {
    const found = new Set(clauseAspects(t));
    weakTexts.push(t);
    weakLabels.push(ASPECT_ORDER.map((a) => (found.has(a) ? 1 : 0)));
  }
  log(`weak rows ${weakTexts.length} (clauses with a keyword hit ${hit.length}, without ${miss.length})`);
}

// ---- dev rows
const dev = loadAspectEvalSet(lang, { part: 'dev' });
function devRows(items: AspectEvalItem[]): { texts: string[]; labels: number[][] } {
  const texts: string[] = [];
  const labels: number[][] = [];
  for (const it of items) {
    const clauses = splitClauses(it.text).map((c) => c.text);
    const kw = clauses.map((c) => new Set(clauseAspects(c)));
    const per = clauses.map(() => new Array<number>(K).fill(0));
    ASPECT_ORDER.forEach((a, j) => {
      if (it.aspects[a] === undefined) return;
      const pointed = kw.map((s, i) => (s.has(a) ? i : -1)).filter((i) => i >= 0);
      if (pointed.length > 0) for (const i of pointed) per[i]![j] = 1;
      else if (clauses.length <= 2) for (const row of per) row[j] = 1;
    });
    clauses.forEach((c, i) => {
      texts.push(c);
      labels.push(per[i]!);
    });
    if (clauses.length > 1) {
      texts.push(it.text);
      labels.push(ASPECT_ORDER.map((a) => (it.aspects[a] !== undefined ? 1 : 0)));
    }
  }
  return { texts, labels };
}

// ---- quality leads' corrections (GET /v1/corrections/export saved as a file): training rows of every fit, never in the dev figures
const corrections = args.corrections ? correctionItems(JSON.parse(readFileSync(args.corrections, 'utf8')), lang) : [];
const correctionWeight = Number(args['corrections-weight']);
const corrected = devRows(corrections);
if (args.corrections)
  log(`corrections: ${corrections.length} reviews, ${corrected.texts.length} rows from ${args.corrections}`);
const handWeight = Number(args['train-labels-weight'] ?? devWeight);
const hand = devRows(handLabelled);
log(`hand labels on train.csv: ${handLabelled.length} reviews, ${hand.texts.length} rows, weight ${handWeight}`);

const tf = await loadTf();
async function fit(items: AspectEvalItem[]) {
  const d = devRows(items);
  const rows = featuriseClauses(
    [...weakTexts, ...d.texts, ...hand.texts, ...corrected.texts],
    [...weakLabels, ...d.labels, ...hand.labels, ...corrected.labels],
    [
      ...weakTexts.map(() => weakWeight),
      ...d.texts.map(() => devWeight),
      ...hand.texts.map(() => handWeight),
      ...corrected.texts.map(() => correctionWeight),
    ],
    settings,
    keywordFeatures,
  );
  return trainAspectLinear(tf, rows, settings.bits, ASPECT_STRIDE, train);
}
function predictorOf(w: { weights: Float32Array; biases: number[] }, extra: Partial<AspectModelMetadata> = {}) {
  const meta: AspectModelMetadata = {
    format: ASPECT_MODEL_FORMAT,
    language: lang,
    version: aspectWeightsVersion(lang, w.weights),
    features: settings,
    keywordFeatures,
    aspects: [...ASPECT_ORDER],
    weights: { file: 'weights.bin', dtype: 'float32', stride: ASPECT_STRIDE, biases: w.biases },
    calibration: ASPECT_ORDER.map(() => identityCalibration),
    thresholds: ASPECT_ORDER.map(() => 0.5),
    polarity: ASPECT_ORDER.map(() => identityCalibration),
    ...extra,
  };
  return new AspectPredictor(meta, w.weights);
}

// ---- out of fold: review-level max logits and the clause each aspect peaks on
const folds = Number(args.folds);
const foldOf = dev.map((_, i) => i % folds);
const oofMax: number[][] = dev.map(() => new Array<number>(K).fill(-Infinity));
const oofClause: string[][] = dev.map(() => new Array<string>(K).fill(''));
/** per dev item: its clauses with their out-of-fold logits */
const oofClauses: Array<Array<{ text: string; z: number[] }>> = dev.map(() => []);
for (let f = 0; f < folds; f++) {
  log(`fold ${f + 1}/${folds}`);
  const p = predictorOf(await fit(dev.filter((_, i) => foldOf[i] !== f)));
  dev.forEach((it, i) => {
    if (foldOf[i] !== f) return;
    for (const c of splitClauses(it.text)) {
      const z = p.logits(c.text);
      if (!z) continue;
      oofClauses[i]!.push({ text: c.text, z: Array.from(z) });
      for (let j = 0; j < K; j++)
        if (z[j]! > oofMax[i]![j]!) {
          oofMax[i]![j] = z[j]!;
          oofClause[i]![j] = c.text;
        }
    }
  });
}
const finite = (z: number) => (Number.isFinite(z) ? z : -20);
const gold = (i: number, a: Aspect) => (dev[i]!.aspects[a] !== undefined ? 1 : 0);
const calibration: Calibration[] = ASPECT_ORDER.map((a) =>
  fitPlatt(
    oofMax.map((z, _) => finite(z[ASPECT_ORDER.indexOf(a)]!)),
    dev.map((_, i) => gold(i, a)),
  ),
);
const round = (x: number) => Math.round(x * 1000) / 1000;
const agentCounts = { tp: 0, fp: 0, fn: 0 };
const oofFigures: Record<string, { threshold: number; precision: number; recall: number; f1: number }> = {};
const thresholds = ASPECT_ORDER.map((a, j) => {
  const probs = oofMax.map((z) => sigmoid(calibration[j]!.a * finite(z[j]!) + calibration[j]!.c));
  let best = { t: 0.5, f1: -1, p: 0, r: 0, tp: 0, fp: 0, fn: 0 };
  for (let t = 0.1; t <= 0.9001; t += 0.025) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    probs.forEach((p, i) => {
      const g = gold(i, a) === 1;
      if (p >= t) g ? tp++ : fp++;
      else if (g) fn++;
    });
    const prec = tp + fp ? tp / (tp + fp) : 0;
    const rec = tp + fn ? tp / (tp + fn) : 0;
    const f1 = prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
    if (f1 > best.f1) best = { t, f1, p: prec, r: rec, tp, fp, fn };
  }
  oofFigures[a] = { threshold: round(best.t), precision: round(best.p), recall: round(best.r), f1: round(best.f1) };
  if (j < 3) for (const key of ['tp', 'fp', 'fn'] as const) agentCounts[key] += best[key];
  return round(best.t);
});
const agentF1 = round((2 * agentCounts.tp) / (2 * agentCounts.tp + agentCounts.fp + agentCounts.fn));
log(`out-of-fold dev: ${JSON.stringify(oofFigures)}; agent aspects micro F1 ${agentF1}`);

// ---- polarity conditioned on the aspect: the sentiment model's clause logit re-calibrated per aspect
const sentiment = loadPredictor(join(args.models, `sentiment-${lang}`));
const TARGET = { positive: 1, negative: 0, neutral: 0.5, mixed: 0.25 } as const;
const polarity: Calibration[] = ASPECT_ORDER.map((a, j) => {
  const zs: number[] = [];
  const ys: number[] = [];
  dev.forEach((it, i) => {
    const pol = it.aspects[a];
    const clause = oofClause[i]![j];
    if (!pol || !clause) return;
    const p = Math.min(1 - 1e-6, Math.max(1e-6, sentiment.probability(clause)));
    zs.push(Math.log(p / (1 - p)));
    ys.push(TARGET[pol]);
  });
  return zs.length >= 20 ? { ...fitPlatt(zs, ys), fittedOn: `dev (${zs.length} clauses)` } : identityCalibration;
});

// ---- the agent's-complaint threshold, out of fold: a review's score is the highest P(negative) of
// its clauses' agent-aspect hits; the threshold with the best precision at recall ≥ 0.75
const complaintScores = dev.map((_, i) => {
  let score = 0;
  for (const c of oofClauses[i]!) {
    let p: number | undefined;
    for (let j = 0; j < 3; j++) {
      if (sigmoid(calibration[j]!.a * c.z[j]! + calibration[j]!.c) < thresholds[j]!) continue;
      p ??= Math.min(1 - 1e-6, Math.max(1e-6, sentiment.probability(c.text)));
      score = Math.max(score, 1 - sigmoid(polarity[j]!.a * Math.log(p / (1 - p)) + polarity[j]!.c));
    }
  }
  return score;
});
let complaint = { threshold: 0.65, precision: 0, recall: 0 };
for (const t of [...new Set(complaintScores.filter((x) => x > 0))].sort((a, b) => a - b)) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  complaintScores.forEach((x, i) => {
    if (x >= t) dev[i]!.agentComplaint ? tp++ : fp++;
    else if (dev[i]!.agentComplaint) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  if (recall >= 0.75 && precision >= complaint.precision)
    complaint = { threshold: round(t), precision: round(precision), recall: round(recall) };
}
log(`agent's complaint, out of fold: ${JSON.stringify(complaint)}`);

// ---- the shipped model: all rows
log('final model');
const final = await fit(dev);
const seconds = Math.round((performance.now() - started) / 100) / 10;
const predictor = predictorOf(final, {
  calibration: calibration.map((c) => ({ ...c, fittedOn: 'dev, out of fold (review-level max logit)' })),
  thresholds,
  polarity,
  complaintThreshold: complaint.threshold,
  training: {
    weak: { source, rows: weakTexts.length, labels: 'keyword rules v2 (src/reviews/sentiment/aspects.ts)' },
    weakWeight,
    dev: { items: dev.length, weight: devWeight, folds },
    trainLabels: {
      file: `data/aspects/train-labels-${lang}.jsonl`,
      items: handLabelled.length,
      rows: hand.texts.length,
      weight: handWeight,
    },
    corrections: { items: corrections.length, rows: corrected.texts.length, weight: correctionWeight },
    options: { ...train, log: undefined },
    command: `npm run train:aspects -- ${process.argv.slice(2).join(' ')}`,
    seconds,
  },
  metrics: { dev_out_of_fold: oofFigures, dev_out_of_fold_agent_f1: agentF1, dev_out_of_fold_complaint: complaint },
});
const out = args.out ?? join('models', `aspects-${lang}`);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'weights.bin'), new Uint8Array(final.weights.buffer));
writeFileSync(join(out, 'metadata.json'), `${JSON.stringify(predictor.meta, null, 2)}\n`);
console.log(
  JSON.stringify({ model: out, version: predictor.version, seconds, dev_out_of_fold: oofFigures, agent_f1: agentF1 }),
);
