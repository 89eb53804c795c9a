/**
 * Job kinds, their processors and who may submit them; `createQueue` picks BullMQ when REDIS_URL
 * is set and the in-process runner otherwise.
 */
import { z } from 'zod';
import type { Scope } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { AB_COMPARE, abCompareData, abCompareProcessor } from '../appraisal/ab-run.js';
import { trainBaselinesProcessor } from '../kpi/train.js';
import { RECOMPUTE_RATINGS, recomputeRatingsData, recomputeRatingsProcessor } from '../ratings/job.js';
import { createBullmqQueue, DEFAULT_QUEUE_NAME } from './bullmq.js';
import { createInlineQueue } from './inline.js';
import { compareModelsData, compareModelsProcessor } from './processors/compare-models.js';
import { scoreReviewsData, scoreReviewsProcessor } from './processors/score-reviews.js';
import { trainAspectsData, trainAspectsProcessor } from './processors/train-aspects.js';
import { trainSentimentData, trainSentimentProcessor } from './processors/train-sentiment.js';
import type { JobQueue, Processor, RetryPolicy } from './types.js';

export type {
  RetryPolicy,
  JobContext,
  JobQueue,
  JobState,
  JobStatus,
  Processor,
  ProcessorDeps,
  QueueHealth,
  SubmitOptions,
} from './types.js';
export { DEFAULT_RETRY, UnrecoverableJobError } from './types.js';
export { createInlineQueue } from './inline.js';
export { createBullmqQueue, createBullmqWorker, DEFAULT_QUEUE_NAME } from './bullmq.js';
export { jobIdFor } from './record.js';
export { submitJob } from './submit.js';

/** What POST /v1/baselines/train submits (src/services/targets.ts); unknown keys are kept. */
const trainBaselinesData = z.looseObject({
  role: z.string().optional(),
  metric: z.string().optional(),
  kind: z.enum(['week', 'month', 'quarter']).optional(),
  network: z.boolean().optional(),
  steps: z.number().int().optional(),
  horizon: z.number().int().optional(),
  promote: z.boolean().optional(),
});

export interface JobKind extends RetryPolicy {
  processor: Processor;
  /** Scopes that may submit, read and cancel jobs of this kind (admin always may). */
  scopes: readonly Scope[];
  summary: string;
  /** Checked at submission (400), and again by the processor. */
  data?: z.ZodType;
  /**
   * CPU-heavy: its computation runs in a job thread (src/jobs/compute.ts: data in, result out), on
   * every backend; the processor reads its inputs and writes its results on the main thread.
   */
  thread?: boolean;
}

/** Job kinds; domain modules export processors, this map names them and says who may run them. */
export function jobKinds(): Record<string, JobKind> {
  return {
    score_reviews: {
      processor: scoreReviewsProcessor,
      scopes: ['cs_lead'],
      data: scoreReviewsData,
      attempts: 3,
      backoffMs: 1000,
      summary: 'score stored reviews with the active sentiment models (fans out into id-range chunks)',
    },
    train_sentiment: {
      processor: trainSentimentProcessor,
      scopes: ['cs_lead'],
      data: trainSentimentData,
      attempts: 2,
      backoffMs: 1000,
      summary: 'train a sentiment model of one language; registered as a candidate',
    },
    train_aspects: {
      processor: trainAspectsProcessor,
      scopes: ['cs_lead'],
      data: trainAspectsData,
      attempts: 2,
      backoffMs: 1000,
      thread: true,
      summary:
        "train the aspect model of one language from the repository's labels, weak keyword labels and the stored corrections; registered as a candidate",
    },
    train_baselines: {
      processor: trainBaselinesProcessor as Processor,
      scopes: ['hr'],
      data: trainBaselinesData,
      attempts: 3,
      backoffMs: 1000,
      thread: true,
      summary: 'train baseline models for a role (and metric, period kind); first versions are promoted',
    },
    [RECOMPUTE_RATINGS]: {
      processor: recomputeRatingsProcessor as Processor,
      scopes: ['cs_lead'],
      data: recomputeRatingsData,
      attempts: 3,
      backoffMs: 1000,
      summary: 'recompute per-agent service-ability ratings (after a sentiment switch and a rescore)',
    },
    [AB_COMPARE]: {
      processor: abCompareProcessor as Processor,
      scopes: ['hr'],
      data: abCompareData,
      attempts: 2,
      backoffMs: 1000,
      summary: 'A/B comparison of two target policies or weight profiles on history (stored report)',
    },
    compare_models: {
      processor: compareModelsProcessor,
      scopes: [],
      data: compareModelsData,
      attempts: 2,
      backoffMs: 1000,
      summary: 'shadow-compare a candidate model version with the active one',
    },
  };
}

export function processorRegistry(): Record<string, Processor> {
  return Object.fromEntries(Object.entries(jobKinds()).map(([k, v]) => [k, v.processor]));
}

/** Attempts and backoff of every kind, for the runners (they apply them to every submission and re-delivery). */
export function retryPolicies(): Record<string, RetryPolicy> {
  return Object.fromEntries(
    Object.entries(jobKinds()).map(([k, v]) => [k, { attempts: v.attempts, backoffMs: v.backoffMs }]),
  );
}

/**
 * The processors a worker process (or the in-process runner) runs: the same on every backend; the
 * `thread` kinds move their computation into job threads themselves (src/jobs/compute.ts).
 */
export function workerProcessors(_config?: Config): Record<string, Processor> {
  return processorRegistry();
}

/** The queue of this process: BullMQ when REDIS_URL is set (on `queueName`, default kpi-jobs), else the inline runner. */
export function createQueue(deps: { db: Db; config: Config; queueName?: string }): JobQueue {
  const policies = retryPolicies();
  return deps.config.redisUrl
    ? createBullmqQueue({
        url: deps.config.redisUrl,
        db: deps.db,
        policies,
        queueName: deps.queueName ?? deps.config.jobQueue ?? DEFAULT_QUEUE_NAME,
      })
    : createInlineQueue({ ...deps, processors: workerProcessors(deps.config), policies });
}
