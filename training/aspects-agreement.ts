/**
 * Inter-annotator agreement on the aspect evaluation set (data/aspects, issue 18): a second reader
 * labels a seeded random sample of the **test** part blind to the set's labels, and the two
 * labellings are compared — the ceiling any model can be measured at on this set.
 *
 *   npx tsx training/aspects-agreement.ts --draw --lang zh|en --n N [--seed 1818] [--from K]
 *     prints the sample in its seeded order, ONLY `#<position> <id>` and the text (never a label)
 *   npx tsx training/aspects-agreement.ts --add FILE --lang zh|en
 *     appends the labels written in FILE as `<id> sa:n rs:p …` (codes sa rs rh lo pq pr pk;
 *     polarities p n u m; a bare id = no aspect) to data/aspects/agreement/<lang>.jsonl
 *   npx tsx training/aspects-agreement.ts --score --lang zh|en [--own yes|no]
 *     compares data/aspects/agreement/<lang>.jsonl with the set's labels for the same ids (all of
 *     them, or only the own texts / only the data rows), with bootstrap intervals
 *
 * Second labels: `{"id":…,"aspects":{…},"agent_complaint":…}` a line, ids and labels only.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AGENT_ASPECTS,
  ASPECT_CODES,
  type AspectLabels,
  type AspectName,
  ASPECTS,
  hasAgentComplaint,
  type Lang,
  loadAspectEvalSet,
  OTHER_ASPECTS,
  POLARITY_CODES,
  prf,
  type Prf,
  readAspectSetLines,
  REPO_ROOT,
} from './aspects-eval-set.js';
import { mulberry32 as rng } from '../src/lib/maths.js';

export const DEFAULT_AGREEMENT_SEED = 1818;
export const agreementPath = (lang: Lang): string =>
  path.join(REPO_ROOT, 'data', 'aspects', 'agreement', `${lang}.jsonl`);

/** One line of data/aspects/agreement/<lang>.jsonl. */
export interface SecondLabel {
  id: string;
  aspects: AspectLabels;
  agent_complaint: boolean;
}

/** The seeded sample: the ids sorted, shuffled once (Fisher–Yates, mulberry32), the first `n` in that order. */
export function drawSample(ids: readonly string[], n: number, seed: number): string[] {
  const out = [...ids].sort();
  const next = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}

/** `<id> sa:n rs:p …` → a second label; throws on an unknown code. */
export function parseLabelLine(line: string): SecondLabel {
  const [id, ...codes] = line.trim().split(/\s+/);
  if (!id) throw new Error(`empty label line`);
  const aspects: AspectLabels = {};
  for (const c of codes) {
    const [a, p] = c.split(':');
    const aspect = ASPECT_CODES[a ?? ''];
    const pol = POLARITY_CODES[p ?? ''];
    if (!aspect || !pol) throw new Error(`${id}: bad code ${c}`);
    if (aspects[aspect]) throw new Error(`${id}: ${aspect} twice`);
    aspects[aspect] = pol;
  }
  return { id, aspects, agent_complaint: hasAgentComplaint(aspects) };
}

/** Cohen's kappa of two boolean labellings of the same items (1 when both are constant and equal). */
export function cohenKappa(a: readonly boolean[], b: readonly boolean[]): number {
  const n = a.length;
  if (n === 0 || n !== b.length) throw new Error('kappa needs two labellings of the same non-empty items');
  let agree = 0;
  let aTrue = 0;
  let bTrue = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    if (a[i]) aTrue++;
    if (b[i]) bTrue++;
  }
  const po = agree / n;
  const pe = (aTrue / n) * (bTrue / n) + (1 - aTrue / n) * (1 - bTrue / n);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

export interface Agreement {
  n: number;
  /** presence of each aspect, `ref` as reference and `pred` as prediction */
  aspects: Record<AspectName, Prf>;
  agent: Prf;
  other: Prf;
  complaint: Prf & { kappa: number; refTrue: number; predTrue: number };
  /** on the aspects both labellings found: same polarity / both found */
  polarity: Record<AspectName | 'all' | 'agent', { same: number; both: number }>;
  /** ids whose labels differ in any aspect or polarity */
  disagreements: { id: string; ref: AspectLabels; pred: AspectLabels; agent: boolean }[];
}

/** Agreement of two labellings of the same ids (`pred` decides the ids; each must exist in `ref`). */
export function agreement(ref: ReadonlyMap<string, AspectLabels>, pred: readonly SecondLabel[]): Agreement {
  const counts = Object.fromEntries(ASPECTS.map((a) => [a, { tp: 0, fp: 0, fn: 0 }])) as Record<
    AspectName,
    { tp: number; fp: number; fn: number }
  >;
  const polarity = Object.fromEntries(
    [...ASPECTS, 'all', 'agent'].map((a) => [a, { same: 0, both: 0 }]),
  ) as Agreement['polarity'];
  const refC: boolean[] = [];
  const predC: boolean[] = [];
  const disagreements: Agreement['disagreements'] = [];
  for (const p of pred) {
    const r = ref.get(p.id);
    if (!r) throw new Error(`${p.id}: not in the reference labels`);
    let differs = false;
    let agentDiffers = false;
    for (const a of ASPECTS) {
      const rp = r[a];
      const pp = p.aspects[a];
      if (rp !== pp) {
        differs = true;
        if ((AGENT_ASPECTS as readonly string[]).includes(a)) agentDiffers = true;
      }
      if (rp && pp) {
        counts[a].tp++;
        const same = rp === pp ? 1 : 0;
        for (const k of [a, 'all', ...((AGENT_ASPECTS as readonly string[]).includes(a) ? ['agent'] : [])] as const) {
          const c = polarity[k as keyof Agreement['polarity']];
          c.both++;
          c.same += same;
        }
      } else if (pp) counts[a].fp++;
      else if (rp) counts[a].fn++;
    }
    refC.push(hasAgentComplaint(r));
    predC.push(hasAgentComplaint(p.aspects));
    if (differs) disagreements.push({ id: p.id, ref: r, pred: p.aspects, agent: agentDiffers });
  }
  const sum = (as: readonly AspectName[]) =>
    prf(
      ...((['tp', 'fp', 'fn'] as const).map((k) => as.reduce((s, a) => s + counts[a][k], 0)) as [
        number,
        number,
        number,
      ]),
    );
  let ctp = 0;
  let cfp = 0;
  let cfn = 0;
  refC.forEach((rc, i) => {
    if (rc && predC[i]) ctp++;
    else if (predC[i]) cfp++;
    else if (rc) cfn++;
  });
  return {
    n: pred.length,
    aspects: Object.fromEntries(ASPECTS.map((a) => [a, prf(counts[a].tp, counts[a].fp, counts[a].fn)])) as Record<
      AspectName,
      Prf
    >,
    agent: sum(AGENT_ASPECTS),
    other: sum(OTHER_ASPECTS),
    complaint: {
      ...prf(ctp, cfp, cfn),
      kappa: refC.length ? cohenKappa(refC, predC) : Number.NaN,
      refTrue: refC.filter(Boolean).length,
      predTrue: predC.filter(Boolean).length,
    },
    polarity,
    disagreements,
  };
}

/**
 * Percentile intervals (2.5 %, 97.5 %) of the agent micro F1 and the complaint kappa over `b` seeded
 * resamples of the items with replacement: how far a figure on this many items can move by chance.
 */
export function bootstrap(
  ref: ReadonlyMap<string, AspectLabels>,
  pred: readonly SecondLabel[],
  b = 1000,
  seed = DEFAULT_AGREEMENT_SEED,
): { agentF1: [number, number]; kappa: [number, number] } {
  const next = rng(seed);
  const f1s: number[] = [];
  const kappas: number[] = [];
  for (let k = 0; k < b; k++) {
    const sample = pred.map(() => pred[Math.floor(next() * pred.length)]!);
    const res = agreement(ref, sample);
    f1s.push(res.agent.f1);
    if (!Number.isNaN(res.complaint.kappa)) kappas.push(res.complaint.kappa);
  }
  const ci = (xs: number[]): [number, number] => {
    const s = [...xs].sort((x, y) => x - y);
    return [s[Math.floor(0.025 * (s.length - 1))] ?? Number.NaN, s[Math.ceil(0.975 * (s.length - 1))] ?? Number.NaN];
  };
  return { agentF1: ci(f1s), kappa: ci(kappas) };
}

export function readSecondLabels(file: string): SecondLabel[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SecondLabel);
}

const short = (l: AspectLabels): string =>
  Object.entries(l)
    .map(
      ([a, p]) =>
        `${Object.keys(ASPECT_CODES).find((c) => ASPECT_CODES[c] === a)}:${Object.keys(POLARITY_CODES).find((c) => POLARITY_CODES[c] === p)}`,
    )
    .join(' ') || '{}';

function report(lang: Lang, res: Agreement, subset: string, ci?: ReturnType<typeof bootstrap>): string {
  const f = (x: number) => x.toFixed(3);
  const row = (name: string, p: Prf) =>
    p.tp + p.fp + p.fn === 0
      ? `| ${name} | 0 | 0 | 0 | — | — | — |`
      : `| ${name} | ${p.tp} | ${p.fp} | ${p.fn} | ${f(p.precision)} | ${f(p.recall)} | **${f(p.f1)}** |`;
  const lines = [
    `### ${lang}: ${res.n} items${subset} (reference = the set's labels, prediction = the second reader)`,
    '',
    '| aspect | both | 2nd only | set only | P | R | F1 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...AGENT_ASPECTS.map((a) => row(a, res.aspects[a])),
    row('**agent aspects (micro)**', res.agent),
    ...OTHER_ASPECTS.map((a) => row(a, res.aspects[a])),
    row('other aspects (micro)', res.other),
    '',
    `agent_complaint: set ${res.complaint.refTrue}, second reader ${res.complaint.predTrue}, both ${res.complaint.tp}; ` +
      `Cohen's kappa ${f(res.complaint.kappa)}; second reader against the set P ${f(res.complaint.precision)} ` +
      `R ${f(res.complaint.recall)} (the set against the second reader: P ${f(res.complaint.recall)} R ${f(res.complaint.precision)}); F1 ${f(res.complaint.f1)}`,
    ...(ci
      ? [
          '',
          `bootstrap 95 % intervals (1,000 resamples of the items): agent micro F1 ${f(ci.agentF1[0])}–${f(ci.agentF1[1])}, complaint kappa ${f(ci.kappa[0])}–${f(ci.kappa[1])}`,
        ]
      : []),
    '',
    'polarity agreement on aspects both found: ' +
      (['agent', 'all', ...ASPECTS] as const)
        .map((k) => `${k} ${res.polarity[k].same}/${res.polarity[k].both}`)
        .join(', '),
    '',
    `disagreements (${res.disagreements.length} items, ${res.disagreements.filter((d) => d.agent).length} on agent aspects; * = agent):`,
    ...res.disagreements.map((d) => `${d.agent ? '*' : ' '} ${d.id}  set: ${short(d.ref)}  |  2nd: ${short(d.pred)}`),
  ];
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      draw: { type: 'boolean', default: false },
      score: { type: 'boolean', default: false },
      add: { type: 'string' },
      lang: { type: 'string' },
      n: { type: 'string', default: '300' },
      from: { type: 'string', default: '0' },
      seed: { type: 'string', default: String(DEFAULT_AGREEMENT_SEED) },
      own: { type: 'string' },
    },
  });
  const lang = values.lang as Lang;
  if (
    (lang !== 'zh' && lang !== 'en') ||
    [values.draw, values.score, values.add !== undefined].filter(Boolean).length !== 1
  ) {
    console.error('usage: aspects-agreement (--draw --n N [--seed S] [--from K] | --add FILE | --score) --lang zh|en');
    process.exit(2);
  }
  if (values.draw) {
    const items = loadAspectEvalSet(lang, { part: 'test' });
    const text = new Map(items.map((i) => [i.id, i.text]));
    const ids = drawSample(
      items.map((i) => i.id),
      Number(values.n),
      Number(values.seed),
    );
    // only the position, the id and the text: the second reader must not see the set's labels
    ids.forEach((id, k) => {
      if (k >= Number(values.from)) console.log(`#${k} ${id}\n${text.get(id)!.replace(/\s*\n\s*/g, ' / ')}\n`);
    });
    return;
  }
  const file = agreementPath(lang);
  if (values.add !== undefined) {
    const have = new Set(readSecondLabels(file).map((l) => l.id));
    const add = readFileSync(values.add, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map(parseLabelLine);
    for (const l of add) if (have.has(l.id)) throw new Error(`${l.id}: labelled already`);
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, add.map((l) => `${JSON.stringify(l)}\n`).join(''));
    console.log(`${add.length} labels appended to ${path.relative(REPO_ROOT, file)}`);
    return;
  }
  const lines = readAspectSetLines(lang);
  const own = new Map(lines.map((l) => [l.id, l.own]));
  // --own yes|no: only the project's own texts / only the data rows
  const pred = readSecondLabels(file).filter(
    (l) => values.own === undefined || own.get(l.id) === (values.own === 'yes'),
  );
  const ref = new Map(lines.map((l) => [l.id, l.aspects]));
  const subset = values.own === undefined ? '' : values.own === 'yes' ? ', own texts only' : ', data rows only';
  console.log(report(lang, agreement(ref, pred), subset, bootstrap(ref, pred)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
