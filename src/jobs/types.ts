/**
 * The job queue contract (training, bulk scoring, recomputes). Two implementations:
 * BullMQ on Redis when REDIS_URL is set, an in-process runner otherwise.
 */
export interface QueueHealth {
  kind: 'inline' | 'bullmq';
  ok: boolean;
  detail?: string;
}

export interface JobQueue {
  readonly kind: 'inline' | 'bullmq';
  /** Never throws. */
  health(): Promise<QueueHealth>;
  close(): Promise<void>;
}
