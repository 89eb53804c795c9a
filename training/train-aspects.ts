/**
 * Trains the clause-level aspect model of one language and writes models/aspects-<lang>/ (weights.bin,
 * metadata.json with settings, calibrations, thresholds, out-of-fold dev figures, data sources, this
 * command and the seconds it took). The run itself — which rows, weights, folds — is
 * `trainAspectModel` (src/reviews/sentiment/aspect-pipeline.ts), the same the `train_aspects` job runs.
 *
 * `--corrections FILE`: `GET /v1/corrections/export` saved as a file (texts masked); its rows join
 * every fit (folds included) with weight `--corrections-weight`, never the dev figures.
 *
 *   npm run train:aspects -- --lang zh|en [--recipe METADATA] [--out DIR] [--weak N] [--dev-weight W] [--epochs N] [--folds N]
 *     [--corrections FILE] [--no-train-labels] [--no-own-texts] [--train-labels-weight W] [--data DIR] [--oof FILE]
 *     [--review-polarity | --no-review-polarity] [--service-head [--service-head-l2 L,L,…] [--service-head-weak W] [--service-head-rows all|aspect]] [--train-labels-limit N] [--complaint-recall R] [--weak-intent unknown|negative] [--weak-fixes unknown|negative] [--cue-extra] [--own-texts-limit N] [--polarity-min-clauses N]
 *     [--review-features SCALE [--review-features-min-reviews N] [--review-features-rows all|labelled]] [--complaint-head [--complaint-head-l2 L,L,…] [--complaint-head-own-texts N]]
 *     [--neighbour-features SCALE [--neighbour-features-shared] [--neighbour-features-rows all|labelled]]
 *     [--weak-domains books,dvd [--weak-domains-label negative|unknown]] [--verdict-context SCALE]
 *
 * `--verdict-context SCALE`: with review features, a clause in which the keyword rules see an agent aspect
 * also reads its review's n-grams in rows of that aspect's own (metadata `verdictContext`); off by default.
 *
 * `--weak-domains LIST`: training only — a keyword-labelled weak row's agent-aspect "yes" in a review of
 * one of these train.csv domains (the file's `domain` column, zh's `cat`) becomes a "no" (metadata `training.weakDomains`).
 *
 * `--neighbour-features SCALE`: each clause also reads the n-grams of the clause before it and of the one
 * after it (each neighbour worth SCALE; metadata `neighbourFeatures`); off by default.
 *
 * `--complaint-head`: a review-level complaint head stacked with the aspect route (metadata
 * `complaintHead`, src/reviews/sentiment/complaint-head.ts); off by default.
 *
 * `--review-features SCALE`: each clause also reads its review's n-grams (hashed as the sentiment model
 * hashes them, worth SCALE together; metadata `reviewFeatures`); off by default.
 *
 * `--review-polarity`: a clause's polarity reads the whole review's sentiment too (metadata
 * `polarityReview`); off by default (see AspectTrainSettings.reviewPolarity).
 *
 * `--recipe FILE`: start from the settings a model's metadata.json records (`aspectRecipe`,
 * src/reviews/sentiment/aspect-recipe.ts: the recipe the `train_aspects` job starts from); the options
 * given win. `--recipe models/aspects-zh/metadata.json` trains zh as the shipped model was trained.
 * The command stored in the metadata leaves out `--out` and `--oof` (where it wrote, not the recipe).
 *
 * `--oof FILE`: each dev item's out-of-fold P(aspect) per aspect and complaint score (JSON lines, ids only),
 * for reading the model's dev errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTf } from '../src/ml/tf.js';
import { correctionItems } from '../src/reviews/sentiment/aspect-data.js';
import { type AspectTrainSettings, trainAspectModel } from '../src/reviews/sentiment/aspect-pipeline.js';
import {
  aspectRecipe,
  type RecipeMetadata,
  recipeCommand,
  withOverrides,
} from '../src/reviews/sentiment/aspect-recipe.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    /** a model's metadata.json whose recipe the run starts from */
    recipe: { type: 'string' },
    out: { type: 'string' },
    data: { type: 'string' },
    weak: { type: 'string' },
    'dev-weight': { type: 'string' },
    'weak-weight': { type: 'string' },
    'no-keyword-features': { type: 'boolean' },
    l2: { type: 'string' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    folds: { type: 'string' },
    models: { type: 'string', default: 'models' },
    corrections: { type: 'string' },
    'corrections-weight': { type: 'string' },
    'no-train-labels': { type: 'boolean' },
    'no-own-texts': { type: 'boolean' },
    'no-cues': { type: 'boolean' },
    'no-weak-doubt': { type: 'boolean' },
    'no-cue-features': { type: 'boolean' },
    /** the extra cue patterns too (ASPECT_CUES_EXTRA; metadata cueExtra; default off) */
    'cue-extra': { type: 'boolean' },
    'weak-agent-negatives': { type: 'boolean' },
    /** the clause's polarity reads the review's sentiment too (off by default) */
    'review-polarity': { type: 'boolean' },
    'no-review-polarity': { type: 'boolean', default: false },
    'train-labels-weight': { type: 'string' },
    /** a service-polarity head in the eighth column (off by default) */
    'service-head': { type: 'boolean' },
    /** its L2 candidates, comma-separated (chosen out of fold on dev) */
    'service-head-l2': { type: 'string' },
    /** weight of the head's weak rows (train.csv agent clauses with their review's label; default 0: none) */
    'service-head-weak': { type: 'string' },
    /** the table rows the head may use: all (default) or aspect (those of the aspect columns: no new row) */
    'service-head-rows': { type: 'string' },
    /** only the first N hand labels in the aspect columns' fits (the service head reads all) */
    'train-labels-limit': { type: 'string' },
    /** weak rows' returns handling on a customer's own return: unknown or negative (default: kept) */
    'weak-intent': { type: 'string' },
    /** weak rows' agent-aspect "yes" where the rules read a cue the guidelines do not (WEAK_FIXES): unknown or negative (default: kept) */
    'weak-fixes': { type: 'string' },
    /** weak rows' agent-aspect "yes" in reviews of these train.csv domains (comma-separated, e.g. books,dvd) becomes a "no" (default: none) */
    'weak-domains': { type: 'string' },
    /** with --weak-domains: negative (default) or unknown (left out of the loss) */
    'weak-domains-label': { type: 'string' },
    /** only the first N own training texts (default all; a recipe: the N its model read) */
    'own-texts-limit': { type: 'string' },
    /** the fewest dev clauses a polarity calibration without the service head is fitted on (default 20) */
    'polarity-min-clauses': { type: 'string' },
    /** review-context features worth this much (AspectTrainSettings.reviewFeatures; e.g. 1; default: none) */
    'review-features': { type: 'string' },
    /** with --review-features: a review n-gram is a feature only when read in at least N training reviews */
    'review-features-min-reviews': { type: 'string' },
    /** with --review-features: all (default) or labelled (the weak rows read no context in training) */
    'review-features-rows': { type: 'string' },
    /** neighbour-clause features, each neighbour worth this much (AspectTrainSettings.neighbourFeatures; e.g. 0.5; default: none) */
    'neighbour-features': { type: 'string' },
    /** with --neighbour-features: one set of rows for the previous and the next clause */
    'neighbour-features-shared': { type: 'boolean' },
    /** with --neighbour-features: all (default) or labelled (the weak rows read no neighbours in training) */
    'neighbour-features-rows': { type: 'string' },
    /** the keyword verdict × review context, worth this much (AspectTrainSettings.verdictContext; needs --review-features; default: none) */
    'verdict-context': { type: 'string' },
    /** a review-level complaint head stacked with the aspect route (AspectTrainSettings.complaintHead; off by default) */
    'complaint-head': { type: 'boolean' },
    /** its L2 candidates, comma-separated (chosen out of fold on dev) */
    'complaint-head-l2': { type: 'string' },
    /** the complaint head reads the own texts file's first N (default: those the aspect columns read) */
    'complaint-head-own-texts': { type: 'string' },
    /** the out-of-fold recall the agent's-complaint threshold must reach (default 0.75) */
    'complaint-recall': { type: 'string' },
    /** writes each dev item's out-of-fold probabilities (JSON lines) to this file */
    oof: { type: 'string' },
  },
});
if (args.lang !== 'zh' && args.lang !== 'en') {
  console.error(
    'usage: train-aspects --lang zh|en [--out DIR] [--weak N] [--dev-weight W] [--epochs N] [--corrections FILE]',
  );
  process.exit(2);
}
const lang = args.lang;
const headRows = args['service-head-rows'];
if (headRows !== undefined && headRows !== 'all' && headRows !== 'aspect') {
  console.error('--service-head-rows: all or aspect');
  process.exit(2);
}
const nbRows = args['neighbour-features-rows'];
if (nbRows !== undefined && nbRows !== 'all' && nbRows !== 'labelled') {
  console.error('--neighbour-features-rows: all or labelled');
  process.exit(2);
}
for (const flag of ['weak-intent', 'weak-fixes', 'weak-domains-label'] as const) {
  const v = args[flag];
  if (v !== undefined && v !== 'unknown' && v !== 'negative') {
    console.error(`--${flag}: unknown or negative`);
    process.exit(2);
  }
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
/** a `--no-x` flag: false when given, else the recipe's (or the default) */
const no = (flag: boolean | undefined) => (flag ? false : undefined);
const given: AspectTrainSettings = {
  weak: num(args.weak),
  weakWeight: num(args['weak-weight']),
  devWeight: num(args['dev-weight']),
  keywordFeatures: no(args['no-keyword-features']),
  l2: num(args.l2),
  learningRate: num(args.lr),
  epochs: num(args.epochs),
  folds: num(args.folds),
  trainLabels: no(args['no-train-labels']),
  ownTexts: no(args['no-own-texts']),
  cues: no(args['no-cues']),
  weakDoubt: no(args['no-weak-doubt']),
  cueFeatures: no(args['no-cue-features']),
  cueExtra: args['cue-extra'],
  weakAgentNegatives: args['weak-agent-negatives'],
  reviewPolarity: args['no-review-polarity'] ? false : args['review-polarity'],
  trainLabelsWeight: num(args['train-labels-weight']),
  serviceHead: args['service-head'],
  serviceHeadL2: args['service-head-l2']?.split(',').map(Number),
  serviceHeadWeak: num(args['service-head-weak']),
  serviceHeadRows: headRows as 'all' | 'aspect' | undefined,
  trainLabelsLimit: num(args['train-labels-limit']),
  correctionsWeight: num(args['corrections-weight']),
  complaintRecall: num(args['complaint-recall']),
  polarityMinClauses: num(args['polarity-min-clauses']),
  weakIntent: args['weak-intent'] as 'unknown' | 'negative' | undefined,
  weakFixes: args['weak-fixes'] as 'unknown' | 'negative' | undefined,
  weakDomains: args['weak-domains']?.split(',').filter((d) => d !== ''),
  weakDomainsLabel: args['weak-domains-label'] as 'unknown' | 'negative' | undefined,
  ownTextsLimit: num(args['own-texts-limit']),
  reviewFeatures: num(args['review-features']),
  reviewFeaturesMinReviews: num(args['review-features-min-reviews']),
  reviewFeaturesRows: args['review-features-rows'] as 'all' | 'labelled' | undefined,
  neighbourFeatures: num(args['neighbour-features']),
  neighbourFeaturesShared: args['neighbour-features-shared'],
  neighbourFeaturesRows: args['neighbour-features-rows'] as 'all' | 'labelled' | undefined,
  verdictContext: num(args['verdict-context']),
  complaintHead: args['complaint-head'],
  complaintHeadL2: args['complaint-head-l2']?.split(',').map(Number),
  complaintHeadOwnTexts: num(args['complaint-head-own-texts']),
};
const recipe = args.recipe ? aspectRecipe(JSON.parse(readFileSync(args.recipe, 'utf8')) as RecipeMetadata) : {};
const trained = await trainAspectModel(await loadTf(), {
  language: lang,
  dataDir: args.data,
  sentimentDir: join(args.models, `sentiment-${lang}`),
  corrections: args.corrections ? correctionItems(JSON.parse(readFileSync(args.corrections, 'utf8')), lang) : [],
  settings: withOverrides(recipe, given),
  command: recipeCommand(process.argv.slice(2)),
  ...(args.recipe
    ? {
        recipe: {
          from: args.recipe,
          overrides: Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
        },
      }
    : {}),
  log: (line) => console.error(line),
});
if (args.oof) writeFileSync(args.oof, trained.outOfFold.map((r) => `${JSON.stringify(r)}\n`).join(''));
const out = args.out ?? join('models', `aspects-${lang}`);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'weights.bin'), new Uint8Array(trained.weights.buffer));
writeFileSync(join(out, 'metadata.json'), `${JSON.stringify(trained.meta, null, 2)}\n`);
const { seconds } = trained.meta.training as { seconds: number };
console.log(
  JSON.stringify({
    model: out,
    version: trained.meta.version,
    seconds,
    dev_out_of_fold: trained.figures.dev_out_of_fold,
    agent_f1: trained.figures.agent_f1,
  }),
);
