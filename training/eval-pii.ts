/**
 * Evaluates personal-data masking on the labelled set in data/pii/ (zh.jsonl, en.jsonl): precision
 * and recall per class on dev and test, span-level exact and overlap, with the default options and
 * (order class) with the JD, Pinduoduo and Amazon patterns added. Then throughput on the zh review
 * test set: maskPersonalData, maskPersonalText and containsPersonalData, with the zh sentiment predictor timed in the
 * same run as the anchor (rounds alternated, median of three).
 *
 *   npm run eval:pii                 # tables
 *   npm run eval:pii -- --json       # one JSON line
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readLabelledCsv } from '../src/reviews/sentiment/data.js';
import { loadPredictor } from '../src/reviews/sentiment/predictor.js';
import {
  AMAZON_ORDER_PATTERN,
  createMasker,
  DEFAULT_ORDER_PATTERNS,
  JD_ORDER_PATTERN,
  PDD_ORDER_PATTERN,
  PII_CLASSES,
  type PiiClass,
} from '../src/privacy/index.js';
import { type Figures, type Span, spanFigures } from '../src/privacy/metrics.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    data: { type: 'string', default: 'data/pii' },
    reviews: { type: 'string', default: '../shared/data/reviews/zh-online-shopping/test.csv' },
    model: { type: 'string', default: 'models/sentiment-zh' },
  },
});

interface Item {
  id: string;
  split: 'dev' | 'test';
  text: string;
  spans: (Span & { text: string })[];
}

function readSet(lang: string): Item[] {
  const path = `${args.data}/${lang}.jsonl`;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const item = JSON.parse(line) as Item;
      for (const s of item.spans) {
        if (!(PII_CLASSES as readonly string[]).includes(s.class))
          throw new Error(`${path}:${i + 1}: class ${s.class}`);
        if (item.text.slice(s.start, s.end) !== s.text) throw new Error(`${path}:${i + 1}: span ${s.start}-${s.end}`);
      }
      return item;
    });
}

const masker = createMasker();
const withExtras = createMasker({
  orderPatterns: [...DEFAULT_ORDER_PATTERNS, JD_ORDER_PATTERN, PDD_ORDER_PATTERN, AMAZON_ORDER_PATTERN],
});
const sets = { zh: readSet('zh'), en: readSet('en') };

type Result = Record<string, Record<'dev' | 'test', Figures & { order_with_extra_patterns: Figures['order'] }>>;
const quality: Result = {};
for (const [lang, items] of Object.entries(sets)) {
  quality[lang] = {} as Result[string];
  for (const split of ['dev', 'test'] as const) {
    const part = items.filter((it) => it.split === split);
    const figures = spanFigures(part.map((it) => ({ gold: it.spans, found: masker.mask(it.text).found })));
    const extra = spanFigures(part.map((it) => ({ gold: it.spans, found: withExtras.mask(it.text).found })));
    quality[lang]![split] = { ...figures, order_with_extra_patterns: extra.order };
  }
}

// throughput on real reviews, sentiment scoring as the same-run anchor
const reviews = readLabelledCsv(args.reviews).map((r) => r.review);
const predictor = loadPredictor(args.model);
const time = (fn: (text: string) => unknown): number => {
  const t0 = performance.now();
  for (const r of reviews) fn(r);
  return reviews.length / ((performance.now() - t0) / 1000);
};
const sides = {
  mask: (t: string) => masker.mask(t),
  maskText: (t: string) => masker.maskText(t),
  contains: (t: string) => masker.contains(t),
  sentiment: (t: string) => predictor.probability(t),
};
for (const fn of Object.values(sides)) time(fn); // warm-up
const runs: Record<keyof typeof sides, number[]> = { mask: [], maskText: [], contains: [], sentiment: [] };
for (let round = 0; round < 3; round++)
  for (const [k, fn] of Object.entries(sides)) runs[k as keyof typeof sides].push(time(fn));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
const found = new Map<PiiClass, number>();
let withAny = 0;
let passQuick = 0;
for (const r of reviews) {
  const f = masker.mask(r).found;
  if (f !== masker.mask('').found) passQuick++;
  if (f.length > 0) withAny++;
  for (const x of f) found.set(x.class, (found.get(x.class) ?? 0) + 1);
}
const throughput = {
  reviews: reviews.length,
  mask_reviews_per_s: Math.round(median(runs.mask)),
  mask_text_reviews_per_s: Math.round(median(runs.maskText)),
  contains_reviews_per_s: Math.round(median(runs.contains)),
  sentiment_reviews_per_s: Math.round(median(runs.sentiment)),
  mask_time_vs_sentiment: Number((median(runs.sentiment) / median(runs.mask)).toFixed(3)),
  reviews_past_quick_check: passQuick,
  reviews_with_findings: withAny,
  findings_by_class: Object.fromEntries(found),
};

if (args.json) {
  console.log(JSON.stringify({ quality, throughput }));
} else {
  const pct = (x: number | null) => (x === null ? '   –' : `${(100 * x).toFixed(0).padStart(3)}%`);
  for (const [lang, bySplit] of Object.entries(quality))
    for (const split of ['dev', 'test'] as const) {
      const f = bySplit[split];
      const n = sets[lang as 'zh' | 'en'].filter((it) => it.split === split).length;
      console.log(`\n${lang} ${split} (${n} texts)  class        gold found  exact P/R     overlap P/R`);
      const rows: [string, Figures['all']][] = [
        ...[...PII_CLASSES, 'all'].map((k) => [k, f[k as PiiClass | 'all']] as [string, Figures['all']]),
        ['order+extra', f.order_with_extra_patterns],
      ];
      for (const [k, v] of rows)
        console.log(
          `  ${''.padEnd(18)}${k.padEnd(12)} ${String(v.gold).padStart(4)} ${String(v.found).padStart(5)}  ${pct(v.exact.precision)} ${pct(v.exact.recall)}    ${pct(v.overlap.precision)} ${pct(v.overlap.recall)}`,
        );
      console.log(`  ${''.padEnd(18)}gold spans masked by any class: ${pct(f.masked_any_class)}`);
    }
  console.log(`\nthroughput on ${args.reviews} (${reviews.length} reviews, median of 3):`);
  for (const [k, v] of Object.entries(throughput)) console.log(`  ${k.padEnd(24)} ${JSON.stringify(v)}`);
}
