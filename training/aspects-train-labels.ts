/**
 * Hand labels on rows of the sentiment `train.csv` files, for training the aspect model only
 * (data/aspects/train-labels-<lang>.jsonl; guidelines and draw in data/aspects/README.md, "Training
 * labels"). They are never part of the evaluation set: its rows come from dev.csv and test.csv.
 * Committed as row ids with labels, never texts; joined here and checked against the sha1 prefix.
 *
 * The draw (seed 1820, mulberry32): the language's train.csv rows of at most 150 (zh) / 500 (en)
 * characters that name a person, a reply, a wait or a return/refund (TERMS below: our own wide list,
 * not the project's keyword rules), shuffled once; labelled in that order from the first.
 *
 *   npx tsx training/aspects-train-labels.ts --lang zh --from 0 --count 50   (prints row ids and texts to read)
 *   npx tsx training/aspects-train-labels.ts --lang zh --check               (joins every committed line)
 *   npx tsx training/aspects-train-labels.ts --lang zh --add FILE            (appends labels read by hand)
 *
 * `--add` reads lines `<pool position> <code>:<polarity> …` (or `-` for no aspect), codes sa rs rh
 * lo pq pr pk for the seven aspects, polarities p n u m (positive, negative, neutral, mixed), and
 * appends them with their row ids; positions already labelled are refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AspectLabels,
  DEFAULT_DATA_DIR,
  hasAgentComplaint,
  type Lang,
  loadTrainLabels,
  readReviews,
  sha12,
  TRAIN_FILE,
  type TrainLabelLine,
  trainLabelsPath,
} from '../src/reviews/sentiment/aspect-data.js';
import { mulberry32 as rng } from '../src/lib/maths.js';
import { ASPECT_CODES, POLARITY_CODES } from './aspects-eval-set.js';

// the loader lives with the model (src/reviews/sentiment/aspect-data.ts: the train_aspects job reads it too)
export { loadTrainLabels, TRAIN_FILE, trainLabelsPath } from '../src/reviews/sentiment/aspect-data.js';

export const TRAIN_LABEL_SEED = 1820;
const MAX_CHARS: Record<Lang, number> = { zh: 150, en: 500 };
const TERMS: Record<Lang, RegExp> = {
  zh: /客服|服务|态度|店员|店家|老板|掌柜|卖家|商家|前台|服务员|小姐|阿姨|师傅|经理|保安|迎宾|接待|热情|冷淡|耐心|回复|回答|旺旺|电话|没人|理我|等了|半天|催|退货|退款|换货|售后|保修|维修|补发|赔|发票|速度|上菜|送餐|快递员|骑手/,
  en: /\b(customer service|support|staff|rep|reps|representative|agent|clerk|seller|vendor|employee|manager|technician|rude|helpful|polite|friendly|courteous|repl(y|ied|ies)|respon(d|ded|se|sive)|called|phone|email(ed)?|e-mail|on hold|wait(ed|ing)?|return(ed|s)?|refund(ed|s)?|exchange|replace(ment|d)|warranty|rma|money back|ship(ped|ping)?|deliver(y|ed))\b/i,
};

/**
 * The second draw, `replies` (seed 1821): rows of the same length caps that name a reply, a wait, a
 * queue or the speed of staff (our own list, not the keyword rules) — the response-speed material the
 * first draw holds little of (46 of 520 zh rows). Read in its order from position 0; a row the first
 * draw labelled already is passed over (it keeps its labels), no other row is skipped.
 */
export const REPLIES_SEED = 1821;
const REPLY_TERMS: Record<Lang, RegExp> = {
  zh: /回复|答复|回消息|旺旺|没人|不理|理我|等了|等待|半天|催|及时|秒回|上菜|打不通|联系不上|响应|效率|排队|办理入住|入住手续|退房/,
  en: /\b(repl(y|ied|ies)|respon(d|ded|ds|se|ses|sive)|on hold|never heard|call(ed)? (me )?back|emailed|e-?mails?|contacted|waited|waiting|no answer|get back to|got back to|hold time|answered)\b/i,
};

/**
 * The third draw, `service` (en only; issue 18, fifth session; seed 1822): rows of at most 1,000
 * characters that name service people or a support line (our own list, not the keyword rules) — the
 * first draw's 500-character cap left out most reviews in which one sentence is about the staff. Read
 * in its order from position 0; a row labelled by an earlier draw is passed over (it keeps its labels).
 */
export const SERVICE_SEED = 1822;
const SERVICE_MAX_CHARS = 1000;
const SERVICE_TERMS: Partial<Record<Lang, RegExp>> = {
  en: /\b(customer service|customer support|tech(nical)? support|support (team|line|staff|people|reps?)|reps?|representatives?|on hold|rude|staff|clerks?|salesm[ae]n|sales ?(person|people|associate)|employees?|manager|called (them|the company|customer)|hung up)\b/i,
};
export type TrainDraw = 'net' | 'replies' | 'service';
/** Each draw's words, length cap and seed. */
const DRAWS: Record<
  TrainDraw,
  { terms: Partial<Record<Lang, RegExp>>; maxChars: (lang: Lang) => number; seed: number }
> = {
  net: { terms: TERMS, maxChars: (lang) => MAX_CHARS[lang], seed: TRAIN_LABEL_SEED },
  replies: { terms: REPLY_TERMS, maxChars: (lang) => MAX_CHARS[lang], seed: REPLIES_SEED },
  service: { terms: SERVICE_TERMS, maxChars: () => SERVICE_MAX_CHARS, seed: SERVICE_SEED },
};
export const DRAW_PREFIX: Record<TrainDraw, string> = {
  net: 'train-net',
  replies: 'train-replies',
  service: 'train-service',
};

/** The drawn order of train.csv rows to read: row index and text. */
export function trainLabelPool(
  lang: Lang,
  dataDir = DEFAULT_DATA_DIR,
  draw: TrainDraw = 'net',
): Array<{ row: number; text: string }> {
  const rows = readReviews(path.join(dataDir, TRAIN_FILE[lang]));
  const terms = DRAWS[draw].terms[lang];
  if (!terms) throw new Error(`no ${draw} draw for ${lang}`);
  const cap = DRAWS[draw].maxChars(lang);
  const pool = rows
    .map((text, row) => ({ row, text }))
    .filter((r) => r.text.trim() !== '' && r.text.length <= cap && terms.test(r.text));
  const next = rng(DRAWS[draw].seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool;
}

function addLabels(lang: Lang, file: string, draw: TrainDraw): void {
  const pool = trainLabelPool(lang, DEFAULT_DATA_DIR, draw);
  const out = trainLabelsPath(lang);
  const existing = existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
    : [];
  const taken = new Set(existing.map((l) => (JSON.parse(l) as TrainLabelLine).src.row));
  const lines: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const [pos, ...codes] = raw.trim().split(/\s+/);
    if (!pos) continue;
    const r = pool[Number(pos)];
    if (!r) throw new Error(`no pool position ${pos}`);
    if (taken.has(r.row)) throw new Error(`position ${pos} (row ${r.row}) is labelled already`);
    const aspects: AspectLabels = {};
    for (const c of codes) {
      if (c === '-') continue;
      const [a, q] = c.split(':');
      const aspect = ASPECT_CODES[a ?? ''];
      const polarity = POLARITY_CODES[q ?? ''];
      if (!aspect || !polarity) throw new Error(`position ${pos}: bad code ${c}`);
      aspects[aspect] = polarity;
    }
    taken.add(r.row);
    const line: TrainLabelLine = {
      id: `${lang}-train-${String(existing.length + lines.length + 1).padStart(4, '0')}`,
      src: { file: TRAIN_FILE[lang], row: r.row, sha1: sha12(r.text) },
      aspects,
      agent_complaint: hasAgentComplaint(aspects),
      draw: `${DRAW_PREFIX[draw]}:${pos}`,
    };
    lines.push(JSON.stringify(line));
  }
  writeFileSync(out, [...existing, ...lines].map((l) => `${l}\n`).join(''));
  console.log(`${lines.length} lines added to ${out} (now ${existing.length + lines.length})`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      lang: { type: 'string' },
      from: { type: 'string', default: '0' },
      count: { type: 'string', default: '50' },
      check: { type: 'boolean', default: false },
      add: { type: 'string' },
      draw: { type: 'string', default: 'net' },
    },
  });
  const lang = values.lang as Lang;
  if (lang !== 'zh' && lang !== 'en') {
    console.error('usage: aspects-train-labels --lang zh|en [--from N --count M | --check]');
    process.exit(2);
  }
  const draw = values.draw as TrainDraw;
  if (!Object.hasOwn(DRAWS, draw)) {
    console.error('--draw net|replies|service');
    process.exit(2);
  }
  if (values.check) {
    const items = loadTrainLabels(lang);
    for (const d of lang === 'en' ? (['net', 'replies', 'service'] as const) : (['net', 'replies'] as const)) {
      const pool = trainLabelPool(lang, DEFAULT_DATA_DIR, d);
      const order = new Map(pool.map((r, i) => [r.row, i]));
      const positions = items
        .filter((it) => it.draw.startsWith(`${DRAW_PREFIX[d]}:`))
        .map((it) => order.get(it.src!.row) ?? -1);
      if (positions.some((p) => p < 0)) throw new Error(`a labelled row is not in the ${d} pool`);
      console.log(
        `${d}: ${positions.length} lines join; pool ${pool.length}; positions ${Math.min(...positions)}–${Math.max(...positions)}`,
      );
    }
    return;
  }
  if (values.add) {
    addLabels(lang, values.add, draw);
    return;
  }
  const pool = trainLabelPool(lang, DEFAULT_DATA_DIR, draw);
  const taken = new Set(loadTrainLabels(lang).map((it) => it.src!.row));
  const from = Number(values.from);
  for (const [i, r] of pool.slice(from, from + Number(values.count)).entries())
    console.log(
      `${from + i}\t${r.row}\t${sha12(r.text)}\t${taken.has(r.row) ? '(labelled already) ' : ''}${r.text.replace(/\s+/g, ' ')}`,
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
