/**
 * The job queue contract (training, bulk scoring, recomputes). Two implementations with the same
 * behaviour: BullMQ on Redis when REDIS_URL is set, an in-process runner otherwise.
 * Delivery is at-least-once, so every processor must be idempotent.
 */
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';

export interface QueueHealth {
  kind: 'inline' | 'bullmq';
  ok: boolean;
  detail?: string;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface JobProgress {
  /** 0–100 */
  percent: number;
  stage: string;
}

export interface JobStatus {
  id: string;
  kind: string;
  state: JobState;
  progress: JobProgress;
  result: unknown;
  error: string | null;
  attempts: number;
  created_at: Date;
  finished_at: Date | null;
}

/** What a processor gets besides its data. */
export interface JobContext {
  jobId: string;
  /** Reports progress; cheap to call often (it is throttled). */
  progress(percent: number, stage: string): Promise<void>;
  /** Aborted when the job is cancelled or the worker is shutting down. */
  signal: AbortSignal;
  deps: ProcessorDeps;
}

/** Dependencies a processor may use; the worker (or inline runner) provides them. */
export interface ProcessorDeps {
  db: Db;
  config: Config;
  /** The queue the job came from, for processors that fan work out into more jobs. */
  queue?: JobQueue;
}

/** A job kind's work. Throw `UnrecoverableJobError` for input that will never succeed (no retry). */
export type Processor<Data = unknown, Result = unknown> = (data: Data, ctx: JobContext) => Promise<Result>;

export class UnrecoverableJobError extends Error {
  readonly unrecoverable = true;
}

/** A job's data parsed by its kind's schema; data that does not fit will never succeed (unrecoverable, every issue named). */
export function parseJobData<S extends z.ZodType>(kind: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ');
  throw new UnrecoverableJobError(`bad ${kind} data: ${issues}`);
}

/** How often a kind's job is tried and how long a retry waits (the kinds table, src/jobs/index.ts, declares them). */
export interface RetryPolicy {
  attempts: number;
  /** Base delay of the exponential backoff: attempt n + 1 waits backoffMs · 2^(n − 1). */
  backoffMs: number;
}

/** The policy of a kind the runner was given none for. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 1000 };

export interface SubmitOptions {
  /** Deterministic id: submitting the same id again returns the existing job instead of a second one. */
  jobId: string;
  submittedBy?: string | null;
  /** Overrides the kind's policy (tests). */
  attempts?: number;
}

export interface JobQueue {
  readonly kind: 'inline' | 'bullmq';
  /** Enqueues a job, or returns the existing one with the same id. Throws ServiceUnavailableError when the queue is down. */
  submit(kind: string, data: unknown, opts: SubmitOptions): Promise<JobStatus>;
  get(id: string): Promise<JobStatus | null>;
  /** Cancels a waiting or active job; false when it already finished or does not exist. */
  cancel(id: string): Promise<boolean>;
  /** Never throws. */
  health(): Promise<QueueHealth>;
  /**
   * Takes no more jobs. The in-process runner lets its running job finish for up to `graceMs` (default 0),
   * then aborts it (it stays unfinished and the next start resumes it); BullMQ's submitter just disconnects.
   */
  close(graceMs?: number): Promise<void>;
}
