/**
 * The aspect evaluation set (data/aspects/{zh,en}.jsonl, guidelines in data/aspects/README.md).
 * Rows drawn from the shared review data are committed as ids only (file, row, sha1 prefix); this
 * loader joins them to their texts at evaluation time and refuses a row whose text no longer hashes
 * to the committed sha1. Own texts (written by the project, `own: true`) carry their text.
 *
 *   import { loadAspectEvalSet } from './aspects-eval-set.js';
 *   const test = loadAspectEvalSet('zh', { part: 'test' });            // all test items, joined
 *   const dataOnly = loadAspectEvalSet('en', { part: 'test', own: false }); // figures without own texts
 *
 *   npx tsx training/aspects-eval-set.ts --lang zh [--part dev|test] [--data ../shared/data/reviews]
 *   (prints the counts per aspect × polarity × part as a Markdown table)
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AspectSetLine,
  ASPECTS,
  type Lang,
  loadAspectEvalSet,
  type Part,
  POLARITIES,
  readAspectSetLines,
} from '../src/reviews/sentiment/aspect-data.js';

// the loaders live with the model (src/reviews/sentiment/aspect-data.ts: the train_aspects job reads them too)
export {
  AGENT_ASPECTS,
  type AspectEvalItem,
  type AspectLabels,
  type AspectName,
  ASPECTS,
  type AspectSetLine,
  correctionItems,
  DEFAULT_DATA_DIR,
  hasAgentComplaint,
  type Lang,
  loadAspectEvalSet,
  OTHER_ASPECTS,
  type Part,
  type Polarity,
  POLARITIES,
  readAspectSetLines,
  REPO_ROOT,
  setPath,
} from '../src/reviews/sentiment/aspect-data.js';

/** The shorthand of hand-labelling sessions (`<id> sa:n rs:p …`): aspect codes… */
export const ASPECT_CODES: Readonly<Record<string, (typeof ASPECTS)[number]>> = {
  sa: 'service_attitude',
  rs: 'response_speed',
  rh: 'returns_handling',
  lo: 'logistics',
  pq: 'product_quality',
  pr: 'price',
  pk: 'packaging',
};
/** …and polarity codes. */
export const POLARITY_CODES: Readonly<Record<string, (typeof POLARITIES)[number]>> = {
  p: 'positive',
  n: 'negative',
  u: 'neutral',
  m: 'mixed',
};

/** Precision, recall and F1 of counts (0 where undefined). */
export interface Prf {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}
export function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Counts per aspect × polarity for each part, plus the totals, as a Markdown table. */
export function countsTable(lines: AspectSetLine[]): string {
  const parts: Part[] = ['dev', 'test'];
  const head = `| aspect | ${parts.flatMap((p) => POLARITIES.map((q) => `${p} ${q.slice(0, 3)}`)).join(' | ')} | all |`;
  const rule = `|---|${parts.flatMap(() => POLARITIES.map(() => '---:')).join('|')}|---:|`;
  const rows = ASPECTS.map((a) => {
    const cells = parts.flatMap((p) =>
      POLARITIES.map((q) => lines.filter((l) => l.part === p && l.aspects[a] === q).length),
    );
    return `| ${a} | ${cells.join(' | ')} | ${lines.filter((l) => l.aspects[a] !== undefined).length} |`;
  });
  const n = (p: Part, f: (l: AspectSetLine) => boolean) => lines.filter((l) => l.part === p && f(l)).length;
  const foot = [
    `items: dev ${n('dev', () => true)}, test ${n('test', () => true)}; own texts: dev ${n('dev', (l) => l.own)}, test ${n('test', (l) => l.own)}`,
    `agent_complaint true: dev ${n('dev', (l) => l.agent_complaint)}, test ${n('test', (l) => l.agent_complaint)}`,
    `no aspect at all: dev ${n('dev', (l) => Object.keys(l.aspects).length === 0)}, test ${n('test', (l) => Object.keys(l.aspects).length === 0)}`,
  ];
  return [head, rule, ...rows, '', ...foot].join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: { lang: { type: 'string' }, part: { type: 'string' }, data: { type: 'string' } },
  });
  const lang = values.lang as Lang;
  if (lang !== 'zh' && lang !== 'en') {
    console.error('usage: aspects-eval-set --lang zh|en [--part dev|test] [--data ../shared/data/reviews]');
    process.exit(2);
  }
  // joining checks every sha1; the table itself needs only the committed lines
  const items = loadAspectEvalSet(lang, { dataDir: values.data, part: values.part as Part | undefined });
  const ids = new Set(items.map((i) => i.id));
  console.log(countsTable(readAspectSetLines(lang).filter((l) => ids.has(l.id))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
