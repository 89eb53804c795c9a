/**
 * Fingerprints of what the engine answers with aspects on: per item of the aspect evaluation set
 * (data/aspects, both parts, both languages) and for the bench's zh test file, a hash of the whole
 * scored review (label, P(positive), language, every aspect hit with its polarity, probability,
 * confidence, agent flag and span). The committed fixture was written by the code before the speed
 * work of issue 18; test/reviews/aspects-fingerprint.test.ts checks that the engine still answers
 * bit for bit the same (a change of the models or the rules changes them on purpose: regenerate).
 * Only hashes are committed, never the shared data's texts.
 *
 *   npx tsx training/aspects-fingerprint.ts [--write]   (prints the differences, or rewrites the fixture)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readLabelledCsv } from '../src/reviews/sentiment/data.js';
import type { ScoredReview, SentimentEngine } from '../src/reviews/sentiment/index.js';
import { DEFAULT_DATA_DIR, loadAspectEvalSet } from './aspects-eval-set.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FINGERPRINT_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'aspects', 'fingerprint.json');
/** the bench's file (bench/sentiment.ts) */
export const BENCH_FILE = path.join(DEFAULT_DATA_DIR, 'zh-online-shopping', 'test.csv');

export interface Fingerprint {
  /** engine.versions and aspectVersions the hashes were taken with */
  versions: Record<string, string>;
  /** eval-set item id → hash of its scored review */
  items: Record<string, string>;
  /** one hash over the bench file's scored reviews, in order */
  bench: { n: number; hash: string };
}

/** Exact text of a scored review: floats as their 64-bit pattern, so a last-bit change shows. */
export function reviewKey(r: ScoredReview): string {
  const f = (x: number | undefined) =>
    x === undefined ? '-' : Buffer.from(new Float64Array([x]).buffer).toString('hex');
  const hits = r.aspects.map(
    (h) =>
      `${h.aspect}|${h.agentControllable}|${h.sentiment}|${f(h.probability)}|${f(h.confidence)}|${h.span.start}-${h.span.end}|${h.span.text}`,
  );
  return `${r.label}|${f(r.probability)}|${r.language}|${r.modelVersion}|${hits.join(';')}`;
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16);

/** `async`: score with engine.scoreAsync (the scoring threads when the engine has them) instead of engine.score. */
export async function fingerprint(engine: SentimentEngine, opts: { async?: boolean } = {}): Promise<Fingerprint> {
  const score = async (texts: string[]) => (opts.async ? engine.scoreAsync(texts) : engine.score(texts));
  const items: Record<string, string> = {};
  for (const lang of ['zh', 'en'] as const) {
    const set = loadAspectEvalSet(lang);
    const scored = await score(set.map((i) => i.text));
    set.forEach((item, k) => {
      items[item.id] = sha(reviewKey(scored[k]!));
    });
  }
  const texts = readLabelledCsv(BENCH_FILE).map((r) => r.review);
  const h = createHash('sha1');
  for (let from = 0; from < texts.length; from += 1000)
    for (const r of await score(texts.slice(from, from + 1000))) h.update(`${reviewKey(r)}\n`);
  return {
    versions: {
      ...Object.fromEntries(Object.entries(engine.versions).map(([k, v]) => [`sentiment-${k}`, v])),
      ...Object.fromEntries(Object.entries(engine.aspectVersions).map(([k, v]) => [`aspects-${k}`, v])),
    },
    items,
    bench: { n: texts.length, hash: h.digest('hex').slice(0, 16) },
  };
}

export const haveFingerprintData = (): boolean => existsSync(BENCH_FILE);

export function readFingerprint(): Fingerprint {
  return JSON.parse(readFileSync(FINGERPRINT_FIXTURE, 'utf8')) as Fingerprint;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadSentimentModels } = await import('../src/reviews/sentiment/index.js');
  const engine = await loadSentimentModels(path.join(REPO_ROOT, 'models'));
  const now = await fingerprint(engine);
  if (process.argv.includes('--write')) {
    writeFileSync(FINGERPRINT_FIXTURE, `${JSON.stringify(now, null, 1)}\n`);
    console.log(`wrote ${Object.keys(now.items).length} items + bench (${now.bench.n}) to ${FINGERPRINT_FIXTURE}`);
  } else {
    const old = readFingerprint();
    const changed = Object.keys(old.items).filter((id) => old.items[id] !== now.items[id]);
    console.log(
      JSON.stringify({
        changed: changed.length,
        ids: changed.slice(0, 20),
        bench_same: old.bench.hash === now.bench.hash,
      }),
    );
  }
}
