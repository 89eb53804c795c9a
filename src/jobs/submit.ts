/**
 * The one way code submits a job: the id is `jobIdFor(kind, key)` (src/jobs/record.ts), so the same
 * key is the same job (a repeat returns it, running or finished) and a retried caller never
 * duplicates work; attempts and backoff come from the kind's entry in the kinds table, which the
 * runner applies. Callers choose the key: the HTTP submission hashes the data, the active model
 * versions and the client's idempotency key (src/services/jobs.ts); a fan-out hashes the chunk.
 */
import { jobIdFor } from './record.js';
import type { JobQueue, JobStatus } from './types.js';

export async function submitJob(
  queue: JobQueue,
  kind: string,
  data: unknown,
  opts: {
    /** What makes the job the same job (default: the data). */
    key?: unknown;
    submittedBy?: string | null;
  } = {},
): Promise<JobStatus> {
  return queue.submit(kind, data, {
    jobId: jobIdFor(kind, opts.key === undefined ? data : opts.key),
    submittedBy: opts.submittedBy ?? null,
  });
}
