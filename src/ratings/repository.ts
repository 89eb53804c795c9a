/**
 * Reading ratings: rows of `agent_ratings` filtered, sorted and paginated in SQL (years in memory:
 * four rows an agent), shaped by rating.ts.
 */
import type { Queryable } from '../db/types.js';
import { NotFoundError } from '../lib/errors.js';
import { isYear } from '../lib/time.js';
import { EVIDENCE_RULE } from './evidence.js';
import { DEFAULT_MIN_REVIEWS, RATING_MODEL } from './model.js';
import { type Rating, type RatingKind, type RatingRow, type RatingSort, shape, sortValue, years } from './rating.js';

export {
  annualRating,
  NEGATIVE_RESPONSE_TARGET,
  RETURNS_TARGET,
  type Rating,
  type RatingKind,
  type RatingSort,
  type SlaRate,
} from './rating.js';

export interface ListQuery {
  /** `2026-W07`, `2026-03`, `2026-Q1` or a year `2026` */
  period: string;
  role?: string;
  team?: string;
  /** include (default), exclude or only ratings flagged insufficient_evidence */
  evidence?: 'all' | 'sufficient' | 'insufficient';
  sort?: RatingSort;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const COLUMNS = `ar.agent_id, ar.role_id, e.team, ar.period, ar.period_kind, ar.period_start, ar.reviews, ar.unscored, ar.n, ar.positive, ar.not_attributable,
  ar.aspect_n, ar.aspect_positive, ar.other_mentions, ar.other_negative, ar.sentiment_models, ar.negative_reviews, ar.negative_replied_24h,
  ar.negative_late, ar.negative_pending, ar.returns, ar.returns_closed_48h, ar.returns_late, ar.returns_pending, ar.prior_alpha, ar.prior_beta,
  ar.prior_method, ar.prior_rho, ar.posterior_mean, ar.ci_low, ar.ci_high, ar.min_reviews, ar.rating_model`;

const SORT_SQL: Record<RatingSort, string> = {
  score: 'ar.posterior_mean',
  ci_low: 'ar.ci_low',
  n: 'ar.n',
  raw_share: 'ar.positive / nullif(ar.n, 0)',
  negative_response_rate: 'ar.negative_replied_24h::float8 / nullif(ar.negative_replied_24h + ar.negative_late, 0)',
  agent_id: 'ar.agent_id',
};

/** Ratings of one period, filtered, sorted (ties by agent id) and paginated; `total` counts all matches. */
export async function listRatings(
  db: Queryable,
  q: ListQuery,
): Promise<{ period: string; total: number; items: Rating[] }> {
  const sort = q.sort ?? 'score';
  const order = q.order ?? 'desc';
  const evidence = q.evidence ?? 'all';
  if (isYear(q.period)) {
    const r = await db.query<RatingRow>(
      `select ${COLUMNS} from agent_ratings ar join employees e on e.id = ar.agent_id
       where ar.period = any($1) and ($2::text is null or ar.role_id = $2) and ($3::text is null or e.team = $3)`,
      [[1, 2, 3, 4].map((i) => `${q.period}-Q${i}`), q.role ?? null, q.team ?? null],
    );
    const all = years(r.rows.map(shape)).filter(
      (x) => evidence === 'all' || x.insufficient_evidence === (evidence === 'insufficient'),
    );
    const dir = order === 'asc' ? 1 : -1;
    all.sort((a, b) => {
      const [x, y] = [sortValue(a, sort), sortValue(b, sort)];
      if (x === y) return a.agent_id < b.agent_id ? -1 : 1;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    return { period: q.period, total: all.length, items: all.slice(q.offset, q.offset + q.limit) };
  }
  const r = await db.query<RatingRow & { total: number }>(
    `select ${COLUMNS}, count(*) over () as total
     from agent_ratings ar join employees e on e.id = ar.agent_id
     where ar.period = $1 and ($2::text is null or ar.role_id = $2) and ($3::text is null or e.team = $3)
       and ($4 = 'all' or (ar.n < coalesce(ar.min_reviews, ${DEFAULT_MIN_REVIEWS})) = ($4 = 'insufficient'))
     order by ${SORT_SQL[sort]} ${order === 'asc' ? 'asc' : 'desc'} nulls last, ar.agent_id
     limit $5 offset $6`,
    [q.period, q.role ?? null, q.team ?? null, evidence, q.limit, q.offset],
  );
  let total = Number(r.rows[0]?.total ?? 0);
  if (r.rows.length === 0 && q.offset > 0) {
    const c = await db.query<{ c: number }>(
      `select count(*)::int8 as c from agent_ratings ar join employees e on e.id = ar.agent_id
       where ar.period = $1 and ($2::text is null or ar.role_id = $2) and ($3::text is null or e.team = $3)
         and ($4 = 'all' or (ar.n < coalesce(ar.min_reviews, ${DEFAULT_MIN_REVIEWS})) = ($4 = 'insufficient'))`,
      [q.period, q.role ?? null, q.team ?? null, evidence],
    );
    total = Number(c.rows[0]?.c ?? 0);
  }
  return { period: q.period, total, items: r.rows.map(shape) };
}

export interface HistoryQuery {
  kind?: RatingKind;
  /** exactly this period (any kind, or a year) */
  period?: string;
  /** first and last period start to include (`YYYY-MM-DD`) */
  from?: string;
  to?: string;
}

/**
 * One agent's ratings, oldest first: one kind (default quarter) or one period.
 * @throws NotFoundError when the agent is not a known employee
 */
export async function agentRatings(
  db: Queryable,
  agentId: string,
  q: HistoryQuery = {},
): Promise<{ agent_id: string; role_id: string; team: string | null; ratings: Rating[] }> {
  const year = q.period !== undefined && isYear(q.period) ? q.period : null;
  const kind = year !== null || q.kind === 'year' ? 'quarter' : q.period !== undefined ? null : (q.kind ?? 'quarter');
  const r = await db.query<RatingRow & { employee_role: string }>(
    `select e.id as employee_id, e.role_id as employee_role, e.team as employee_team, ${COLUMNS}
     from employees e
     left join agent_ratings ar on ar.agent_id = e.id
       and ($2::text is null or ar.period_kind = $2) and ($3::text is null or ar.period = $3) and ($4::text[] is null or ar.period = any($4))
       and ($5::date is null or ar.period_start >= $5) and ($6::date is null or ar.period_start <= $6)
     where e.id = $1
     order by ar.period_start, ar.period`,
    [
      agentId,
      kind,
      year === null ? (q.period ?? null) : null,
      year === null ? null : [1, 2, 3, 4].map((i) => `${year}-Q${i}`),
      q.from ?? null,
      q.to ?? null,
    ],
  );
  const head = r.rows[0] as (RatingRow & { employee_role: string; employee_team: string | null }) | undefined;
  if (!head) throw new NotFoundError(`employee '${agentId}'`);
  const rows = r.rows.filter((x) => x.agent_id !== null).map(shape);
  const ratings = year !== null || q.kind === 'year' ? years(rows) : rows;
  return { agent_id: agentId, role_id: head.employee_role, team: head.employee_team, ratings };
}

/**
 * True when some stored rating was written by another rating model than RATING_MODEL, or its evidence
 * collected by another rule than EVIDENCE_RULE (a recompute replaces it).
 */
export async function hasOutdatedRatings(db: Queryable): Promise<boolean> {
  const r = await db.query(
    'select 1 from agent_ratings where rating_model is distinct from $1 or evidence_rule is distinct from $2 limit 1',
    [RATING_MODEL, EVIDENCE_RULE],
  );
  return r.rows.length > 0;
}
