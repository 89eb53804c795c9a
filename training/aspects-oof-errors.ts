/**
 * Issue 18, twelfth session: where an aspect model's out-of-fold dev errors are. Reads the `--oof` output
 * of `npm run train:aspects` (per dev item its calibrated out-of-fold P(aspect)) and the model's thresholds
 * (its metadata.json), and counts the agent aspects' true positives, false positives and false negatives by
 * aspect and by kind of item: the project's own texts against rows of the shared review data, the latter by
 * the `domain` column of their CSV (en: books, dvd, electronics, kitchen) or its `cat` column (zh: 书籍, 酒店 …). Also the complaint score at the
 * model's complaint threshold, split the same way. A reading aid; nothing here trains or chooses.
 *
 *   npx tsx training/aspects-oof-errors.ts --lang en --oof FILE --model DIR [--list] [--json]
 *
 * `--list`: also prints each error with the start of its text (for reading; ids and counts only are ever
 * committed). `--model DIR`: the model whose thresholds are read (default models/aspects-<lang>).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AGENT_ASPECTS,
  ASPECTS,
  type AspectEvalItem,
  DEFAULT_DATA_DIR,
  type Lang,
  loadAspectEvalSet,
  readDomains,
} from '../src/reviews/sentiment/aspect-data.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    oof: { type: 'string' },
    model: { type: 'string' },
    data: { type: 'string' },
    list: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const lang = args.lang as Lang;
if ((lang !== 'zh' && lang !== 'en') || !args.oof) {
  console.error('usage: aspects-oof-errors --lang zh|en --oof FILE [--model DIR] [--list] [--json]');
  process.exit(2);
}
const dataDir = args.data ?? DEFAULT_DATA_DIR;
const meta = JSON.parse(
  readFileSync(join(args.model ?? join('models', `aspects-${lang}`), 'metadata.json'), 'utf8'),
) as {
  version: string;
  thresholds: number[];
  complaintThreshold: number;
};
const oof = new Map(
  readFileSync(args.oof, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; probabilities: number[]; complaint: number })
    .map((r) => [r.id, r]),
);
const dev = loadAspectEvalSet(lang, { part: 'dev', dataDir });

/** The `domain` (en) or `cat` (zh) column of a shared-data row (the CSV parsed as the loader parses it), or its file. */
const domains = new Map<string, string[]>();
function kindOf(it: AspectEvalItem): string {
  if (it.own) return 'own';
  const file = it.src!.file;
  let col = domains.get(file);
  if (!col) {
    col = readDomains(join(dataDir, file)).map((d) => d || file.split('/')[0]!);
    domains.set(file, col);
  }
  return col[it.src!.row] ?? '?';
}

interface Counts {
  items: number;
  tp: number;
  fp: number;
  fn: number;
}
const zero = (): Counts => ({ items: 0, tp: 0, fp: 0, fn: 0 });
const byKind = new Map<string, Record<string, Counts>>();
const complaintByKind = new Map<string, Counts>();
const lines: string[] = [];
for (const it of dev) {
  const r = oof.get(it.id);
  if (!r) throw new Error(`${it.id}: not in ${args.oof}`);
  const kind = kindOf(it);
  const row = byKind.get(kind) ?? Object.fromEntries([...ASPECTS, 'agent'].map((a) => [a, zero()]));
  byKind.set(kind, row);
  for (const bucket of [row.agent!]) bucket.items++;
  ASPECTS.forEach((a, j) => {
    const gold = it.aspects[a] !== undefined;
    const hit = r.probabilities[j]! >= meta.thresholds[j]!;
    const c = row[a]!;
    c.items++;
    const agent = (AGENT_ASPECTS as readonly string[]).includes(a);
    const kinds: Array<'tp' | 'fp' | 'fn'> = [];
    if (gold && hit) kinds.push('tp');
    else if (hit) kinds.push('fp');
    else if (gold) kinds.push('fn');
    for (const k of kinds) {
      c[k]++;
      if (agent) row.agent![k]++;
      if (agent && k !== 'tp')
        lines.push(
          `${k.toUpperCase()}\t${a}\t${kind}\t${it.id}\tp=${r.probabilities[j]!.toFixed(2)} t=${meta.thresholds[j]}\t${JSON.stringify(it.aspects)}\t${it.text.replace(/\s+/g, ' ').slice(0, 220)}`,
        );
    }
  });
  const cc = complaintByKind.get(kind) ?? zero();
  complaintByKind.set(kind, cc);
  cc.items++;
  const said = r.complaint >= meta.complaintThreshold;
  if (said && it.agentComplaint) cc.tp++;
  else if (said) {
    cc.fp++;
    lines.push(
      `FALSE-COMPLAINT\t${kind}\t${it.id}\tscore=${r.complaint.toFixed(2)}\t${JSON.stringify(it.aspects)}\tp=${r.probabilities
        .slice(0, 3)
        .map((x) => x.toFixed(2))
        .join('/')}\t${it.text.replace(/\s+/g, ' ').slice(0, 220)}`,
    );
  } else if (it.agentComplaint) {
    cc.fn++;
    lines.push(
      `MISSED-COMPLAINT\t${kind}\t${it.id}\tscore=${r.complaint.toFixed(2)}\t${JSON.stringify(it.aspects)}\tp=${r.probabilities
        .slice(0, 3)
        .map((x) => x.toFixed(2))
        .join('/')}\t${it.text.replace(/\s+/g, ' ').slice(0, 220)}`,
    );
  }
}

const f1 = (c: Counts) => (2 * c.tp) / Math.max(1, 2 * c.tp + c.fp + c.fn);
const kinds = [...byKind.keys()].sort();
const total = (a: string): Counts =>
  kinds.reduce((s, k) => {
    const c = byKind.get(k)![a]!;
    return { items: s.items + c.items, tp: s.tp + c.tp, fp: s.fp + c.fp, fn: s.fn + c.fn };
  }, zero());
if (args.json) {
  console.log(
    JSON.stringify({
      model: meta.version,
      byKind: Object.fromEntries(kinds.map((k) => [k, byKind.get(k)])),
      complaint: Object.fromEntries(complaintByKind),
    }),
  );
} else {
  console.log(`${meta.version}: out-of-fold dev, agent aspects at the stored thresholds`);
  console.log('| kind | items | agent TP / FP / FN (F1) | service attitude | response speed | returns handling |');
  console.log('| --- | ---: | --- | --- | --- | --- |');
  const cell = (c: Counts) => `${c.tp} / ${c.fp} / ${c.fn}`;
  for (const k of [...kinds, 'all']) {
    const get = (a: string) => (k === 'all' ? total(a) : byKind.get(k)![a]!);
    console.log(
      `| ${k} | ${get('agent').items} | ${cell(get('agent'))} (${f1(get('agent')).toFixed(3)}) | ${AGENT_ASPECTS.map((a) => cell(get(a))).join(' | ')} |`,
    );
  }
  console.log(`\ncomplaint at ${meta.complaintThreshold}: TP / FP / FN by kind`);
  for (const k of kinds) {
    const c = complaintByKind.get(k)!;
    console.log(`  ${k}: ${c.items} items, ${c.tp} / ${c.fp} / ${c.fn}`);
  }
}
if (args.list) console.log(`\n${lines.join('\n')}`);
