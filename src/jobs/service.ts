/**
 * What the HTTP routes call: submit a job with its deterministic id, read a job with the state
 * of the jobs it fanned out into, check who may touch a kind.
 */
import { scopeAllows, type Scope } from '../auth/keys.js';
import type { Queryable } from '../db/types.js';
import { BadRequestError, DomainError, NotFoundError } from '../lib/errors.js';
import { jobKinds, type JobKind } from './index.js';
import { jobIdFor } from './record.js';
import type { JobQueue, JobState, JobStatus } from './types.js';

export interface JobView extends JobStatus {
  /** For jobs that fanned out (e.g. score_reviews planning chunks): their states counted. */
  children?: Partial<Record<JobState, number>> & { total: number };
}

const forbidden = (scopes: readonly Scope[]) =>
  new DomainError(
    'forbidden',
    `this key lacks the scope for this route; needs one of: ${['admin', ...scopes].join(', ')}`,
  );

export function kindFor(kind: string, scopes: readonly Scope[]): JobKind {
  const k = jobKinds()[kind];
  if (!k) throw new BadRequestError(`unknown job kind ${kind}; known: ${Object.keys(jobKinds()).join(', ')}`);
  if (!scopeAllows(scopes, k.scopes)) throw forbidden(k.scopes);
  return k;
}

/**
 * Submits `kind` with `data`. The id hashes the kind, the data, the active model versions and an
 * optional client key: the same request under the same models is the same job (a repeat returns
 * it, running or finished); a new `idempotency_key` or a model switch makes a new one.
 */
export async function submitJob(
  deps: { queue: JobQueue; activeIds: () => Promise<Record<string, string>> },
  input: {
    kind: string;
    data: unknown;
    idempotencyKey?: string | undefined;
    scopes: readonly Scope[];
    actor: string | null;
  },
): Promise<JobStatus> {
  const k = kindFor(input.kind, input.scopes);
  let data: unknown = input.data ?? {};
  if (k.data) {
    const parsed = k.data.safeParse(data);
    if (!parsed.success)
      throw new BadRequestError(`invalid data for ${input.kind}`, {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    data = parsed.data;
  }
  const jobId = jobIdFor(input.kind, { data, models: await deps.activeIds(), key: input.idempotencyKey ?? null });
  return input.kind === 'train_sentiment' || input.kind === 'compare_models'
    ? deps.queue.submit(input.kind, data, { jobId, submittedBy: input.actor, attempts: 2 })
    : deps.queue.submit(input.kind, data, { jobId, submittedBy: input.actor, attempts: 3 });
}

export async function viewJob(db: Queryable, queue: JobQueue, id: string, scopes: readonly Scope[]): Promise<JobView> {
  const job = await queue.get(id);
  if (!job) throw new NotFoundError(`job ${id}`);
  const k = jobKinds()[job.kind];
  if (!scopeAllows(scopes, k?.scopes ?? [])) throw forbidden(k?.scopes ?? []);
  const ids = (job.result as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(ids)) return job;
  const r = await db.query<{ state: JobState; n: number }>(
    `select state, count(*)::int as n from jobs where id = any($1::text[]) group by state`,
    [ids],
  );
  return { ...job, children: { total: ids.length, ...Object.fromEntries(r.rows.map((x) => [x.state, x.n])) } };
}

export async function cancelJobFor(queue: JobQueue, id: string, scopes: readonly Scope[]): Promise<boolean> {
  const job = await queue.get(id);
  if (!job) throw new NotFoundError(`job ${id}`);
  kindFor(job.kind, scopes);
  return queue.cancel(id);
}
