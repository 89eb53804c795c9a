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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readReviews, sha12 } from './aspects-sample.js';

export const AGENT_ASPECTS = ['service_attitude', 'response_speed', 'returns_handling'] as const;
export const OTHER_ASPECTS = ['logistics', 'product_quality', 'price', 'packaging'] as const;
export const ASPECTS = [...AGENT_ASPECTS, ...OTHER_ASPECTS] as const;
export const POLARITIES = ['positive', 'negative', 'neutral', 'mixed'] as const;

export type Lang = 'zh' | 'en';
export type Part = 'dev' | 'test';
export type AspectName = (typeof ASPECTS)[number];
export type Polarity = (typeof POLARITIES)[number];
export type AspectLabels = Partial<Record<AspectName, Polarity>>;

/** One committed line, as stored (data items have `src` and no text; own texts the reverse). */
export interface AspectSetLine {
  id: string;
  part: Part;
  own: boolean;
  src: { file: string; row: number; sha1: string } | null;
  text?: string;
  aspects: AspectLabels;
  agent_complaint: boolean;
  /** how the item entered the set: `random`, `net:<group>` (see README) or `own` */
  draw: string;
}

export interface AspectEvalItem {
  id: string;
  part: Part;
  own: boolean;
  text: string;
  aspects: AspectLabels;
  agentComplaint: boolean;
  src: AspectSetLine['src'];
  draw: string;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'reviews');

export function setPath(lang: Lang): string {
  return path.join(REPO_ROOT, 'data', 'aspects', `${lang}.jsonl`);
}

/** The committed lines of one language, without joining texts. */
export function readAspectSetLines(lang: Lang): AspectSetLine[] {
  return readFileSync(setPath(lang), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as AspectSetLine;
      } catch (err) {
        throw new Error(`${setPath(lang)} line ${i + 1}: ${(err as Error).message}`);
      }
    });
}

/**
 * The set of one language with every text in place.
 * @throws Error when a source file is missing or a row's text does not match its committed sha1
 */
export function loadAspectEvalSet(
  lang: Lang,
  opts: { dataDir?: string; part?: Part; own?: boolean } = {},
): AspectEvalItem[] {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const files = new Map<string, string[]>();
  const reviews = (file: string): string[] => {
    let rows = files.get(file);
    if (!rows) {
      rows = readReviews(path.join(dataDir, file));
      files.set(file, rows);
    }
    return rows;
  };
  return readAspectSetLines(lang)
    .filter((l) => (opts.part === undefined || l.part === opts.part) && (opts.own === undefined || l.own === opts.own))
    .map((l) => {
      let text: string;
      if (l.own) text = l.text ?? '';
      else {
        if (!l.src) throw new Error(`${l.id}: data item without src`);
        const t = reviews(l.src.file)[l.src.row];
        if (t === undefined) throw new Error(`${l.id}: ${l.src.file} has no row ${l.src.row}`);
        if (sha12(t) !== l.src.sha1)
          throw new Error(`${l.id}: ${l.src.file} row ${l.src.row} hashes to ${sha12(t)}, the set says ${l.src.sha1}`);
        text = t;
      }
      return {
        id: l.id,
        part: l.part,
        own: l.own,
        text,
        aspects: l.aspects,
        agentComplaint: l.agent_complaint,
        src: l.src,
        draw: l.draw,
      };
    });
}

/**
 * The training rows of a corrections export (`GET /v1/corrections/export`, saved as a file: its
 * `{ items }` or the bare array) in one language, as evaluation-set items of the dev kind
 * (`draw: 'correction'`): a lead's labels, read on the masked text. They join the training rows of
 * `npm run train:aspects -- --corrections FILE`, never the dev figures.
 * @throws Error when the file holds neither shape, or a row has no text or labels
 */
export function correctionItems(json: unknown, lang: Lang): AspectEvalItem[] {
  const rows = Array.isArray(json) ? json : (json as { items?: unknown } | null)?.items;
  if (!Array.isArray(rows)) throw new Error('a corrections export is { "items": [...] } or an array of rows');
  return rows
    .filter((r: { language?: unknown }) => r.language === lang)
    .map((r: { id?: unknown; text?: unknown; aspects?: unknown; agent_complaint?: unknown }, i) => {
      if (typeof r.text !== 'string' || typeof r.aspects !== 'object' || r.aspects === null)
        throw new Error(`corrections row ${i}: text and aspects are required`);
      const aspects: AspectLabels = {};
      for (const [a, q] of Object.entries(r.aspects as Record<string, unknown>))
        if ((ASPECTS as readonly string[]).includes(a) && (POLARITIES as readonly unknown[]).includes(q))
          aspects[a as AspectName] = q as Polarity;
      return {
        id: String(r.id ?? `correction-${i}`),
        part: 'dev' as const,
        own: false,
        text: r.text,
        aspects,
        agentComplaint: r.agent_complaint === true,
        src: null,
        draw: 'correction',
      };
    });
}

/** True when the labels carry a complaint on an agent-controllable aspect (negative or mixed). */
export function hasAgentComplaint(aspects: AspectLabels): boolean {
  return AGENT_ASPECTS.some((a) => aspects[a] === 'negative' || aspects[a] === 'mixed');
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
