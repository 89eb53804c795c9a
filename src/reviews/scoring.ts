/**
 * Scores stored reviews with a sentiment engine and writes the result beside each review with
 * the model version that made it. Idempotent: a review is (re)written only when it has no score
 * yet or was scored by another version, and the same engine writes the same values.
 *
 * A rescore (after a sentiment switch) goes through `review_rescores` (migration 020): `stageRescores`
 * scores into it in batches, `applyRescores` replaces the reviews' scores from it once nothing is left
 * to stage — so a cancelled or failed rescore leaves the old scores in place and a retry goes on from
 * what was staged, never scoring a review twice.
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

/** The aspect model of each result's language (`engine.aspectVersions`), as the reviews store it. */
const aspectModelsOf = (engine: Pick<SentimentEngine, 'aspectVersions'>, results: readonly ScoredReview[]) =>
  results.map((s) => engine.aspectVersions[s.language]);

/** Writes engine results beside their reviews (`ids[i]` ↔ `results[i]`), with the sentiment and aspect model versions. */
export async function writeScores(
  db: Queryable,
  engine: Pick<SentimentEngine, 'aspectVersions'>,
  ids: readonly string[],
  results: readonly ScoredReview[],
): Promise<void> {
  await db.query(
    `update reviews r set language = u.language, sentiment_label = u.label, sentiment_probability = u.probability,
       sentiment_model = u.model, aspects = u.aspects::jsonb, aspects_model = u.aspects_model, scored_at = now()
     from unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[]) as u(id, language, label, probability, model, aspects, aspects_model)
     where r.id = u.id`,
    [
      ids,
      results.map((s) => s.language),
      results.map((s) => s.label),
      results.map((s) => s.probability),
      results.map((s) => s.modelVersion),
      results.map((s) => JSON.stringify(s.aspects)),
      aspectModelsOf(engine, results),
    ],
  );
}

/**
 * SQL true when `r` was scored by other models than the engine's: its sentiment model is not one of
 * `$<v>` (text[]) or its aspect model is not `$<a>` (text[]: the zh, en and other aspect versions) of its
 * language. Unscored reviews are not included (`r.sentiment_model is null` is the caller's).
 */
const OTHER_MODELS = (v: number, a: number) =>
  `(not (r.sentiment_model = any($${v}::text[])) or r.aspects_model is distinct from (case r.language when 'zh' then ($${a}::text[])[1] when 'en' then ($${a}::text[])[2] else ($${a}::text[])[3] end))`;

/** The engine's aspect versions in OTHER_MODELS' order (zh, en, other). */
const aspectVersionList = (engine: Pick<SentimentEngine, 'aspectVersions'>) => [
  engine.aspectVersions.zh,
  engine.aspectVersions.en,
  engine.aspectVersions.other,
];

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
      `select r.id, r.text from reviews r
       where (case when $1::text is null then r.id >= $2 else r.id > $1 end) and ($3::text is null or r.id < $3)
         and ($4::text[] is null or r.id = any($4))
         and (r.sentiment_model is null or ($5 and ${OTHER_MODELS(6, 8)}))
       order by r.id limit $7`,
      [
        after,
        from,
        to,
        opts.ids ?? null,
        opts.rescoreOtherVersions ?? false,
        versions,
        batch,
        aspectVersionList(engine),
      ],
    );
    if (r.rows.length === 0) break;
    const results = await engine.scoreAsync(r.rows.map((x) => x.text));
    await writeScores(
      db,
      engine,
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

/** Lets the event loop turn: PGlite's statements run on this thread and settle at once. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The run a rescore with this engine stages under: its sentiment and aspect versions, sorted (as the
 * score_reviews planner names them), so a switch of either kind is a run of its own.
 */
export function rescoreRun(engine: Pick<SentimentEngine, 'versions' | 'aspectVersions'>): string {
  return [...new Set([...Object.values(engine.versions), ...Object.values(engine.aspectVersions)])].sort().join(',');
}

// a scalar subquery, not NOT EXISTS: the planner made that a hash anti-join over every staged row of
// the run, once per batch; this probes the stage's primary key for the rows the batch reads
// `$1` the sentiment versions, `$2` the run, `$<a>` the aspect versions (OTHER_MODELS)
const NEEDS_RESCORE = (a: number) => `(r.sentiment_model is null or ${OTHER_MODELS(1, a)})
  and (select true from review_rescores s where s.run = $2 and s.review_id = r.id) is null`;

/**
 * Scores the reviews of `range` that the engine's versions did not score and that are not staged for
 * its run yet, in batches of `batch` (read, score on the engine's threads, one insert), into
 * `review_rescores`; the reviews' own scores stay as they are. Aborting stops between batches.
 */
export async function stageRescores(
  db: Queryable,
  engine: SentimentEngine,
  opts: Pick<ScoreStoredOptions, 'range' | 'batch' | 'signal' | 'onProgress'> = {},
): Promise<{ scored: number }> {
  const batch = opts.batch ?? 500;
  const versions = [...new Set(Object.values(engine.versions))];
  const run = rescoreRun(engine);
  const [from, to] = opts.range ?? ['', null];
  let after = from;
  let inclusive = true;
  let scored = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    // updated_at as text: a Date would drop its microseconds, and the apply compares it exactly;
    // `>=` only for the first batch, written out (a CASE over the two would hide the id range from the index)
    const r: { rows: { id: string; text: string; updated_at: string }[] } = await db.query(
      `select r.id, r.text, r.updated_at::text as updated_at from reviews r
       where r.id ${inclusive ? '>=' : '>'} $3 and ($4::text is null or r.id < $4) and ${NEEDS_RESCORE(6)}
       order by r.id limit $5`,
      [versions, run, after, to, batch, aspectVersionList(engine)],
    );
    if (r.rows.length === 0) break;
    const results = await engine.scoreAsync(r.rows.map((x) => x.text));
    opts.signal?.throwIfAborted();
    await db.query(
      `insert into review_rescores (run, review_id, review_updated_at, language, label, probability, model, aspects, aspects_model)
       select $1, u.id, u.at, u.language, u.label, u.probability, u.model, u.aspects::jsonb, u.aspects_model
       from unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::text[]) as u(id, at, language, label, probability, model, aspects, aspects_model)
       on conflict (run, review_id) do update set review_updated_at = excluded.review_updated_at, language = excluded.language,
         label = excluded.label, probability = excluded.probability, model = excluded.model, aspects = excluded.aspects,
         aspects_model = excluded.aspects_model`,
      [
        run,
        r.rows.map((x) => x.id),
        r.rows.map((x) => x.updated_at),
        results.map((x) => x.language),
        results.map((x) => x.label),
        results.map((x) => x.probability),
        results.map((x) => x.modelVersion),
        results.map((x) => JSON.stringify(x.aspects)),
        aspectModelsOf(engine, results),
      ],
    );
    scored += r.rows.length;
    after = r.rows[r.rows.length - 1]!.id;
    inclusive = false;
    await opts.onProgress?.(scored);
    if (r.rows.length < batch) break;
    await turn();
  }
  return { scored };
}

/** Reviews one statement of `rescoreLeft` looks at (a whole-table check held PGlite ≈ 190 ms, every other statement waiting). */
const LEFT_SLICE = 4000;

/**
 * True when some review still needs a score from the engine's versions and none is staged for its
 * run. Looks in slices of LEFT_SLICE reviews by id, one short statement each, stopping at the first hit.
 */
export async function rescoreLeft(db: Queryable, engine: SentimentEngine, slice = LEFT_SLICE): Promise<boolean> {
  let after: string | null = null;
  for (;;) {
    const r: { rows: { last: string | null; left: boolean | null }[] } = await db.query(
      `select max(r.id) as last, bool_or(${NEEDS_RESCORE(3)}) as left
         from (select id, language, sentiment_model, aspects_model from reviews
               where $4::text is null or id > $4 order by id limit $5) r`,
      [[...new Set(Object.values(engine.versions))], rescoreRun(engine), aspectVersionList(engine), after, slice],
    );
    const { last, left } = r.rows[0] ?? { last: null, left: null };
    if (left) return true;
    if (last === null) return false;
    after = last;
  }
}

/**
 * Replaces the reviews' scores with the ones staged for `run`, `rows` per statement (each statement
 * moves its rows out of the stage and into the reviews at once, so a crash between them loses nothing
 * and applies nothing twice; several processes may apply together). A review whose text changed since
 * it was staged keeps what ingestion gave it. Then drops what other runs left staged.
 */
export async function applyRescores(db: Queryable, run: string, rows = 200): Promise<{ applied: number }> {
  let applied = 0;
  for (;;) {
    const ids = await db.query<{ review_id: string }>(
      `select review_id from review_rescores where run = $1 order by review_id limit $2`,
      [run, rows],
    );
    if (ids.rows.length === 0) break;
    // another process applying the same rows at once finds them gone and moves nothing
    const r = await db.query<{ n: number }>(
      `with moved as (
         delete from review_rescores where run = $1 and review_id = any($2::text[]) returning *),
       written as (
         update reviews r set language = m.language, sentiment_label = m.label, sentiment_probability = m.probability,
           sentiment_model = m.model, aspects = m.aspects, aspects_model = m.aspects_model, scored_at = now()
         from moved m where r.id = m.review_id and r.updated_at = m.review_updated_at
         returning 1)
       select (select count(*) from moved)::int as n`,
      [run, ids.rows.map((x) => x.review_id)],
    );
    applied += r.rows[0]?.n ?? 0;
    await turn();
  }
  await db.query(`delete from review_rescores where run <> $1`, [run]);
  return { applied };
}

/** Where the current sentiment engine comes from (the registry's active versions: src/registry/active.ts). */
export interface SentimentProvider {
  get(): Promise<SentimentEngine>;
}
