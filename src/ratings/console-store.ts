/** What the console's pickers offer: the periods that have ratings, and the teams of a role. */
import type { Queryable } from '../db/types.js';
import { NEGATIVE_SQL } from './attribution.js';
import type { RatingKind } from './rating.js';

/** Periods with stored ratings, newest first, per kind (years from their quarters). */
export async function ratedPeriods(db: Queryable): Promise<Record<RatingKind, string[]>> {
  const r = await db.query<{ period: string; period_kind: 'week' | 'month' | 'quarter' }>(
    'select distinct period, period_kind, period_start from agent_ratings order by period_start desc, period desc',
  );
  const out: Record<RatingKind, string[]> = { week: [], month: [], quarter: [], year: [] };
  for (const row of r.rows) {
    out[row.period_kind].push(row.period);
    const year = row.period.slice(0, 4);
    if (row.period_kind === 'quarter' && !out.year.includes(year)) out.year.push(year);
  }
  return out;
}

/** Teams (of one role, or all), sorted. */
export async function teamsOf(db: Queryable, role?: string): Promise<string[]> {
  const r = await db.query<{ team: string }>(
    'select distinct team from employees where team is not null and ($1::text is null or role_id = $1) order by team',
    [role ?? null],
  );
  return r.rows.map((x) => x.team);
}

/**
 * Overdue negative reviews (unanswered 24 h after arrival) counted per team, and the oldest one's age in
 * hours; with `since`, only reviews that arrived at or after it.
 */
export async function overdueByTeam(
  db: Queryable,
  q: { role?: string | undefined; since?: string | undefined; now?: Date },
): Promise<{ team: string | null; overdue: number; oldest_hours: number }[]> {
  const r = await db.query<{ team: string | null; overdue: number; oldest_hours: number }>(
    `select e.team, count(*)::int8 as overdue,
       round((extract(epoch from ($1::timestamptz - min(r.created_at))) / 3600)::numeric, 1)::float8 as oldest_hours
     from reviews r left join employees e on e.id = r.agent_id
     where r.replied_at is null and r.created_at < $1::timestamptz - interval '24 hours'
       and ${NEGATIVE_SQL} and ($2::text is null or e.role_id = $2) and ($3::timestamptz is null or r.created_at >= $3)
     group by e.team order by e.team`,
    [q.now ?? new Date(), q.role ?? null, q.since ?? null],
  );
  return r.rows;
}
