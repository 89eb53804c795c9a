// The hand labels on train.csv rows (data/aspects/train-labels-<lang>.jsonl): ids only, never texts;
// only train.csv rows (the evaluation set's dev.csv/test.csv rows stay apart); labels from the allowed
// sets with a consistent agent flag; and, where the shared data is present, every row joins to its
// sha1 and lies in the seeded draw, in the order it was read. In CI a missing data folder fails.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASPECTS, DEFAULT_DATA_DIR, hasAgentComplaint, POLARITIES } from '../training/aspects-eval-set.js';
import { loadOwnTrainTexts, readAspectSetLines, trainOwnPath } from '../src/reviews/sentiment/aspect-data.js';
import {
  DRAW_PREFIX,
  loadTrainLabels,
  TRAIN_FILE,
  trainLabelPool,
  trainLabelsPath,
} from '../training/aspects-train-labels.js';

const haveData = existsSync(DEFAULT_DATA_DIR);
const inCi = process.env.CI === 'true';

describe.each(['zh', 'en'] as const)('training labels %s', (lang) => {
  const lines = readFileSync(trainLabelsPath(lang), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('stores row ids of train.csv with allowed labels and no text', () => {
    expect(lines.length).toBeGreaterThan(100);
    const bad: string[] = [];
    const ids = new Set<unknown>();
    for (const l of lines) {
      const id = String(l.id);
      if (ids.has(l.id)) bad.push(`${id}: duplicate id`);
      ids.add(l.id);
      if (!new RegExp(`^${lang}-train-\\d{4}$`).test(id)) bad.push(`${id}: id`);
      if ('text' in l) bad.push(`${id}: stores a text`);
      const src = l.src as { file: string; row: number; sha1: string };
      if (src.file !== TRAIN_FILE[lang]) bad.push(`${id}: source ${src.file}`);
      if (!/^[0-9a-f]{12}$/.test(src.sha1)) bad.push(`${id}: sha1`);
      const aspects = l.aspects as Record<string, string>;
      for (const [a, q] of Object.entries(aspects))
        if (!(ASPECTS as readonly string[]).includes(a) || !(POLARITIES as readonly string[]).includes(q))
          bad.push(`${id}: ${a}: ${q}`);
      if (l.agent_complaint !== hasAgentComplaint(aspects)) bad.push(`${id}: agent_complaint`);
      if (!/^train-(net|replies|service):\d+$/.test(String(l.draw))) bad.push(`${id}: draw ${String(l.draw)}`);
    }
    expect(bad).toEqual([]);
  });

  it.runIf(haveData || inCi)('joins every row and follows each seeded draw from its start', () => {
    const items = loadTrainLabels(lang);
    expect(items).toHaveLength(lines.length);
    // the first draw: every position up to the last one read is labelled, by it or (a row the replies
    // draw labelled before the first draw reached it) by the replies draw
    const net = trainLabelPool(lang);
    const netItems = items.filter((it) => it.draw.startsWith(`${DRAW_PREFIX.net}:`));
    const positions = netItems.map((it) => net.findIndex((r) => r.row === it.src?.row)).sort((a, b) => a - b);
    expect(positions.every((p) => p >= 0)).toBe(true);
    const everyLabelled = new Set(items.map((it) => it.src?.row));
    expect(net.slice(0, Math.max(-1, ...positions) + 1).filter((r) => !everyLabelled.has(r.row))).toEqual([]);
    for (const it of netItems)
      expect(it.draw).toBe(`${DRAW_PREFIX.net}:${net.findIndex((r) => r.row === it.src?.row)}`);
    // the replies draw: every position up to the last one read is labelled, by it or by the first draw
    const replies = trainLabelPool(lang, undefined, 'replies');
    const labelled = new Set(items.map((it) => it.src?.row));
    const read = items
      .filter((it) => it.draw.startsWith(`${DRAW_PREFIX.replies}:`))
      .map((it) => {
        const at = replies.findIndex((r) => r.row === it.src?.row);
        expect(it.draw).toBe(`${DRAW_PREFIX.replies}:${at}`);
        return at;
      });
    const last = Math.max(-1, ...read);
    expect(read.every((p) => p >= 0)).toBe(true);
    expect(replies.slice(0, last + 1).filter((r) => !labelled.has(r.row))).toEqual([]);
    // the service draw (en only): the same rule as the replies draw
    if (lang === 'en') {
      const service = trainLabelPool(lang, undefined, 'service');
      const readService = items
        .filter((it) => it.draw.startsWith(`${DRAW_PREFIX.service}:`))
        .map((it) => {
          const at = service.findIndex((r) => r.row === it.src?.row);
          expect(it.draw).toBe(`${DRAW_PREFIX.service}:${at}`);
          return at;
        });
      expect(readService.every((p) => p >= 0)).toBe(true);
      const lastService = Math.max(-1, ...readService);
      expect(service.slice(0, lastService + 1).filter((r) => !labelled.has(r.row))).toEqual([]);
    }
    // no row labelled twice
    expect(labelled.size).toBe(items.length);
  });
});

// The project's own training texts (data/aspects/train-own-<lang>.jsonl): written by the project, marked
// own, labels from the allowed sets, and none of them an item of the evaluation set.
describe.each(['zh', 'en'] as const)('own training texts %s', (lang) => {
  it('are marked own, labelled consistently and not in the evaluation set (none without their file)', () => {
    const items = loadOwnTrainTexts(lang);
    // a language without the file: its fits read none
    if (!existsSync(trainOwnPath(lang))) return expect(items).toEqual([]);
    expect(items.length).toBeGreaterThan(0);
    const ids = new Set(items.map((it) => it.id));
    expect(ids.size).toBe(items.length);
    for (const it of items) expect(it.id).toMatch(new RegExp(`^${lang}-trainown-\\d{4}$`));
    const evalTexts = new Set(
      readAspectSetLines(lang)
        .filter((l) => l.own)
        .map((l) => l.text?.trim()),
    );
    expect(items.filter((it) => evalTexts.has(it.text.trim())).map((it) => it.id)).toEqual([]);
    expect(new Set(items.map((it) => it.text.trim())).size).toBe(items.length);
  });
});
