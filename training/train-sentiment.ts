/**
 * Trains the review-sentiment model of one language and writes models/sentiment-<lang>/
 * (weights.bin, metadata.json with tokenizer + hashing settings, calibration, metrics on dev and
 * test, data source, this command, seed and training seconds).
 *
 *   npm run train:sentiment -- --lang zh --data ../shared/data/reviews/zh-online-shopping [--out DIR] [--seed 42]
 *   npm run train:sentiment -- --lang en --data ../shared/data/reviews/en-amazon-multidomain
 */
import { parseArgs } from 'node:util';
import { loadTf } from '../src/ml/tf.js';
import { trainSentiment, writeModel } from '../src/reviews/sentiment/pipeline.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    epochs: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
if ((args.lang !== 'zh' && args.lang !== 'en') || !args.data) {
  console.error(
    'usage: train-sentiment --lang zh|en --data DIR_WITH_train/dev/test.csv [--out DIR] [--seed N] [--epochs N]',
  );
  process.exit(2);
}
const language = args.lang;
const out = args.out ?? `models/sentiment-${language}`;
const tf = await loadTf();
const options: Record<string, number> = {};
if (args.seed !== undefined) options.seed = Number(args.seed);
if (args.epochs !== undefined) options.epochs = Number(args.epochs);
const trained = await trainSentiment(tf, {
  language,
  dataDir: args.data,
  options,
  command: `npm run train:sentiment -- ${process.argv.slice(2).join(' ')}`,
  log: args.quiet ? undefined : (line) => console.error(line),
});
writeModel(out, trained);
const m = trained.meta.metrics as Record<string, { calibrated: Record<string, number> } | undefined>;
console.log(
  JSON.stringify({
    model: out,
    version: trained.meta.version,
    training_s: (trained.meta.training as { seconds: number }).seconds,
    dev: m.dev?.calibrated,
    test: m.test?.calibrated,
  }),
);
