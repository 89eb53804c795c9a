/**
 * Shadow comparison: score the same data with a candidate and the active version and report what
 * would change for people (agents' positive-service share for sentiment, persons' targets for
 * baselines), before anyone promotes. One comparer per model kind; the report is
 * stored with the candidate (`metadata.shadow`) so the promote decision is made with it in hand.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/types.js';
import { readLabelledCsv } from '../reviews/sentiment/data.js';
import type { SentimentEngine } from '../reviews/sentiment/index.js';
import { getActive, getVersion } from './index.js';
import { buildSentimentEngine, SENTIMENT_KIND } from './sentiment.js';
import { ASPECTS_KIND } from './aspects.js';
import { aspectsComparer } from './shadow-aspects.js';
import { baselineComparer } from './shadow-baselines.js';
import { agentShareReport, type Comparer, movedShares, type ShadowOptions, type ShadowReport } from './shadow-types.js';

export type { Comparer, ShadowOptions, ShadowReport } from './shadow-types.js';

async function accuracy(
  engine: SentimentEngine,
  rows: { review: string; label: 0 | 1 }[],
): Promise<{ accuracy: number }> {
  const scored = await engine.scoreAsync(
    rows.map((r) => r.review),
    { aspects: false },
  );
  let right = 0;
  scored.forEach((s, i) => {
    if ((s.probability >= 0.5 ? 1 : 0) === rows[i]!.label) right++;
  });
  return { accuracy: Math.round((right / Math.max(1, rows.length)) * 10_000) / 10_000 };
}

/**
 * Sentiment: stored reviews of the candidate's language scored by both; per-agent positive share; dev accuracy.
 * Each engine scores on a thread of its own (unless `threads` is false), so the comparison does not hold
 * the main thread; the reviews are read and the report written here.
 */
export const sentimentComparer: Comparer = async (db, candidate, active, opts) => {
  const threads = opts.threads === false ? 0 : 1;
  const before = await buildSentimentEngine(db, opts.modelsDir, undefined, { threads });
  const after = await buildSentimentEngine(db, opts.modelsDir, candidate, { threads }).catch(async (err) => {
    await before.close();
    throw err;
  });
  try {
    return await compareSentiment(db, candidate, active, opts, before, after);
  } finally {
    await Promise.all([before.close(), after.close()]);
  }
};

async function compareSentiment(
  db: Parameters<Comparer>[0],
  candidate: Parameters<Comparer>[1],
  active: Parameters<Comparer>[2],
  opts: Parameters<Comparer>[3],
  before: SentimentEngine,
  after: SentimentEngine,
): Promise<ShadowReport> {
  const perAgent = new Map<string, { n: number; a: number; b: number }>();
  let compared = 0;
  let changed = 0;
  let last = '';
  while (compared < opts.limit) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    const r = await db.query<{ id: string; agent_id: string | null; text: string }>(
      `select id, agent_id, text from reviews where id > $1 and (language is null or language = $2) order by id limit $3`,
      [last, candidate.scope, Math.min(5000, opts.limit - compared)],
    );
    if (r.rows.length === 0) break;
    const texts = r.rows.map((x) => x.text);
    const [a, b] = await Promise.all([
      before.scoreAsync(texts, { aspects: false }),
      after.scoreAsync(texts, { aspects: false }),
    ]);
    r.rows.forEach((row, i) => {
      if (a[i]!.language !== candidate.scope) return;
      compared++;
      if (a[i]!.label !== b[i]!.label) changed++;
      if (!row.agent_id) return;
      const s = perAgent.get(row.agent_id) ?? { n: 0, a: 0, b: 0 };
      s.n++;
      if (a[i]!.label === 'positive') s.a++;
      if (b[i]!.label === 'positive') s.b++;
      perAgent.set(row.agent_id, s);
    });
    last = r.rows[r.rows.length - 1]!.id;
    await opts.progress?.(Math.min(80, (80 * compared) / opts.limit), `compared ${compared} reviews`);
  }
  // the rating's evidence: the share of positive reviews
  const moved = movedShares(
    [...perAgent.entries()].map(([id, s]) => ({ id, n: s.n, a: s.a, an: s.n, b: s.b, bn: s.n })),
    opts.threshold,
  );
  const training = candidate.metadata.training as { data?: string } | undefined;
  const evalFile = opts.evalFile ?? (training?.data ? join(training.data, 'dev.csv') : undefined);
  let evaluation: ShadowReport['evaluation'] = null;
  if (evalFile && existsSync(evalFile)) {
    await opts.progress?.(85, `evaluating on ${evalFile}`);
    const rows = readLabelledCsv(evalFile);
    evaluation = {
      source: evalFile,
      n: rows.length,
      active: active ? await accuracy(before, rows) : null,
      candidate: await accuracy(after, rows),
    };
  }
  return agentShareReport(candidate, active, { compared, changed, threshold: opts.threshold, moved, evaluation });
}

/** Comparers by model kind (a new model kind adds its own here). */
export const comparers: Record<string, Comparer> = {
  [SENTIMENT_KIND]: sentimentComparer,
  [ASPECTS_KIND]: aspectsComparer,
  baseline: baselineComparer,
};

/** Runs the comparer of the candidate's kind and stores the report with the candidate. */
export async function compareWithActive(
  db: Db,
  candidateId: string,
  opts: ShadowOptions,
  registry: Record<string, Comparer> = comparers,
): Promise<ShadowReport> {
  const candidate = await getVersion(db, candidateId);
  if (!candidate) throw Object.assign(new Error(`model version ${candidateId} not found`), { unrecoverable: true });
  const comparer = registry[candidate.kind];
  if (!comparer)
    throw Object.assign(new Error(`no shadow comparer for model kind ${candidate.kind} yet`), { unrecoverable: true });
  const active = await getActive(db, candidate.kind, candidate.scope);
  const report = await comparer(db, candidate, active, opts);
  await db.query(
    `update model_versions set metadata = metadata || jsonb_build_object('shadow', $2::jsonb) where id = $1`,
    [candidateId, JSON.stringify(report)],
  );
  return report;
}
