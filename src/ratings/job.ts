/**
 * The `recompute_ratings` job: recomputes ratings from the stored review scores and return events.
 * Run it in full after the active sentiment model changed and `score_reviews` (rescore) finished.
 * Idempotent: running it twice leaves the same rows (the second run writes nothing).
 */
import { z } from 'zod';
import { parsePeriod } from '../history/period.js';
import { computeFor } from '../jobs/compute.js';
import { parseJobData, type Processor } from '../jobs/types.js';
import { recomputeRatings, type RecomputeResult } from './recompute.js';

export const RECOMPUTE_RATINGS = 'recompute_ratings';

export const recomputeRatingsData = z
  .object({
    /** only these agents (default: all) */
    agent_ids: z.array(z.string().min(1)).max(100_000).optional(),
    /** only these periods, e.g. ['2026-Q1', '2026-03'] (default: every quarter with data, with its months and weeks) */
    periods: z
      .array(z.string().refine((p) => parsePeriod(p) !== null, 'expected 2026-W07, 2026-03 or 2026-Q1'))
      .max(10_000)
      .optional(),
    /** the insufficient-evidence threshold (default 10) */
    min_reviews: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

export type RecomputeRatingsData = z.input<typeof recomputeRatingsData>;
export type RecomputeRatingsResult = RecomputeResult;

export const recomputeRatingsProcessor: Processor<RecomputeRatingsData, RecomputeRatingsResult> = async (raw, ctx) => {
  const { agent_ids, periods, min_reviews } = parseJobData('recompute_ratings', recomputeRatingsData, raw ?? {});
  await ctx.progress(0, 'ratings: reading evidence');
  // the evidence is aggregated and the ratings written here; the fit runs in the job's thread
  const compute = computeFor(ctx);
  try {
    return await recomputeRatings(ctx.deps.db, {
      agentIds: agent_ids,
      periods,
      minReviews: min_reviews,
      signal: ctx.signal,
      compute,
      onProgress: (done, total, stage) => ctx.progress((100 * done) / total, `ratings ${stage} (${done}/${total})`),
    });
  } finally {
    compute.close();
  }
};
