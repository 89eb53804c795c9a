/**
 * In-process job runner (the embedded default): jobs are rows in the `jobs` table (src/jobs/record.ts),
 * run one at a time in this process, retried with exponential backoff, cancellable. A job left
 * 'active' by a process that died is picked up again at the next start (at-least-once, like BullMQ).
 */
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import {
  cancelJob,
  claimJob,
  completeJob,
  failAttempt,
  getJob,
  insertJob,
  progressWriter,
  unfinishedJobs,
} from './record.js';
import { DEFAULT_RETRY, type JobQueue, type Processor, type RetryPolicy, type SubmitOptions } from './types.js';

export interface InlineQueueOptions {
  db: Db;
  config: Config;
  processors: Record<string, Processor>;
  /** Attempts and backoff per job kind (the kinds table); others get DEFAULT_RETRY. */
  policies?: Record<string, RetryPolicy>;
  /** Base backoff delay of kinds without a policy. */
  backoffMs?: number;
}

export function createInlineQueue({
  db,
  config,
  processors,
  policies = {},
  backoffMs = DEFAULT_RETRY.backoffMs,
}: InlineQueueOptions): JobQueue {
  const controllers = new Map<string, AbortController>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const policyOf = (kind: string): RetryPolicy => policies[kind] ?? { attempts: DEFAULT_RETRY.attempts, backoffMs };

  async function run(id: string, maxAttempts: number | undefined): Promise<void> {
    for (;;) {
      if (closed) return;
      const job = await claimJob(db, id);
      if (!job) return; // cancelled meanwhile
      const policy = policyOf(job.kind);
      const processor = processors[job.kind];
      const controller = new AbortController();
      controllers.set(id, controller);
      try {
        if (!processor)
          throw Object.assign(new Error(`no processor for job kind ${job.kind}`), { unrecoverable: true });
        const result = await processor(job.data, {
          jobId: id,
          signal: controller.signal,
          deps: { db, config, queue: self },
          progress: progressWriter(db, id),
        });
        await completeJob(db, id, result);
        return;
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (controller.signal.aborted) return; // cancelled: state already set
        const final =
          (err as { unrecoverable?: boolean }).unrecoverable === true ||
          job.attempts >= (maxAttempts ?? policy.attempts);
        await failAttempt(db, id, message, final);
        if (final) return;
        await new Promise((r) => setTimeout(r, policy.backoffMs * 2 ** (job.attempts - 1)));
      } finally {
        controllers.delete(id);
      }
    }
  }

  function schedule(id: string, attempts?: number) {
    chain = chain.then(() => run(id, attempts)).catch(() => {});
  }

  // resume what a previous process left unfinished
  void unfinishedJobs(db)
    .then((ids) => {
      for (const id of ids) schedule(id);
    })
    .catch(() => {});

  const self: JobQueue = {
    kind: 'inline',
    async submit(kind: string, data: unknown, opts: SubmitOptions) {
      const inserted = await insertJob(db, opts.jobId, kind, data, opts.submittedBy ?? null);
      if (inserted) {
        schedule(opts.jobId, opts.attempts);
        return inserted;
      }
      return (await getJob(db, opts.jobId))!;
    },
    get: (id) => getJob(db, id),
    async cancel(id: string) {
      const done = await cancelJob(db, id);
      controllers.get(id)?.abort();
      return done;
    },
    health: async () => ({ kind: 'inline', ok: true }),
    async close(graceMs = 0) {
      closed = true;
      if (graceMs > 0 && controllers.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([chain, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
        clearTimeout(timer);
      }
      for (const c of controllers.values()) c.abort();
      await chain;
    },
  };
  return self;
}
