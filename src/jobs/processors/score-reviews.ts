/**
 * Job kind `score_reviews`: scores stored reviews with the active sentiment models.
 *
 * Without a `range` the job plans: it cuts the reviews, ordered by id, into chunks of
 * `chunk_size` and submits one `score_reviews` job per id range (ids derived from the planning
 * job's id and the range, so a re-delivered planner submits nothing new); any number of workers
 * then share the chunks. With a `range` it scores that range with `scoreStoredReviews`
 * (src/reviews/scoring.ts: batches by keyset on id, one UPDATE per batch). Idempotent: only reviews without a
 * score from the active versions are written, and the same model writes the same values.
 *
 * A `rescore` (what a sentiment promote or rollback submits) scores into `review_rescores` instead
 * (`stageRescores`), and the chunk that finds no review left unstaged replaces the reviews' scores from
 * it (`applyRescores`, short statements, not cancelled once begun): until then every review keeps its
 * old score, so a cancelled or failed rescore changes nothing, and its retry scores only what is not
 * staged yet. With `then_recompute` that chunk then submits one `recompute_ratings` job for every
 * period (its id derived from the planner's, so chunks finishing together submit it once).
 */
import { z } from 'zod';
import type { Db } from '../../db/types.js';
import { activeModelsFor } from '../../registry/active.js';
import { submitJob } from '../submit.js';
import { type JobContext, parseJobData, type Processor } from '../types.js';
import { applyRescores, rescoreLeft, rescoreRun, scoreStoredReviews, stageRescores } from '../../reviews/scoring.js';
import { RECOMPUTE_RATINGS } from '../../ratings/job.js';
import { recomputeRatings } from '../../ratings/recompute.js';

export const scoreReviewsData = z
  .object({
    /** [from, to) by review id; `to` null = to the end. */
    range: z.tuple([z.string(), z.string().nullable()]).optional(),
    /** Re-score reviews scored by another model version too (after a promote or rollback). */
    rescore: z.boolean().default(false),
    chunk_size: z.number().int().min(100).max(1_000_000).default(10_000),
    /**
     * Reviews per read/score/write round (default 200 on PGlite, whose statements run in the API
     * process's main thread, so shorter ones keep requests waiting less — a 500-review update held it
     * 300–700 ms at load 17; 2,000 on PostgreSQL).
     */
    batch_size: z.number().int().min(10).max(50_000).optional(),
    /** Set by the planner: the active versions the chunks were planned for (part of their ids). */
    versions: z.string().optional(),
    /** Set by the planner: its job id, so each planning run gets its own chunk jobs. */
    parent: z.string().optional(),
    /** After the last review is scored, recompute every rating (after a sentiment model switch). */
    then_recompute: z.boolean().default(false),
  })
  .strict();
export type ScoreReviewsData = z.input<typeof scoreReviewsData>;

export interface ScoreReviewsResult {
  scored?: number;
  /** Rescores: staged scores moved into the reviews (by the chunk that found none left to stage). */
  applied?: number;
  /** The recompute_ratings job submitted (or, without a queue, its rows updated) after the last chunk. */
  recompute?: string | { updated: number };
  range?: [string, string | null];
  chunks?: number;
  jobs?: string[];
}

/** Chunk starts: every `size`-th review id in id order (deterministic for a given set of reviews). */
export async function chunkStarts(db: Db, size: number): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `select id from (select id, row_number() over (order by id) - 1 as rn from reviews) t where rn % $1 = 0 order by id`,
    [size],
  );
  return r.rows.map((x) => x.id);
}

export const scoreReviewsProcessor: Processor<unknown, ScoreReviewsResult> = async (raw, ctx: JobContext) => {
  const data = parseJobData('score_reviews', scoreReviewsData, raw ?? {});
  const { db, config, queue } = ctx.deps;
  const batch = data.batch_size ?? (db.kind === 'pglite' ? 200 : 2000);
  const active = activeModelsFor(db, config);
  // a rescore follows a model switch: read the active versions now, not up to 2 s ago
  // the jobs' engine scores on a thread of its own (off the main thread, on every backend)
  let engine = await active.sentiment({ fresh: data.rescore && !data.range, job: true });
  // a chunk planned for other versions than this process last read: read them again
  if (data.versions && rescoreRun(engine) !== data.versions)
    engine = await active.sentiment({ fresh: true, job: true });

  if (!data.range) {
    await ctx.progress(0, 'planning chunks');
    const starts = await chunkStarts(db, data.chunk_size);
    const versions = rescoreRun(engine);
    const ranges = starts.map((s, i) => [s, starts[i + 1] ?? null] as [string, string | null]);
    if (!queue) {
      let scored = 0;
      for (const [i, range] of ranges.entries()) {
        const opts = { range, batch, signal: ctx.signal };
        scored += (
          data.rescore
            ? await stageRescores(db, engine, opts)
            : await scoreStoredReviews(db, engine, { ...opts, rescoreOtherVersions: false })
        ).scored;
        await ctx.progress((95 * (i + 1)) / ranges.length, `scored ${scored} reviews`);
      }
      const applied = data.rescore ? await apply(ctx, db, engine) : undefined;
      if (!data.then_recompute) return { scored, applied, chunks: ranges.length };
      await ctx.progress(99, 'recomputing ratings');
      return {
        scored,
        applied,
        chunks: ranges.length,
        recompute: { updated: (await recomputeRatings(db, { signal: ctx.signal })).updated },
      };
    }
    const jobs: string[] = [];
    for (const range of ranges) {
      const child = {
        range,
        rescore: data.rescore,
        batch_size: data.batch_size,
        chunk_size: data.chunk_size,
        versions,
        parent: ctx.jobId,
        then_recompute: data.then_recompute,
      };
      jobs.push((await submitJob(queue, 'score_reviews', child, { submittedBy: `job:${ctx.jobId}` })).id);
    }
    return { chunks: ranges.length, jobs };
  }

  await ctx.progress(0, `scoring ${data.range[0]}…${data.range[1] ?? 'end'}`);
  const opts = {
    range: data.range,
    batch,
    signal: ctx.signal,
    onProgress: (done: number) => ctx.progress(Math.min(95, (95 * done) / data.chunk_size), `scored ${done}`),
  };
  if (!data.rescore) {
    const { scored } = await scoreStoredReviews(db, engine, opts);
    return { scored, range: data.range };
  }
  const { scored } = await stageRescores(db, engine, opts);
  // every chunk checks after its own writes, so the last one to finish sees none left
  if (await rescoreLeft(db, engine)) return { scored, range: data.range };
  const applied = await apply(ctx, db, engine);
  if (!data.then_recompute || !queue) return { scored, applied, range: data.range };
  const recompute = await submitJob(
    queue,
    RECOMPUTE_RATINGS,
    {},
    {
      key: { after: data.parent ?? ctx.jobId },
      submittedBy: `job:${ctx.jobId}`,
    },
  );
  return { scored, applied, range: data.range, recompute: recompute.id };
};

/** Every review staged: their scores replace the old ones (not cancelled once begun: short statements). */
async function apply(ctx: JobContext, db: Db, engine: Parameters<typeof rescoreRun>[0]): Promise<number> {
  await ctx.progress(96, 'replacing the scores');
  return (await applyRescores(db, rescoreRun(engine))).applied;
}
