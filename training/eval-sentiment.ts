/**
 * Evaluates a trained sentiment model on any CSV with `review` and `label` (0/1) columns and
 * prints ONE JSON line {"n","accuracy","f1","ece","neutral_share","reviews_per_s"}: accuracy and F1
 * over the forced decision P(positive) ≥ 0.5, ECE with 15 bins, the share inside the neutral band,
 * and scoring throughput from raw text (tokenising included) in this process.
 *
 *   npm run eval:sentiment -- --model models/sentiment-zh --data ../shared/data/reviews/zh-online-shopping/test.csv --json
 */
import { parseArgs } from 'node:util';
import { readLabelledCsv } from '../src/reviews/sentiment/data.js';
import { evaluate } from '../src/reviews/sentiment/metrics.js';
import { loadPredictor } from '../src/reviews/sentiment/predictor.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean', default: false } },
});
if (!args.model || !args.data) {
  console.error('usage: eval-sentiment --model models/sentiment-zh --data FILE.csv [--json]');
  process.exit(2);
}
const predictor = loadPredictor(args.model);
const rows = readLabelledCsv(args.data);
predictor.probability('warm up 预热'); // load jieba / tokenizer outside the timed loop
const probs = new Float64Array(rows.length);
const started = performance.now();
for (let i = 0; i < rows.length; i++) probs[i] = predictor.probability(rows[i]!.review);
const seconds = (performance.now() - started) / 1000;
const figures = {
  ...evaluate(
    probs,
    rows.map((r) => r.label),
    predictor.meta.neutralBand,
  ),
  reviews_per_s: Math.round(rows.length / seconds),
};
if (args.json) console.log(JSON.stringify(figures));
else
  console.log(
    `${predictor.version} on ${args.data}\n${Object.entries(figures)
      .map(([k, v]) => `  ${k.padEnd(14)} ${v}`)
      .join('\n')}`,
  );
