/**
 * The tasks the job threads run (src/jobs/compute.ts): pure CPU work of the job kinds, data in,
 * result out — no database (a thread cannot open the embedded one). Each takes its input (structured
 * clone) and a context for progress notes, and returns its result (typed arrays in it are transferred).
 * Each task loads its modules on first use, so a thread starts quickly and holds only what it ran.
 * A kind that moves more work off the main thread adds its function here.
 */
import type { TrainedGroupModel } from '../baselines/model.js';
import type { PackedSeries } from '../baselines/parallel.js';
import type { BaselineModelInput } from '../kpi/train-compute.js';
import type { FitRow } from '../ratings/fit.js';
import type { TrainAspectsInput } from '../reviews/sentiment/aspect-pipeline.js';
import type { TrainSentimentInput } from '../reviews/sentiment/pipeline.js';
import type { comparePolicies } from '../appraisal/ab.js';

/** The error code of a `forecasts` request naming a model the thread does not hold. */
export const MODEL_NOT_CACHED = 'model_not_cached';
/** Models a job thread keeps by key (`forecasts`), the oldest dropped first. */
const MAX_MODELS = 8;
const models = new Map<string, TrainedGroupModel>();

export interface TaskContext {
  /** Progress of the task (percent and a stage), posted to the main thread; cheap. */
  progress(percent: number, stage: string): void;
}

export const computeTasks = {
  /** train_baselines: one scope's pooled model (TensorFlow.js network + classical ensemble + calibration) */
  baselineModel: async (input: BaselineModelInput, _ctx: TaskContext) =>
    (await import('../kpi/train-compute.js')).baselineModel(input),

  /**
   * compare_models, train_baselines' warm-up, ab_compare: one step's forecasts of a scope's series
   * (packed in, packed out). With `key` the thread keeps the model (up to 8), so it crosses once: a
   * request without `model` whose key the thread does not hold fails with `model_not_cached`
   * (src/jobs/compute-forecaster.ts sends it again with the model).
   */
  forecasts: async (
    input: { model?: TrainedGroupModel | undefined; key?: string | undefined; series: PackedSeries; h: number },
    _ctx: TaskContext,
  ) => {
    const { packForecasts, unpackSeries } = await import('../baselines/parallel.js');
    let model = input.model;
    if (input.key !== undefined) {
      if (model) {
        models.delete(input.key);
        models.set(input.key, model);
        if (models.size > MAX_MODELS) models.delete(models.keys().next().value!);
      } else model = models.get(input.key);
    }
    if (!model) throw Object.assign(new Error(`model ${input.key} not held by the thread`), { code: MODEL_NOT_CACHED });
    return packForecasts(model, unpackSeries(input.series), input.h);
  },

  /** ab_compare: the report of two policies' person-period rows (permutation tests, intervals) */
  abCompare: async (input: Parameters<typeof comparePolicies>[0], _ctx: TaskContext) =>
    (await import('../appraisal/ab.js')).comparePolicies(input),

  /** recompute_ratings: priors and posteriors of one slice of evidence rows */
  fitRatings: async (rows: FitRow[], _ctx: TaskContext) => (await import('../ratings/fit.js')).fitAll(rows),

  /** train_sentiment: one language's model from the CSVs of `dataDir` (TensorFlow.js); weights transferred */
  sentimentModel: async (input: Omit<TrainSentimentInput, 'log'>, ctx: TaskContext) => {
    const [{ loadTf }, { trainSentiment }] = await Promise.all([
      import('../ml/tf.js'),
      import('../reviews/sentiment/pipeline.js'),
    ]);
    const tf = await loadTf();
    let stage = 0;
    const trained = await trainSentiment(tf, {
      ...input,
      log: (line) => {
        const epoch = /^epoch (\d+)\/(\d+)/.exec(line);
        ctx.progress(
          epoch ? 10 + (80 * Number(epoch[1])) / Number(epoch[2]) : Math.min(10, 3 + ++stage),
          line.slice(0, 120),
        );
      },
    });
    return { meta: trained.meta, weights: trained.weights };
  },

  /** train_aspects: one language's aspect model from the labels and the corrections' rows (TensorFlow.js); weights transferred */
  aspectModel: async (input: Omit<TrainAspectsInput, 'log'>, ctx: TaskContext) => {
    const [{ loadTf }, { trainAspectModel }] = await Promise.all([
      import('../ml/tf.js'),
      import('../reviews/sentiment/aspect-pipeline.js'),
    ]);
    const tf = await loadTf();
    const folds = input.settings?.folds ?? 3;
    // the fits: one per fold, then the final one
    let fit = 0;
    const trained = await trainAspectModel(tf, {
      ...input,
      log: (line) => {
        if (/^fold \d+\/|^final model/.test(line)) fit++;
        const epoch = /^aspects epoch (\d+)\/(\d+)/.exec(line);
        const within = epoch ? Number(epoch[1]) / Number(epoch[2]) : 0;
        ctx.progress(Math.min(90, 5 + (85 * (Math.max(0, fit - 1) + within)) / (folds + 1)), line.slice(0, 120));
      },
    });
    return { meta: trained.meta, weights: trained.weights, figures: trained.figures };
  },
} satisfies Record<string, (input: never, ctx: TaskContext) => Promise<unknown>>;

export type ComputeTasks = typeof computeTasks;
export type TaskName = keyof ComputeTasks;
export type TaskInput<K extends TaskName> = Parameters<ComputeTasks[K]>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<ComputeTasks[K]>>;
