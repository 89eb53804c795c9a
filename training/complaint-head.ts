/**
 * Issue 18, ninth session: the review-level complaint head (src/reviews/sentiment/complaint-head.ts)
 * fitted beside an aspect model's out-of-fold route scores, without training the aspect model again
 * (reading aid and quick grid; `npm run train:aspects -- … --complaint-head` fits the same head inside
 * a training run and ships it in the model).
 *
 *   npx tsx training/complaint-head.ts --lang zh|en --oof FILE [--threshold T] [--l2 1e-4,1e-3] [--weak W] [--errors]
 *
 * `--oof FILE`: the `--oof` output of `npm run train:aspects` (per dev item its out-of-fold route score);
 * `--errors`: lists the route's false complaints and missed complaints at `--threshold` (the model's
 * complaintThreshold) with their texts, for reading (ids and figures only are ever committed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_DATA_DIR,
  type Lang,
  loadAspectEvalSet,
  loadOwnTrainTexts,
  loadTrainLabels,
  TRAIN_FILE,
} from '../src/reviews/sentiment/aspect-data.js';
import { complaintWeakRows, COMPLAINT_SALT } from '../src/reviews/sentiment/aspect-pipeline.js';
import { complaintRows, fitComplaintHead, type ComplaintRow } from '../src/reviews/sentiment/complaint-head.js';
import type { ModelMetadata } from '../src/reviews/sentiment/predictor.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    oof: { type: 'string' },
    threshold: { type: 'string' },
    l2: { type: 'string', default: '1e-5,1e-4,1e-3,1e-2' },
    weak: { type: 'string', default: '0' },
    'table-bits': { type: 'string', default: '18' },
    folds: { type: 'string', default: '3' },
    recall: { type: 'string', default: '0.75' },
    errors: { type: 'boolean', default: false },
  },
});
const lang = args.lang as Lang;
const dev = loadAspectEvalSet(lang, { part: 'dev' });
const oof = new Map(
  readFileSync(args.oof!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; probabilities: number[]; complaint: number })
    .map((r) => [r.id, r]),
);
const route = dev.map((it) => oof.get(it.id)!.complaint);

if (args.errors) {
  const t = Number(args.threshold);
  const show = (it: (typeof dev)[number], i: number) =>
    `${it.id}\t${route[i]!.toFixed(3)}\t${JSON.stringify(it.aspects)}\tp=${oof
      .get(it.id)!
      .probabilities.slice(0, 3)
      .map((x) => x.toFixed(2))
      .join('/')}\t${it.text.replace(/\s+/g, ' ').slice(0, 160)}`;
  console.log(`# false complaints at ${t}`);
  dev.forEach((it, i) => {
    if (route[i]! >= t && !it.agentComplaint) console.log(show(it, i));
  });
  console.log(`# missed complaints at ${t}`);
  dev.forEach((it, i) => {
    if (route[i]! < t && it.agentComplaint) console.log(show(it, i));
  });
}

const features = (
  JSON.parse(readFileSync(join('models', `sentiment-${lang}`, 'metadata.json'), 'utf8')) as ModelMetadata
).features;
const tableBits = Number(args['table-bits']);
const toRow = (text: string, y: boolean, weight = 1): ComplaintRow => ({
  rows: complaintRows(text, features, COMPLAINT_SALT, tableBits),
  y: y ? 1 : 0,
  weight,
});
const extraItems = [...loadTrainLabels(lang), ...loadOwnTrainTexts(lang)];
const weakWeight = Number(args.weak);
const weak =
  weakWeight > 0
    ? complaintWeakRows(
        join(DEFAULT_DATA_DIR, TRAIN_FILE[lang]),
        new Set(loadTrainLabels(lang).map((it) => it.src!.row)),
        20000,
      )
    : { texts: [], targets: [] };
const extra = [
  ...extraItems.map((it) => toRow(it.text, it.agentComplaint)),
  ...weak.texts.map((t, i) => toRow(t, weak.targets[i] === 1, weakWeight)),
];
const folds = Number(args.folds);
const fit = fitComplaintHead({
  dev: dev.map((it) => toRow(it.text, it.agentComplaint)),
  extra,
  route,
  foldOf: dev.map((_, i) => i % folds),
  folds,
  tableBits,
  l2: args.l2.split(',').map(Number),
  minRecall: Number(args.recall),
  log: (l) => console.error(l),
});
console.log(
  JSON.stringify({
    lang,
    dev: dev.length,
    complaints: dev.filter((it) => it.agentComplaint).length,
    extra: extraItems.length,
    weak: weak.texts.length,
    l2: fit.l2,
    stacked: fit.complaint,
    cross: fit.crossStacked,
    direct: fit.directOnly,
    ap: fit.ap,
    stack: fit.stack,
  }),
);
