/**
 * The declared cycle of each role: the period kind it is tracked on (targets, ratings) and the one it
 * is appraised on (KPI inputs, payouts); the year is always the weighted mean of its quarters. A role
 * without a declaration keeps what roles.cycle says (a weekly role is appraised monthly).
 */
import { recordAudit } from '../audit/store.js';
import type { Queryable } from '../db/types.js';
import { DomainError, NotFoundError } from '../lib/errors.js';

export type Tracked = 'week' | 'month' | 'quarter';
export type Appraised = 'month' | 'quarter';

export interface RoleCycle {
  role: string;
  tracked: Tracked;
  appraised: Appraised;
  year: string;
  /** False while the role has no declaration of its own (the catalogue's cycle is used). */
  declared: boolean;
  actor: string | null;
  updated_at: Date | null;
}

const YEAR = 'the weighted mean of its quarters (by days)';
const RANK: Record<Tracked, number> = { week: 0, month: 1, quarter: 2 };

export async function getCycle(db: Queryable, role: string): Promise<RoleCycle> {
  const r = await db.query<{
    cycle: Tracked;
    tracked: Tracked | null;
    appraised: Appraised | null;
    actor: string | null;
    updated_at: Date | null;
  }>(
    `select r.cycle, c.tracked, c.appraised, c.actor, c.updated_at from roles r left join role_cycles c on c.role_id = r.id where r.id = $1`,
    [role],
  );
  const row = r.rows[0];
  if (!row) throw new NotFoundError(`role ${role}`);
  if (row.tracked && row.appraised)
    return {
      role,
      tracked: row.tracked,
      appraised: row.appraised,
      year: YEAR,
      declared: true,
      actor: row.actor,
      updated_at: row.updated_at,
    };
  return {
    role,
    tracked: row.cycle,
    appraised: row.cycle === 'week' ? 'month' : row.cycle,
    year: YEAR,
    declared: false,
    actor: null,
    updated_at: null,
  };
}

/** HR declares a role's cycle; appraised must not be finer than tracked. roles.cycle follows `tracked`. */
export async function setCycle(
  db: Queryable,
  role: string,
  c: { tracked: Tracked; appraised: Appraised },
  actor: string | null,
): Promise<RoleCycle> {
  const before = await getCycle(db, role); // the role exists
  if (RANK[c.appraised] < RANK[c.tracked])
    throw new DomainError('unprocessable', `a role tracked by ${c.tracked} cannot be appraised by ${c.appraised}`, {
      field: 'appraised',
    });
  await db.query(
    `insert into role_cycles (role_id, tracked, appraised, actor) values ($1, $2, $3, $4)
     on conflict (role_id) do update set tracked = excluded.tracked, appraised = excluded.appraised, actor = excluded.actor, updated_at = now()`,
    [role, c.tracked, c.appraised, actor],
  );
  await db.query(`update roles set cycle = $2 where id = $1 and cycle is distinct from $2`, [role, c.tracked]);
  const after = await getCycle(db, role);
  await recordAudit(db, {
    actor,
    action: 'role_cycle.set',
    subject: { type: 'role_cycle', id: role },
    role,
    before: before.declared ? { tracked: before.tracked, appraised: before.appraised } : null,
    after: { tracked: after.tracked, appraised: after.appraised },
    detail: { catalogue_cycle_before: before.declared ? null : before.tracked },
  });
  return after;
}
