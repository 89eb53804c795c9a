/**
 * A/B comparisons in the database (table ab_comparisons, migration 010): the request, the job that
 * computes it, and the report; and the history a comparison reads (people's team and tenure).
 */
import type { Queryable } from '../db/types.js';

export type ComparisonState = 'waiting' | 'active' | 'completed' | 'failed';

export interface StoredComparison {
  id: string;
  request: Record<string, unknown>;
  job_id: string | null;
  state: ComparisonState;
  report: unknown;
  error: string | null;
  actor: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const COLS = 'id, request, job_id, state, report, error, actor, created_at, finished_at';

/** Inserts the comparison unless its id exists; answers the stored row and whether it was created. */
export async function insertComparison(
  db: Queryable,
  c: { id: string; request: Record<string, unknown>; actor: string | null },
): Promise<{ row: StoredComparison; created: boolean }> {
  const ins = await db.query<StoredComparison>(
    `insert into ab_comparisons (id, request, actor) values ($1, $2::jsonb, $3) on conflict (id) do nothing returning ${COLS}`,
    [c.id, JSON.stringify(c.request), c.actor],
  );
  if (ins.rows[0]) return { row: ins.rows[0], created: true };
  return { row: (await getComparison(db, c.id))!, created: false };
}

export async function getComparison(db: Queryable, id: string): Promise<StoredComparison | null> {
  return (await db.query<StoredComparison>(`select ${COLS} from ab_comparisons where id = $1`, [id])).rows[0] ?? null;
}

export async function listComparisons(
  db: Queryable,
  q: { limit: number; offset: number },
): Promise<Omit<StoredComparison, 'report'>[]> {
  const r = await db.query<Omit<StoredComparison, 'report'>>(
    `select id, request, job_id, state, error, actor, created_at, finished_at from ab_comparisons
     order by created_at desc, id limit $1 offset $2`,
    [q.limit, q.offset],
  );
  return r.rows;
}

export async function setComparisonJob(db: Queryable, id: string, jobId: string): Promise<void> {
  await db.query(`update ab_comparisons set job_id = $2 where id = $1`, [id, jobId]);
}

export async function finishComparison(
  db: Queryable,
  id: string,
  end: { state: 'completed'; report: unknown } | { state: 'failed'; error: string } | { state: 'active' },
): Promise<void> {
  if (end.state === 'active') {
    await db.query(`update ab_comparisons set state = 'active' where id = $1 and state <> 'completed'`, [id]);
    return;
  }
  await db.query(
    `update ab_comparisons set state = $2, report = $3::jsonb, error = $4, finished_at = now() where id = $1`,
    [
      id,
      end.state,
      end.state === 'completed' ? JSON.stringify(end.report) : null,
      end.state === 'failed' ? end.error : null,
    ],
  );
}

/** Team and hire date of a role's people (or of everyone), for the fairness groups. */
export async function peopleOfRole(
  db: Queryable,
  role: string | null,
): Promise<Map<string, { role: string; team: string | null; hire_date: string | null }>> {
  const r = await db.query<{ id: string; role_id: string; team: string | null; hire_date: string | Date | null }>(
    `select id, role_id, team, hire_date from employees where ($1::text is null or role_id = $1)`,
    [role],
  );
  return new Map(
    r.rows.map((e) => [
      e.id,
      {
        role: e.role_id,
        team: e.team,
        hire_date:
          e.hire_date === null
            ? null
            : e.hire_date instanceof Date
              ? e.hire_date.toISOString().slice(0, 10)
              : String(e.hire_date).slice(0, 10),
      },
    ]),
  );
}
