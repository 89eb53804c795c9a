/**
 * The job record in the database, the one store of both runners (inline.ts and bullmq.ts): what
 * `GET /v1/jobs/:id` reads on any process. Writes are guarded by state so a cancelled or finished
 * job is never reopened.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import type { JobState, JobStatus } from './types.js';

export const JOB_COLS = 'id, kind, state, progress, result, error, attempts, created_at, finished_at';
/** A job in a list: without its result, which can be large (GET /v1/jobs/:id has it). */
export type ListedJob = Omit<JobStatus, 'result'>;
const LISTED_COLS = JOB_COLS.replace('result, ', '');

/** A processor's progress reports reach the record at most this often (the last one, 100 %, always). */
export const PROGRESS_EVERY_MS = 200;

/** Deterministic job id: the kind and a hash of `key` (BullMQ ids may not contain ':'). */
export function jobIdFor(kind: string, key: unknown): string {
  return `${kind}-${createHash('sha256')
    .update(stableJson(key ?? null))
    .digest('hex')
    .slice(0, 20)}`;
}

/** JSON with object keys sorted, so equal requests hash equally. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
    .join(',')}}`;
}

export async function getJob(db: Queryable, id: string): Promise<JobStatus | null> {
  return (await db.query<JobStatus>(`select ${JOB_COLS} from jobs where id = $1`, [id])).rows[0] ?? null;
}

/** Inserts a waiting job; null when the id exists already. */
export async function insertJob(
  db: Queryable,
  id: string,
  kind: string,
  data: unknown,
  submittedBy: string | null,
): Promise<JobStatus | null> {
  const r = await db.query<JobStatus>(
    `insert into jobs (id, kind, state, data, submitted_by) values ($1, $2, 'waiting', $3, $4) on conflict (id) do nothing returning ${JOB_COLS}`,
    [id, kind, JSON.stringify(data ?? null), submittedBy],
  );
  return r.rows[0] ?? null;
}

/** Drops a record whose delivery failed before any attempt (the submission answers an error instead). */
export async function deleteUnstarted(db: Queryable, id: string): Promise<void> {
  await db.query(`delete from jobs where id = $1 and state = 'waiting' and attempts = 0`, [id]);
}

/**
 * Marks a waiting (or re-delivered active) job active for one more attempt and returns what to run;
 * null when it was cancelled or finished meanwhile. `attempt` sets the attempt number (BullMQ counts
 * them), else it is incremented; `worker` names the process; `force` claims whatever the state.
 */
export async function claimJob(
  db: Queryable,
  id: string,
  opts: { attempt?: number; worker?: string; force?: boolean } = {},
): Promise<{ kind: string; data: unknown; attempts: number } | null> {
  const r = await db.query<{ kind: string; data: unknown; attempts: number }>(
    `update jobs set state = 'active', attempts = coalesce($2::int, attempts + 1), started_at = now(), heartbeat_at = now(),
       worker = coalesce($3::text, worker)
     where id = $1 and ($4 or state in ('waiting', 'active')) returning kind, data, attempts`,
    [id, opts.attempt ?? null, opts.worker ?? null, opts.force ?? false],
  );
  return r.rows[0] ?? null;
}

/** Writes the heartbeat of a running job; returns its state (a worker stops a job found 'cancelled'). */
export async function heartbeat(db: Queryable, id: string): Promise<JobState | undefined> {
  const r = await db.query<{ state: JobState }>(`update jobs set heartbeat_at = now() where id = $1 returning state`, [
    id,
  ]);
  return r.rows[0]?.state;
}

export async function setProgress(db: Queryable, id: string, percent: number, stage: string): Promise<void> {
  const p = { percent: Math.max(0, Math.min(100, Math.round(percent))), stage };
  await db.query(`update jobs set progress = $2, heartbeat_at = now() where id = $1 and state = 'active'`, [
    id,
    JSON.stringify(p),
  ]);
}

/**
 * A processor's `progress` for job `id`: written to the record at most every PROGRESS_EVERY_MS
 * (100 % always), then passed to `also` (BullMQ's own progress).
 */
export function progressWriter(
  db: Queryable,
  id: string,
  also?: (percent: number, stage: string) => Promise<void>,
): (percent: number, stage: string) => Promise<void> {
  let last = 0;
  return async (percent, stage) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS && percent < 100) return;
    last = now;
    await setProgress(db, id, percent, stage);
    await also?.(percent, stage);
  };
}

export async function completeJob(db: Queryable, id: string, result: unknown): Promise<void> {
  await db.query(
    `update jobs set state = 'completed', result = $2, progress = '{"percent": 100, "stage": "done"}', finished_at = now(), error = null where id = $1 and state in ('waiting', 'active')`,
    [id, JSON.stringify(result ?? null)],
  );
}

/** Records a failed attempt: 'failed' when final, else back to 'waiting' for the retry. */
export async function failAttempt(db: Queryable, id: string, message: string, final: boolean): Promise<void> {
  await db.query(
    `update jobs set state = $2, error = $3, finished_at = case when $2 = 'failed' then now() end where id = $1 and state in ('waiting', 'active')`,
    [id, final ? 'failed' : 'waiting', message],
  );
}

/** Hands a running job back to 'waiting' without spending an attempt (a worker shutting down). */
export async function requeueJob(db: Queryable, id: string): Promise<void> {
  await db.query(`update jobs set state = 'waiting', heartbeat_at = null where id = $1 and state = 'active'`, [id]);
}

export async function cancelJob(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(
    `update jobs set state = 'cancelled', finished_at = now() where id = $1 and state in ('waiting', 'active')`,
    [id],
  );
  return r.rowCount > 0;
}

/** Ids of the jobs not finished, oldest first (the inline runner resumes them at start). */
export async function unfinishedJobs(db: Queryable): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `select id from jobs where state in ('waiting', 'active') order by created_at`,
  );
  return r.rows.map((x) => x.id);
}

/** Unfinished jobs without a heartbeat for `staleMs` (and older than 2 s): candidates for re-delivery. */
export async function staleJobs(
  db: Queryable,
  staleMs: number,
  limit = 1000,
): Promise<{ id: string; kind: string; data: unknown }[]> {
  const r = await db.query<{ id: string; kind: string; data: unknown }>(
    `select id, kind, data from jobs where state in ('waiting', 'active')
       and (heartbeat_at is null or heartbeat_at < now() - make_interval(secs => $1))
       and created_at < now() - interval '2 seconds' order by created_at limit $2`,
    [staleMs / 1000, limit],
  );
  return r.rows;
}

/** States of the jobs `ids` (the chunks a job fanned out into), counted. */
export async function countStates(db: Queryable, ids: readonly string[]): Promise<Partial<Record<JobState, number>>> {
  const r = await db.query<{ state: JobState; n: number }>(
    `select state, count(*)::int as n from jobs where id = any($1::text[]) group by state`,
    [ids],
  );
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

/** A page of jobs without their results, newest first (`GET /v1/jobs`, the console's /jobs): of `kinds` only, optionally one state, after the job `before`. */
export async function listJobs(
  db: Queryable,
  q: { kinds: readonly string[] | null; state?: JobState | undefined; before?: string | undefined; limit: number },
): Promise<ListedJob[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  if (q.kinds) where.push(`kind = any(${arg(q.kinds)}::text[])`);
  if (q.state) where.push(`state = ${arg(q.state)}`);
  if (q.before) where.push(`(created_at, id) < (select created_at, id from jobs where id = ${arg(q.before)})`);
  const r = await db.query<ListedJob>(
    `select ${LISTED_COLS} from jobs ${where.length ? `where ${where.join(' and ')}` : ''}
     order by created_at desc, id desc limit ${arg(q.limit)}`,
    args,
  );
  return r.rows;
}
