/**
 * Scores stored reviews with a sentiment engine and writes the result beside each review with
 * the model version that made it. Idempotent: a review is (re)written only when it has no score
 * yet or was scored by another version, and the same engine writes the same values.
 */
import type { Db, Queryable } from '../db/types.js';
import type { ScoredReview, SentimentEngine } from './sentiment/index.js';

export interface ScoreStoredOptions {
  /** Only these review ids (e.g. the ones just ingested); all reviews when absent. */
  ids?: readonly string[];
  /** Only ids in [from, to) (`to` null: to the end), e.g. one chunk of a score_reviews job. */
  range?: readonly [string, string | null];
  /** Rows per read/score/write round. */
  batch?: number;
  /** Re-score reviews already scored by a different model version. */
  rescoreOtherVersions?: boolean;
  onProgress?: (done: number) => void | Promise<void>;
  /** Aborting stops between batches with the signal's reason (batches written so far stay written). */
  signal?: AbortSignal;
}

/** Writes engine results beside their reviews (`ids[i]` ↔ `results[i]`), with the model version. */
export async function writeScores(
  db: Queryable,
  ids: readonly string[],
  results: readonly ScoredReview[],
): Promise<void> {
  await db.query(
    `update reviews r set language = u.language, sentiment_label = u.label, sentiment_probability = u.probability,
       sentiment_model = u.model, aspects = u.aspects::jsonb, scored_at = now()
     from unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[]) as u(id, language, label, probability, model, aspects)
     where r.id = u.id`,
    [
      ids,
      results.map((s) => s.language),
      results.map((s) => s.label),
      results.map((s) => s.probability),
      results.map((s) => s.modelVersion),
      results.map((s) => JSON.stringify(s.aspects)),
    ],
  );
}

export async function scoreStoredReviews(
  db: Db,
  engine: SentimentEngine,
  opts: ScoreStoredOptions = {},
): Promise<{ scored: number }> {
  const batch = opts.batch ?? 5000;
  const versions = [...new Set(Object.values(engine.versions))];
  const [from, to] = opts.range ?? ['', null];
  let after: string | null = null;
  let scored = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    // keyset pagination by id: deterministic batches, no offset scans
    const r: { rows: { id: string; text: string }[] } = await db.query<{ id: string; text: string }>(
      `select id, text from reviews
       where (case when $1::text is null then id >= $2 else id > $1 end) and ($3::text is null or id < $3)
         and ($4::text[] is null or id = any($4))
         and (sentiment_model is null or ($5 and not (sentiment_model = any($6::text[]))))
       order by id limit $7`,
      [after, from, to, opts.ids ?? null, opts.rescoreOtherVersions ?? false, versions, batch],
    );
    if (r.rows.length === 0) break;
    const results = await engine.scoreAsync(r.rows.map((x) => x.text));
    await writeScores(
      db,
      r.rows.map((x) => x.id),
      results,
    );
    scored += r.rows.length;
    after = r.rows[r.rows.length - 1]!.id;
    await opts.onProgress?.(scored);
    if (r.rows.length < batch) break;
  }
  return { scored };
}

/** Where the current sentiment engine comes from (the registry's active versions: src/registry/active.ts). */
export interface SentimentProvider {
  get(): Promise<SentimentEngine>;
}
