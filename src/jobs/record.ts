/**
 * The job record in the database, shared by both runners: what `GET /v1/jobs/:id` reads on any
 * process. Writes are guarded by state so a cancelled or finished job is never reopened.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import type { JobStatus } from './types.js';

export const JOB_COLS = 'id, kind, state, progress, result, error, attempts, created_at, finished_at';

/** Deterministic job id: the kind and a hash of the request (BullMQ ids may not contain ':'). */
export function jobIdFor(kind: string, data: unknown): string {
  return `${kind}-${createHash('sha256')
    .update(stableJson(data ?? null))
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

export async function setProgress(db: Queryable, id: string, percent: number, stage: string): Promise<void> {
  const p = { percent: Math.max(0, Math.min(100, Math.round(percent))), stage };
  await db.query(`update jobs set progress = $2, heartbeat_at = now() where id = $1 and state = 'active'`, [
    id,
    JSON.stringify(p),
  ]);
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

export async function cancelJob(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(
    `update jobs set state = 'cancelled', finished_at = now() where id = $1 and state in ('waiting', 'active')`,
    [id],
  );
  return r.rowCount > 0;
}
