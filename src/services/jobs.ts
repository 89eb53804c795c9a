/**
 * Jobs as clients see them: submit a kind with its data (checked against the kind's schema and the
 * caller's scopes), read a job with the states of the jobs it fanned out into, cancel. Every
 * submission of the code base ends in `submitJob` (src/jobs/submit.ts), which makes the id.
 */
import { scopeAllows, type Scope } from '../auth/keys.js';
import type { Db } from '../db/types.js';
import { type JobKind, jobKinds } from '../jobs/index.js';
import { countStates, getJob, type ListedJob, listJobs } from '../jobs/record.js';
import { submitJob } from '../jobs/submit.js';
import type { JobQueue, JobState, JobStatus } from '../jobs/types.js';
import { BadRequestError, DomainError, NotFoundError } from '../lib/errors.js';

export interface JobView extends JobStatus {
  /** For jobs that fanned out (e.g. score_reviews planning chunks): their states counted. */
  children?: Partial<Record<JobState, number>> & { total: number };
}

export interface JobSubmission {
  kind: string;
  data: unknown;
  /** A client's key: the same request with another key is another job. */
  idempotencyKey?: string | undefined;
  /** The caller's scopes: the kind must allow one of them. */
  scopes: readonly Scope[];
  actor: string | null;
}

export interface JobService {
  /** Every kind with who may use it, what it does and the schema its data is checked by. */
  kinds(): { kind: string; scopes: readonly Scope[]; summary: string; data?: JobKind['data'] }[];
  /**
   * Submits `kind` with `data`. The id hashes the kind, the data, the active model versions and the
   * optional idempotency key: the same request under the same models is the same job (a repeat
   * returns it, running or finished); a new key or a model switch makes a new one.
   */
  submit(s: JobSubmission): Promise<JobStatus>;
  /** A workflow's own job (no scope check): `key` makes it the same job when the same work is asked again. */
  enqueue(kind: string, data: unknown, opts: { key: unknown; actor: string | null }): Promise<JobStatus>;
  /** A job of any kind `scopes` may read. */
  view(id: string, scopes: readonly Scope[]): Promise<JobView>;
  /** A job of one kind (e.g. a training job on the baselines route), or not found. */
  ofKind(id: string, kind: string, what: string): Promise<JobStatus>;
  cancel(id: string, scopes: readonly Scope[]): Promise<boolean>;
  /**
   * A page of the jobs `scopes` may read, without their results, newest first: of one kind and one
   * state when given, after the job `before` (the last of the previous page). A kind the scopes may
   * not use is a 403, an unknown kind or `before` a 400.
   */
  list(q: {
    scopes: readonly Scope[];
    kind?: string | undefined;
    state?: JobState | undefined;
    before?: string | undefined;
    limit: number;
  }): Promise<{ jobs: ListedJob[]; next_before: string | null }>;
}

const forbidden = (scopes: readonly Scope[]) =>
  new DomainError(
    'forbidden',
    `this key lacks the scope for this route; needs one of: ${['admin', ...scopes].join(', ')}`,
  );

function kindFor(kind: string, scopes: readonly Scope[]): JobKind {
  const k = jobKinds()[kind];
  if (!k) throw new BadRequestError(`unknown job kind ${kind}; known: ${Object.keys(jobKinds()).join(', ')}`);
  if (!scopeAllows(scopes, k.scopes)) throw forbidden(k.scopes);
  return k;
}

export function createJobService(deps: {
  db: Db;
  queue: JobQueue;
  /** Active model version ids by kind/scope (src/registry/active.ts). */
  activeIds: () => Promise<Record<string, string>>;
}): JobService {
  const { db, queue } = deps;
  return {
    kinds: () =>
      Object.entries(jobKinds()).map(([kind, k]) => ({ kind, scopes: k.scopes, summary: k.summary, data: k.data })),

    async submit(s) {
      const k = kindFor(s.kind, s.scopes);
      let data: unknown = s.data ?? {};
      if (k.data) {
        const parsed = k.data.safeParse(data);
        if (!parsed.success)
          throw new BadRequestError(`invalid data for ${s.kind}`, {
            errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          });
        data = parsed.data;
      }
      const key = { data, models: await deps.activeIds(), key: s.idempotencyKey ?? null };
      return submitJob(queue, s.kind, data, { key, submittedBy: s.actor });
    },

    enqueue: (kind, data, opts) => submitJob(queue, kind, data, { key: opts.key, submittedBy: opts.actor }),

    async view(id, scopes) {
      const job = await queue.get(id);
      if (!job) throw new NotFoundError(`job ${id}`);
      const k = jobKinds()[job.kind];
      if (!scopeAllows(scopes, k?.scopes ?? [])) throw forbidden(k?.scopes ?? []);
      const ids = (job.result as { jobs?: unknown } | null)?.jobs;
      if (!Array.isArray(ids)) return job;
      return { ...job, children: { total: ids.length, ...(await countStates(db, ids as string[])) } };
    },

    async ofKind(id, kind, what) {
      const job = await queue.get(id);
      if (job?.kind !== kind) throw new NotFoundError(`${what} ${id}`);
      return job;
    },

    async cancel(id, scopes) {
      const job = await queue.get(id);
      if (!job) throw new NotFoundError(`job ${id}`);
      kindFor(job.kind, scopes);
      return queue.cancel(id);
    },

    async list(q) {
      let kinds: string[] | null;
      if (q.kind !== undefined) {
        kindFor(q.kind, q.scopes);
        kinds = [q.kind];
      } else {
        kinds = q.scopes.includes('admin')
          ? null
          : Object.entries(jobKinds())
              .filter(([, k]) => scopeAllows(q.scopes, k.scopes))
              .map(([kind]) => kind);
      }
      if (q.before !== undefined) {
        const last = await getJob(db, q.before);
        // a job the caller may not read is as unknown as one that does not exist
        if (!last || (kinds && !kinds.includes(last.kind)))
          throw new BadRequestError(
            `before: no job ${q.before} in this list (send the next_before of the previous page)`,
          );
      }
      const jobs = await listJobs(db, { kinds, state: q.state, before: q.before, limit: q.limit + 1 });
      const more = jobs.length > q.limit;
      if (more) jobs.length = q.limit;
      return { jobs, next_before: more ? jobs.at(-1)!.id : null };
    },
  };
}
