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

/** Every role's cycle in force (declared, else from roles.cycle), by role id. */
export async function roleCycles(db: Queryable): Promise<Map<string, { tracked: Tracked; appraised: Appraised }>> {
  const r = await db.query<{ id: string; cycle: Tracked; tracked: Tracked | null; appraised: Appraised | null }>(
    `select r.id, r.cycle, c.tracked, c.appraised from roles r left join role_cycles c on c.role_id = r.id`,
  );
  return new Map(
    r.rows.map((x) => [
      x.id,
      x.tracked && x.appraised
        ? { tracked: x.tracked, appraised: x.appraised }
        : { tracked: x.cycle, appraised: x.cycle === 'week' ? 'month' : x.cycle },
    ]),
  );
}

/** The latest period of a kind in which someone of the role has a recorded value, or null. */
export async function latestPeriodOfRole(db: Queryable, role: string, kind: Tracked): Promise<string | null> {
  const r = await db.query<{ period: string }>(
    `select h.period from kpi_history h join employees e on e.id = h.employee_id
     where e.role_id = $1 and h.period_kind = $2 order by h.period_start desc limit 1`,
    [role, kind],
  );
  return r.rows[0]?.period ?? null;
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

/**
 * The rule of a role's cycle for reads of a period (ratings): a period as fine as the kind the role is
 * tracked on or coarser (its appraisal period, the quarter, the year of its quarters) is answered; a
 * finer one is not — a role tracked monthly has no weekly appraisal. Null when `kind` is answered, else
 * why not (the message of a 422 naming `period`).
 */
export function cycleRefuses(cycle: Pick<RoleCycle, 'role' | 'tracked'>, kind: Tracked | 'year'): string | null {
  if (kind === 'year' || RANK[kind] >= RANK[cycle.tracked]) return null;
  return `period: role ${cycle.role} is tracked by ${cycle.tracked} (its declared cycle, GET /v1/roles/${cycle.role}/cycle); a ${kind} is finer than that`;
}

/** The latest period of a kind in which an agent of the role has a stored rating, or null. */
export async function latestRatedPeriodOfRole(db: Queryable, role: string, kind: Tracked): Promise<string | null> {
  const r = await db.query<{ period: string }>(
    `select period from agent_ratings where role_id = $1 and period_kind = $2 order by period_start desc limit 1`,
    [role, kind],
  );
  return r.rows[0]?.period ?? null;
}
