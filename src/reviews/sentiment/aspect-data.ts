/**
 * The labelled data of the aspect model, read from the repository and the shared review data (no
 * database): the evaluation set (data/aspects/{zh,en}.jsonl, guidelines in its README), the hand
 * labels on train.csv rows (data/aspects/train-labels-<lang>.jsonl) and the training rows of a
 * corrections export. Rows drawn from the shared data are committed as ids (file, row, sha1 prefix)
 * and joined to their texts here; a row whose text no longer hashes to its sha1 is refused.
 * Used by the training (./aspect-pipeline.ts: `npm run train:aspects` and the `train_aspects` job),
 * the evaluation scripts of training/ and the aspects shadow comparison.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

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

/** The repository's root (this file is src/reviews/sentiment/aspect-data.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The labels committed with the repository. */
export const DEFAULT_LABELS_DIR = path.join(REPO_ROOT, 'data', 'aspects');
/** The shared review data (texts of the labelled rows, train.csv for the weak rows). */
export const DEFAULT_DATA_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'reviews');
/** Per language: the sentiment training file whose rows give the weak rows and the hand labels. */
export const TRAIN_FILE: Record<Lang, string> = {
  zh: 'zh-online-shopping/train.csv',
  en: 'en-amazon-multidomain/train.csv',
};

export const sha12 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex').slice(0, 12);

/** The rows of a shared-data CSV by column name, parsed exactly as the sentiment trainer parses them. */
function readRows(file: string): Record<string, string>[] {
  return parse(readFileSync(file), {
    columns: true,
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  }) as Record<string, string>[];
}

/** The `review` column of a shared-data CSV. */
export function readReviews(file: string): string[] {
  return readRows(file).map((r) => r.review ?? '');
}

/**
 * The kind of product of each row of a shared-data CSV: the `domain` column (en: books, dvd, electronics,
 * kitchen) or, where the file has none, the `cat` column (zh: 书籍, 平板, 手机, 水果, 洗发水, 热水器, 蒙牛, 衣服,
 * 计算机, 酒店); '' where the file has neither.
 */
export function readDomains(file: string): string[] {
  return readRows(file).map((r) => r.domain ?? r.cat ?? '');
}

export function setPath(lang: Lang, labelsDir = DEFAULT_LABELS_DIR): string {
  return path.join(labelsDir, `${lang}.jsonl`);
}

export function trainLabelsPath(lang: Lang, labelsDir = DEFAULT_LABELS_DIR): string {
  return path.join(labelsDir, `train-labels-${lang}.jsonl`);
}

/** The committed lines of one language, without joining texts. */
export function readAspectSetLines(lang: Lang, labelsDir = DEFAULT_LABELS_DIR): AspectSetLine[] {
  const file = setPath(lang, labelsDir);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as AspectSetLine;
      } catch (err) {
        throw new Error(`${file} line ${i + 1}: ${(err as Error).message}`);
      }
    });
}

/**
 * The evaluation set of one language with every text in place.
 * @throws Error when a source file is missing or a row's text does not match its committed sha1
 */
export function loadAspectEvalSet(
  lang: Lang,
  opts: { dataDir?: string | undefined; labelsDir?: string | undefined; part?: Part; own?: boolean } = {},
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
  return readAspectSetLines(lang, opts.labelsDir)
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

/** True when the labels carry a complaint on an agent-controllable aspect (negative or mixed). */
export function hasAgentComplaint(aspects: AspectLabels): boolean {
  return AGENT_ASPECTS.some((a) => aspects[a] === 'negative' || aspects[a] === 'mixed');
}

/** One line of data/aspects/train-labels-<lang>.jsonl. */
export interface TrainLabelLine {
  id: string;
  src: { file: string; row: number; sha1: string };
  aspects: AspectLabels;
  agent_complaint: boolean;
  draw: string;
}

/**
 * The committed training labels of one language joined to their texts (as items of the dev kind,
 * `draw: 'train-label'`); [] when the file does not exist.
 * @throws Error when a line is malformed or a row no longer hashes to its committed sha1
 */
export function loadTrainLabels(
  lang: Lang,
  dataDir = DEFAULT_DATA_DIR,
  labelsDir = DEFAULT_LABELS_DIR,
): AspectEvalItem[] {
  const file = trainLabelsPath(lang, labelsDir);
  if (!existsSync(file)) return [];
  const texts = readReviews(path.join(dataDir, TRAIN_FILE[lang]));
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const line = JSON.parse(l) as TrainLabelLine;
      const text = texts[line.src.row];
      if (line.src.file !== TRAIN_FILE[lang] || text === undefined || sha12(text) !== line.src.sha1)
        throw new Error(`${line.id}: ${line.src.file} row ${line.src.row} does not join (sha1 ${line.src.sha1})`);
      checkLabels(line.id, line.aspects, line.agent_complaint);
      return {
        id: line.id,
        part: 'dev' as const,
        own: false,
        text,
        aspects: line.aspects,
        agentComplaint: line.agent_complaint,
        src: line.src,
        draw: line.draw,
      };
    });
}

/**
 * A training line's labels: known aspects and polarities, and the agent flag the aspects imply.
 * @throws Error naming the line when they are not
 */
function checkLabels(id: string, aspects: AspectLabels, agentComplaint: boolean): void {
  for (const [a, q] of Object.entries(aspects))
    if (!(ASPECTS as readonly string[]).includes(a) || !(POLARITIES as readonly string[]).includes(q))
      throw new Error(`${id}: unknown label ${a}: ${q}`);
  if (hasAgentComplaint(aspects) !== agentComplaint)
    throw new Error(`${id}: agent_complaint disagrees with the aspects`);
}

export function trainOwnPath(lang: Lang, labelsDir = DEFAULT_LABELS_DIR): string {
  return path.join(labelsDir, `train-own-${lang}.jsonl`);
}

/**
 * The project's own training texts of one language (data/aspects/train-own-<lang>.jsonl: short
 * service-conversation texts written by the project, never copied from a data set, each line
 * `{ id, own: true, text, aspects, agent_complaint, draw: "own" }`), as items of the dev kind; [] when
 * the file does not exist. Training only, like the hand labels: never part of the evaluation set.
 * @throws Error when a line is malformed, holds an unknown label or an inconsistent agent flag
 */
export function loadOwnTrainTexts(lang: Lang, labelsDir = DEFAULT_LABELS_DIR): AspectEvalItem[] {
  const file = trainOwnPath(lang, labelsDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const line = JSON.parse(l) as {
        id: string;
        own: boolean;
        text: string;
        aspects: AspectLabels;
        agent_complaint: boolean;
      };
      if (line.own !== true || typeof line.text !== 'string' || line.text.trim() === '')
        throw new Error(`${file}: ${line.id}: an own text needs own: true and a text`);
      checkLabels(line.id, line.aspects, line.agent_complaint);
      return {
        id: line.id,
        part: 'dev' as const,
        own: true,
        text: line.text,
        aspects: line.aspects,
        agentComplaint: line.agent_complaint,
        src: null,
        draw: 'own',
      };
    });
}

/**
 * The training rows of a corrections export (`GET /v1/corrections/export`: its `{ items }` or the
 * bare array) in one language, as evaluation-set items of the dev kind (`draw: 'correction'`): a
 * lead's labels, read on the masked text. They join the training rows, never the dev figures.
 * @throws Error when the value holds neither shape, or a row has no text or labels
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
