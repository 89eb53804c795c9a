/**
 * Evidence per agent and period, aggregated in SQL from the stored reviews and return events into a
 * transaction-local temporary table `rating_ev` (one row per agent and period in scope). recompute.ts
 * reads its (n, positive, positive_sq) columns to fit the priors and upserts it into `agent_ratings`.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import type { PeriodKind } from '../history/period.js';
import { AGENT_ASPECTS, EXCLUDED_SQL, FACT, NEGATIVE_SQL, OTHER_ASPECTS, WEIGHT_SQL } from './attribution.js';

export interface EvidenceScope {
  /** null: every agent */
  agentIds: readonly string[] | null;
  /** the periods to aggregate (weeks, months, quarters) */
  periods: readonly string[];
  kinds: readonly PeriodKind[];
  /** timestamps bounding the data to read: the span of `periods` */
  from: Date;
  to: Date;
  /** the clock for pending/late decisions on unreplied reviews and open returns */
  now: Date;
}

/** The text id of a period from its kind and first day. */
const PERIOD_ID = (kind: string, start: string) =>
  `case ${kind} when 'week' then to_char(${start}, 'IYYY-"W"IW') when 'month' then to_char(${start}, 'YYYY-MM') else to_char(${start}, 'YYYY-"Q"Q') end`;

/** Week, month and quarter of a (week start, month start) fragment. */
const ROLLUP = (ws: string, ms: string) =>
  `cross join lateral (values ('week', ${ws}), ('month', ${ms}), ('quarter', date_trunc('quarter', ${ms})::date)) as p(kind, period_start)`;

/** Columns of `rating_ev` besides agent_id and period, in `agent_ratings` order. */
export const EVIDENCE_COLUMNS = [
  'period_kind',
  'period_start',
  'role_id',
  'reviews',
  'unscored',
  'n',
  'positive',
  'positive_sq',
  'not_attributable',
  'aspect_n',
  'aspect_positive',
  'other_mentions',
  'other_negative',
  'sentiment_models',
  'negative_reviews',
  'negative_replied_24h',
  'negative_late',
  'negative_pending',
  'returns',
  'returns_closed_48h',
  'returns_late',
  'returns_pending',
] as const;

/** A float sum rounded to 9 decimals, so that summation order never changes a stored value. */
const R9 = (x: string) => `coalesce(round((${x}) * 1e9) / 1e9, 0)::float8`;

const SUMMED = [
  'reviews',
  'unscored',
  'n',
  'not_attributable',
  'negative_reviews',
  'negative_replied_24h',
  'negative_late',
  'negative_pending',
];

/*
 * One pass over the reviews groups them by (agent, ISO week, month, model version): a week that
 * straddles two months is two fragments. Fragments roll up exactly into weeks, months and quarters,
 * so a million reviews are aggregated once, not three times. Model versions travel as a bit mask
 * over the scope's version list (aggregates with DISTINCT would force a sort of every fragment).
 * Parameters: $1 from, $2 to, $3 agent ids (null = all), $4 periods, $5 now, $6 kinds.
 */
const EVIDENCE_SELECT = `
with frag as (
  select r.agent_id, date_trunc('week', r.created_at at time zone 'UTC')::date as ws, date_trunc('month', r.created_at at time zone 'UTC')::date as ms,
    r.sentiment_model,
    count(*) as reviews,
    count(*) filter (where r.sentiment_model is null) as unscored,
    count(a.w) as n,
    sum(a.w) as positive,
    sum(a.w * a.w) as positive_sq,
    count(*) filter (where r.sentiment_model is not null and a.w is null and not ${EXCLUDED_SQL}) as not_attributable,
    ${AGENT_ASPECTS.map((k) => `count(r.rating_facts[${FACT.p[k]}]) as n_${k}, sum(r.rating_facts[${FACT.p[k]}]) as pos_${k}`).join(',\n    ')},
    ${OTHER_ASPECTS.map((k) => `sum(r.rating_facts[${FACT.mentions[k]}]) as m_${k}, sum(r.rating_facts[${FACT.negative[k]}]) as neg_${k}`).join(',\n    ')},
    count(*) filter (where a.neg) as negative_reviews,
    count(*) filter (where a.neg and r.replied_at <= r.created_at + interval '24 hours') as negative_replied_24h,
    count(*) filter (where a.neg and (r.replied_at > r.created_at + interval '24 hours' or (r.replied_at is null and r.created_at + interval '24 hours' < $5))) as negative_late,
    count(*) filter (where a.neg and r.replied_at is null and r.created_at + interval '24 hours' >= $5) as negative_pending
  from reviews r
  cross join lateral (select ${WEIGHT_SQL} as w, coalesce(${NEGATIVE_SQL}, false) as neg) a
  where r.agent_id is not null and r.created_at >= $1 and r.created_at < $2
    and ($3::text[] is null or r.agent_id = any($3))
  group by 1, 2, 3, 4
),
dict as (
  select coalesce(array_agg(distinct sentiment_model order by sentiment_model) filter (where sentiment_model is not null), '{}') as d from frag
),
rev as (
  select f.agent_id, p.kind, p.period_start,
    ${SUMMED.map((c) => `sum(f.${c})::int as ${c}`).join(', ')},
    ${R9('sum(f.positive)')} as positive,
    ${R9('sum(f.positive_sq)')} as positive_sq,
    array[${AGENT_ASPECTS.map((k) => `sum(f.n_${k})::int`).join(', ')}] as aspect_n,
    array[${AGENT_ASPECTS.map((k) => R9(`sum(f.pos_${k})`)).join(', ')}] as aspect_positive,
    array[${OTHER_ASPECTS.map((k) => `sum(f.m_${k})::int`).join(', ')}] as other_mentions,
    array[${OTHER_ASPECTS.map((k) => `sum(f.neg_${k})::int`).join(', ')}] as other_negative,
    bit_or(case when cardinality(dict.d) <= 62 then (1::int8 << (array_position(dict.d, f.sentiment_model) - 1)) end) as model_mask
  from frag f
  cross join dict
  ${ROLLUP('f.ws', 'f.ms')}
  where p.kind = any($6::text[])
  group by f.agent_id, p.kind, p.period_start
),
ret as (
  select t.agent_id, p.kind, p.period_start,
    count(*)::int as returns,
    count(*) filter (where t.closed_at <= t.opened_at + interval '48 hours')::int as returns_closed_48h,
    count(*) filter (where t.closed_at > t.opened_at + interval '48 hours' or (t.closed_at is null and t.opened_at + interval '48 hours' < $5))::int as returns_late,
    count(*) filter (where t.closed_at is null and t.opened_at + interval '48 hours' >= $5)::int as returns_pending
  from return_events t
  ${ROLLUP(`date_trunc('week', t.opened_at at time zone 'UTC')::date`, `date_trunc('month', t.opened_at at time zone 'UTC')::date`)}
  where t.opened_at >= $1 and t.opened_at < $2
    and ($3::text[] is null or t.agent_id = any($3))
    and p.kind = any($6::text[])
  group by t.agent_id, p.kind, p.period_start
)
select x.agent_id, pid.period, ${EVIDENCE_COLUMNS.map((c) => (c === 'sentiment_models' ? `case when cardinality(dict.d) > 62 then dict.d else array(select dict.d[i] from generate_subscripts(dict.d, 1) as i where (x.model_mask >> (i - 1)) & 1 = 1 order by i) end as sentiment_models` : `x.${c}`)).join(', ')}
from (
  select e.role_id, coalesce(rev.agent_id, ret.agent_id) as agent_id, coalesce(rev.kind, ret.kind) as period_kind,
    coalesce(rev.period_start, ret.period_start) as period_start,
    ${SUMMED.map((c) => `coalesce(rev.${c}, 0) as ${c}`).join(', ')},
    coalesce(rev.positive, 0) as positive,
    coalesce(rev.positive_sq, 0) as positive_sq,
    coalesce(rev.aspect_n, array[${AGENT_ASPECTS.map(() => '0').join(', ')}]) as aspect_n,
    coalesce(rev.aspect_positive, array[${AGENT_ASPECTS.map(() => '0').join(', ')}]::float8[]) as aspect_positive,
    coalesce(rev.other_mentions, array[${OTHER_ASPECTS.map(() => '0').join(', ')}]) as other_mentions,
    coalesce(rev.other_negative, array[${OTHER_ASPECTS.map(() => '0').join(', ')}]) as other_negative,
    coalesce(rev.model_mask, 0) as model_mask,
    coalesce(ret.returns, 0) as returns, coalesce(ret.returns_closed_48h, 0) as returns_closed_48h,
    coalesce(ret.returns_late, 0) as returns_late, coalesce(ret.returns_pending, 0) as returns_pending
  from rev full join ret on ret.agent_id = rev.agent_id and ret.kind = rev.kind and ret.period_start = rev.period_start
  join employees e on e.id = coalesce(rev.agent_id, ret.agent_id)
) x
cross join dict
cross join lateral (select ${PERIOD_ID('x.period_kind', 'x.period_start')} as period) pid
where pid.period = any($4::text[])`;

/**
 * The version of what counts toward an agent: a hash of the evidence query, which holds the
 * attribution rule (WEIGHT_SQL, with its service channels and outside-the-agent words), the
 * negative-review rule and the roll-ups. Stored with each rating row its evidence was collected
 * for; a start-up that finds another recomputes the ratings (`hasOutdatedRatings`).
 */
export const EVIDENCE_RULE = `evidence@${createHash('sha256').update(EVIDENCE_SELECT).digest('hex').slice(0, 12)}`;

/** An SQL literal for text that passed our own validation (period ids, ISO timestamps). */
const literal = (s: string) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** Where `collectEvidence` writes: the table's name, and whether it lives past the transaction. */
export interface EvidenceTable {
  /** default `rating_ev` */
  name?: string;
  /**
   * true: a temporary table of the session, not inside a transaction (PGlite, one session: the caller
   * drops it); false (default): dropped at commit, must run inside a transaction.
   */
  session?: boolean;
}

/**
 * Fills a temporary table (`rating_ev` unless named; dropped at commit unless `session`) with the
 * scope's evidence. Without `session` it must run inside a transaction.
 */
export async function collectEvidence(tx: Queryable, scope: EvidenceScope, table: EvidenceTable = {}): Promise<void> {
  const name = table.name ?? 'rating_ev';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`bad evidence table name '${name}'`);
  const temp = table.session ? `create temp table ${name}` : `create temp table ${name} on commit drop`;
  // JIT compilation costs seconds here and saves nothing; hashing a million reviews wants memory
  // (PGlite, the session case, has no JIT and runs the one session: its settings stay as they are)
  if (!table.session) {
    await tx.query(`set local jit = off`);
    await tx.query(`set local work_mem = '128MB'`);
  }
  await tx.query(`drop table if exists ${name}`);
  if (scope.agentIds === null) {
    // every agent (the bulk case): CREATE TABLE AS may scan in parallel but takes no parameters, so the
    // values, all validated period ids, kinds and ISO timestamps, are written in as literals
    const values: Record<string, string> = {
      $1: `${literal(scope.from.toISOString())}::timestamptz`,
      $2: `${literal(scope.to.toISOString())}::timestamptz`,
      $3: 'null',
      $4: `array[${scope.periods.map(literal).join(', ')}]::text[]`,
      $5: `${literal(scope.now.toISOString())}::timestamptz`,
      $6: `array[${scope.kinds.map(literal).join(', ')}]::text[]`,
    };
    await tx.query(`${temp} as ${EVIDENCE_SELECT.replace(/\$[1-6]\b/g, (m) => values[m]!)}`);
  } else {
    await tx.query(`${temp} as ${EVIDENCE_SELECT} with no data`.replace(/\$[1-6]\b/g, 'null'));
    await tx.query(`insert into ${name} ${EVIDENCE_SELECT}`, [
      scope.from,
      scope.to,
      scope.agentIds,
      scope.periods,
      scope.now,
      scope.kinds,
    ]);
  }
  await tx.query(`create index on ${name} (agent_id, period)`);
  await tx.query(`analyze ${name}`);
}

/**
 * Adds the evidence of `scope.agentIds` (a list, not null) to a table `collectEvidence` made: one
 * statement per call, so a caller on PGlite can fill a large scope agent by agent chunks with the
 * event loop free between them (src/ratings/recompute.ts).
 */
export async function appendEvidence(tx: Queryable, name: string, scope: EvidenceScope): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`bad evidence table name '${name}'`);
  if (scope.agentIds === null) throw new RangeError('appendEvidence: a list of agents, not null');
  await tx.query(`insert into ${name} ${EVIDENCE_SELECT}`, [
    scope.from,
    scope.to,
    scope.agentIds,
    scope.periods,
    scope.now,
    scope.kinds,
  ]);
}
