/**
 * Job kind `train_aspects`: trains the clause-level aspect model of one language in a job thread
 * (`trainAspectModel`, src/reviews/sentiment/aspect-pipeline.ts, the run `npm run train:aspects` makes)
 * from the repository's labels, weak keyword labels and the stored corrections (their training export,
 * texts masked), and registers it as a candidate (kind `aspects`) with its out-of-fold dev figures.
 *
 * Its settings are by default the recipe of the model it would replace (`jobRecipe`): the active
 * `aspects` version of the language (its stored metadata's `training` block), else the repository's
 * models/aspects-<lang>/metadata.json; each setting of `npm run train:aspects` can be overridden in the
 * job data (snake_case). The new model's `training.recipe` names where it started and the overrides.
 * Promoted only when the request asks (`promote: true`); that promote submits the rescore a promote
 * through the API would. Exactly one version per job: a retried or re-delivered job finds the version
 * it registered and returns it without training again.
 */
import { SYSTEM_REASONS } from '../../audit/reasons.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Queryable } from '../../db/types.js';
import { ASPECTS_KIND, packAspects } from '../../registry/aspects.js';
import { getActive, promote, registerVersion, type ModelVersion } from '../../registry/index.js';
import {
  correctionItems,
  DEFAULT_DATA_DIR,
  DEFAULT_LABELS_DIR,
  setPath,
  TRAIN_FILE,
} from '../../reviews/sentiment/aspect-data.js';
import type { AspectTrainSettings, RecipeOrigin } from '../../reviews/sentiment/aspect-pipeline.js';
import { aspectRecipe, type RecipeMetadata, withOverrides } from '../../reviews/sentiment/aspect-recipe.js';
import { correctionTrainingRows } from '../../reviews/corrections-store.js';
import { computeFor } from '../compute.js';
import { submitJob } from '../submit.js';
import { parseJobData, type Processor, UnrecoverableJobError } from '../types.js';

const weight = z.number().min(0).max(100);

export const trainAspectsData = z
  .object({
    language: z.enum(['zh', 'en']),
    /** The shared review data (train.csv, dev.csv, test.csv per source); default ../shared/data/reviews beside the code. */
    data_dir: z.string().min(1).optional(),
    /** The labels (<lang>.jsonl, train-labels-<lang>.jsonl); default the repository's data/aspects. */
    labels_dir: z.string().min(1).optional(),
    /** Train on the stored corrections in force (default true). */
    corrections: z.boolean().default(true),
    promote: z.boolean().default(false),
    // The settings below default to the recipe of the model it would replace (`jobRecipe`); each is
    // the `npm run train:aspects` option of the same name (training/train-aspects.ts).
    /** The hand labels on train.csv rows (and the own training texts with them). */
    train_labels: z.boolean().optional(),
    /** Keyword-labelled clauses of train.csv (a small number makes a quick, weaker model). */
    weak: z.number().int().min(0).max(200_000).optional(),
    epochs: z.number().int().min(1).max(50).optional(),
    folds: z.number().int().min(2).max(10).optional(),
    weak_weight: weight.optional(),
    dev_weight: weight.optional(),
    train_labels_weight: weight.optional(),
    corrections_weight: weight.optional(),
    /** only the first N hand labels in the aspect columns' fits; null: all */
    train_labels_limit: z.number().int().min(0).max(1_000_000).nullable().optional(),
    own_texts: z.boolean().optional(),
    keyword_features: z.boolean().optional(),
    cue_features: z.boolean().optional(),
    cues: z.boolean().optional(),
    weak_doubt: z.boolean().optional(),
    weak_agent_negatives: z.boolean().optional(),
    /** a weak row's returns handling on a customer's own return: kept, unknown or negative */
    weak_intent: z.enum(['kept', 'unknown', 'negative']).optional(),
    review_polarity: z.boolean().optional(),
    l2: z.number().min(0).max(1).optional(),
    learning_rate: z.number().positive().max(10).optional(),
    /** the service-polarity head and its L2 candidates (chosen out of fold on dev), weak rows' weight, table rows */
    service_head: z.boolean().optional(),
    service_head_l2: z.array(z.number().positive().max(1)).min(1).max(10).optional(),
    service_head_weak: weight.optional(),
    service_head_rows: z.enum(['all', 'aspect']).optional(),
    /** the out-of-fold recall the agent's-complaint threshold must reach */
    complaint_recall: z.number().positive().max(1).optional(),
    /** the fewest dev clauses an aspect's polarity is re-calibrated on */
    polarity_min_clauses: z.number().int().min(1).max(100_000).optional(),
    /** review-context features: their scale (0: none), the fewest training reviews a row needs, which rows read them */
    review_features: z.number().min(0).max(10).optional(),
    review_features_min_reviews: z.number().int().min(1).max(100_000).optional(),
    review_features_rows: z.enum(['all', 'labelled']).optional(),
    /** the review-level complaint head stacked with the aspect route, and its L2 candidates (chosen out of fold on dev) */
    complaint_head: z.boolean().optional(),
    complaint_head_l2: z.array(z.number().positive().max(1)).min(1).max(10).optional(),
  })
  .strict();

type TrainAspectsData = z.infer<typeof trainAspectsData>;

/** The job data's settings as `trainAspectModel` settings (undefined: not given). */
export function overridesOf(data: TrainAspectsData): AspectTrainSettings {
  return {
    trainLabels: data.train_labels,
    weak: data.weak,
    epochs: data.epochs,
    folds: data.folds,
    weakWeight: data.weak_weight,
    devWeight: data.dev_weight,
    trainLabelsWeight: data.train_labels_weight,
    correctionsWeight: data.corrections_weight,
    trainLabelsLimit: data.train_labels_limit ?? undefined,
    ownTexts: data.own_texts,
    keywordFeatures: data.keyword_features,
    cueFeatures: data.cue_features,
    cues: data.cues,
    weakDoubt: data.weak_doubt,
    weakAgentNegatives: data.weak_agent_negatives,
    weakIntent: data.weak_intent === 'kept' ? false : data.weak_intent,
    reviewPolarity: data.review_polarity,
    l2: data.l2,
    learningRate: data.learning_rate,
    serviceHead: data.service_head,
    serviceHeadL2: data.service_head_l2,
    serviceHeadWeak: data.service_head_weak,
    serviceHeadRows: data.service_head_rows,
    complaintRecall: data.complaint_recall,
    polarityMinClauses: data.polarity_min_clauses,
    reviewFeatures: data.review_features,
    reviewFeaturesMinReviews: data.review_features_min_reviews,
    reviewFeaturesRows: data.review_features_rows,
    complaintHead: data.complaint_head,
    complaintHeadL2: data.complaint_head_l2,
  };
}

/**
 * The settings a `train_aspects` job trains with: the recipe (`aspectRecipe`) of the active aspects
 * version of the language — else of `modelsDir`/aspects-<lang>/metadata.json, else trainAspectModel's
 * defaults — with the job data's settings on top; and where they started (`training.recipe`).
 */
export async function jobRecipe(
  db: Queryable,
  modelsDir: string,
  data: TrainAspectsData,
): Promise<{ settings: AspectTrainSettings; recipe: RecipeOrigin }> {
  const lang = data.language;
  const active = await getActive(db, ASPECTS_KIND, lang);
  const file = join(modelsDir, `aspects-${lang}`, 'metadata.json');
  let from = 'defaults';
  let base: AspectTrainSettings = {};
  if (active?.metadata.training) {
    from = active.id;
    base = aspectRecipe(active.metadata as RecipeMetadata);
  } else if (existsSync(file)) {
    from = file;
    base = aspectRecipe(JSON.parse(readFileSync(file, 'utf8')) as RecipeMetadata);
  }
  const overrides = overridesOf(data);
  const settings = withOverrides(base, overrides);
  if (data.train_labels_limit === null) delete settings.trainLabelsLimit;
  const given = Object.entries(data).filter(
    ([k, v]) => v !== undefined && !['language', 'data_dir', 'labels_dir', 'corrections', 'promote'].includes(k),
  );
  return { settings, recipe: { from, overrides: Object.fromEntries(given) } };
}

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
    const active = await promote(db, v.id, `job:${ctx.jobId}`, SYSTEM_REASONS.job_requested);
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

  const { settings, recipe } = await jobRecipe(db, config.modelsDir, data);
  await ctx.progress(1, `reading the corrections (recipe of ${recipe.from})`);
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
        settings,
        command: `job ${ctx.jobId}`,
        recipe,
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
