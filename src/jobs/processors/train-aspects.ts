/**
 * Job kind `train_aspects`: trains the clause-level aspect model of one language in a job thread
 * (`trainAspectModel`, src/reviews/sentiment/aspect-pipeline.ts, the run `npm run train:aspects` makes)
 * from the repository's labels, weak keyword labels and the stored corrections (their training export,
 * texts masked), and registers it as a candidate (kind `aspects`) with its out-of-fold dev figures.
 * Promoted only when the request asks (`promote: true`); that promote submits the rescore a promote
 * through the API would. Exactly one version per job: a retried or re-delivered job finds the version
 * it registered and returns it without training again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ASPECTS_KIND, packAspects } from '../../registry/aspects.js';
import { promote, registerVersion, type ModelVersion } from '../../registry/index.js';
import {
  correctionItems,
  DEFAULT_DATA_DIR,
  DEFAULT_LABELS_DIR,
  setPath,
  TRAIN_FILE,
} from '../../reviews/sentiment/aspect-data.js';
import { correctionTrainingRows } from '../../reviews/corrections-store.js';
import { computeFor } from '../compute.js';
import { submitJob } from '../submit.js';
import { parseJobData, type Processor, UnrecoverableJobError } from '../types.js';

export const trainAspectsData = z
  .object({
    language: z.enum(['zh', 'en']),
    /** The shared review data (train.csv, dev.csv, test.csv per source); default ../shared/data/reviews beside the code. */
    data_dir: z.string().min(1).optional(),
    /** The labels (<lang>.jsonl, train-labels-<lang>.jsonl); default the repository's data/aspects. */
    labels_dir: z.string().min(1).optional(),
    /** Train on the stored corrections in force (default true). */
    corrections: z.boolean().default(true),
    /** The hand labels on train.csv rows (default true). */
    train_labels: z.boolean().default(true),
    /** Keyword-labelled clauses of train.csv (default 40,000 zh / 30,000 en; a small number makes a quick, weaker model). */
    weak: z.number().int().min(0).max(200_000).optional(),
    epochs: z.number().int().min(1).max(50).optional(),
    folds: z.number().int().min(2).max(10).optional(),
    promote: z.boolean().default(false),
  })
  .strict();

export interface TrainAspectsResult {
  version: string;
  promoted: boolean;
  reused: boolean;
  metrics: unknown;
  /** the rescore the promote submitted */
  rescore_job?: string;
}

export const trainAspectsProcessor: Processor<unknown, TrainAspectsResult> = async (raw, ctx) => {
  const data = parseJobData('train_aspects', trainAspectsData, raw);
  const lang = data.language;
  const { db, config, queue } = ctx.deps;
  const finish = async (v: ModelVersion, reused: boolean): Promise<TrainAspectsResult> => {
    const out: TrainAspectsResult = { version: v.id, promoted: data.promote, reused, metrics: v.metrics };
    if (!data.promote || v.status === 'active') return out;
    const active = await promote(db, v.id, `job:${ctx.jobId}`, 'requested with the training job');
    if (queue) {
      const job = await submitJob(
        queue,
        'score_reviews',
        { rescore: true, then_recompute: true },
        {
          key: { switched: `${active.id}@${active.promoted_at?.toISOString() ?? ''}` },
          submittedBy: `job:${ctx.jobId}`,
        },
      );
      out.rescore_job = job.id;
    }
    return out;
  };
  const mine = await db.query<ModelVersion>(`select * from model_versions where job_id = $1 and kind = $2`, [
    ctx.jobId,
    ASPECTS_KIND,
  ]);
  if (mine.rows[0]) return finish(mine.rows[0], true);

  const dataDir = data.data_dir ?? DEFAULT_DATA_DIR;
  const labelsDir = data.labels_dir ?? DEFAULT_LABELS_DIR;
  const sentimentDir = join(config.modelsDir, `sentiment-${lang}`);
  for (const file of [join(dataDir, TRAIN_FILE[lang]), setPath(lang, labelsDir), join(sentimentDir, 'metadata.json')])
    if (!existsSync(file)) throw new UnrecoverableJobError(`train_aspects needs ${file}, which does not exist`);

  await ctx.progress(1, 'reading the corrections');
  const corrections = data.corrections
    ? correctionItems(await correctionTrainingRows(db, { language: lang }), lang)
    : [];
  await ctx.progress(2, `starting training thread (${corrections.length} corrections)`);
  // TensorFlow.js trains in the job's thread (src/jobs/compute.ts); cancelling ends it
  const compute = computeFor(ctx, { eager: true });
  let trained: Awaited<ReturnType<typeof compute.run<'aspectModel'>>>;
  try {
    trained = await compute.run(
      'aspectModel',
      {
        language: lang,
        dataDir,
        labelsDir,
        sentimentDir,
        corrections,
        settings: {
          weak: data.weak,
          epochs: data.epochs,
          folds: data.folds,
          trainLabels: data.train_labels,
        },
        command: `job ${ctx.jobId}`,
      },
      { progress: (percent, stage) => ctx.progress(percent, stage) },
    );
  } finally {
    compute.close();
  }
  const { meta, weights, figures } = trained;
  await ctx.progress(95, 'registering');
  const { metrics: _inMeta, ...rest } = meta;
  const v = await registerVersion(db, {
    id: meta.version,
    kind: ASPECTS_KIND,
    scope: lang,
    artifact: packAspects(meta, weights),
    metadata: rest,
    metrics: {
      agent_f1: figures.agent_f1,
      evaluated_on: 'dev part, out of fold',
      per_aspect: figures.dev_out_of_fold,
      complaint: figures.complaint,
    },
    dataRange: {
      source: `${dataDir} (${TRAIN_FILE[lang]} weak rows; dev part of ${setPath(lang, labelsDir)})`,
      corrections: corrections.length,
    },
    jobId: ctx.jobId,
    actor: `job:${ctx.jobId}`,
  });
  return finish(v, false);
};
