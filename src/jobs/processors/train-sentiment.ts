/**
 * Job kind `train_sentiment`: trains the sentiment model of one language in a job thread and
 * registers it as a candidate (promoted only when the language has no active version, or when the
 * request asks). Exactly one version per job: a retried or re-delivered job finds the version it
 * registered before and returns it without training again.
 */
import { SYSTEM_REASONS } from '../../audit/reasons.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { getActive, promote, registerVersion, type ModelVersion } from '../../registry/index.js';
import { packSentiment, SENTIMENT_KIND } from '../../registry/sentiment.js';
import type { ModelMetadata } from '../../reviews/sentiment/predictor.js';
import { computeFor } from '../compute.js';
import { parseJobData, type Processor, UnrecoverableJobError } from '../types.js';

export const trainSentimentData = z
  .object({
    language: z.enum(['zh', 'en']),
    /** Directory with train.csv and dev.csv (test.csv optional), columns `label,review`. */
    data_dir: z.string().min(1),
    seed: z.number().int().optional(),
    epochs: z.number().int().min(1).max(100).optional(),
    promote: z.boolean().default(false),
  })
  .strict();

export interface TrainSentimentResult {
  version: string;
  promoted: boolean;
  reused: boolean;
  metrics: unknown;
}

export const trainSentimentProcessor: Processor<unknown, TrainSentimentResult> = async (raw, ctx) => {
  const data = parseJobData('train_sentiment', trainSentimentData, raw);
  const { db } = ctx.deps;
  const finish = async (v: ModelVersion, reused: boolean): Promise<TrainSentimentResult> => {
    const wantPromote = data.promote || !(await getActive(db, SENTIMENT_KIND, data.language));
    if (wantPromote && v.status !== 'active')
      await promote(
        db,
        v.id,
        `job:${ctx.jobId}`,
        data.promote ? SYSTEM_REASONS.job_requested : SYSTEM_REASONS.first_language_version,
      );
    return { version: v.id, promoted: wantPromote, reused, metrics: v.metrics };
  };
  const mine = await db.query<ModelVersion>(`select * from model_versions where job_id = $1 and kind = $2`, [
    ctx.jobId,
    SENTIMENT_KIND,
  ]);
  if (mine.rows[0]) return finish(mine.rows[0], true);
  for (const split of ['train', 'dev']) {
    if (!existsSync(join(data.data_dir, `${split}.csv`)))
      throw new UnrecoverableJobError(`${data.data_dir} has no ${split}.csv`);
  }
  await ctx.progress(2, 'starting training thread');
  const options: Record<string, number> = {};
  if (data.seed !== undefined) options.seed = data.seed;
  if (data.epochs !== undefined) options.epochs = data.epochs;
  // TensorFlow.js trains in the job's thread (src/jobs/compute.ts); cancelling ends it
  const compute = computeFor(ctx, { eager: true });
  let trained: { meta: ModelMetadata; weights: Float32Array };
  try {
    trained = await compute.run(
      'sentimentModel',
      { language: data.language, dataDir: data.data_dir, options, command: `job ${ctx.jobId}` },
      { progress: (percent, stage) => ctx.progress(percent, stage) },
    );
  } finally {
    compute.close();
  }
  const { meta, weights } = trained;
  await ctx.progress(95, 'registering');
  const { metrics, ...rest } = meta as ModelMetadata & { metrics?: Record<string, unknown> };
  const v = await registerVersion(db, {
    id: meta.version,
    kind: SENTIMENT_KIND,
    scope: data.language,
    artifact: packSentiment(meta, weights),
    metadata: rest,
    metrics: metrics ?? {},
    dataRange: { source: data.data_dir },
    jobId: ctx.jobId,
    actor: `job:${ctx.jobId}`,
  });
  return finish(v, false);
};
