/**
 * Recomputing ratings: evidence in SQL (evidence.ts), then per role and period the empirical-Bayes
 * prior and every agent's posterior (model.ts), written back only where a value changed. Recomputing
 * twice gives the same rows; so does an incremental recompute compared with a full one.
 */
import type { Db, Queryable } from '../db/types.js';
import { parsePeriod, periodOf, shiftPeriod, type Period, type PeriodKind } from '../history/period.js';
import {
  appendEvidence,
  collectEvidence,
  EVIDENCE_COLUMNS,
  EVIDENCE_RULE,
  type EvidenceScope,
  type EvidenceTable,
} from './evidence.js';
import { DEFAULT_MIN_REVIEWS, RATING_MODEL } from './model.js';
import { openCompute, type Compute } from '../jobs/compute.js';
import type { FitRow } from './fit.js';
import { DAY_MS } from '../lib/time.js';

const KINDS: readonly PeriodKind[] = ['week', 'month', 'quarter'];

/**
 * Lets the event loop turn. PGlite runs each statement in this thread and answers with a promise
 * that settles at once, so a chain of statements never gives timers and I/O a turn: without these a
 * full recompute held the API process's main thread for its whole length (10 s measured at load 17).
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface RecomputeOptions {
  /** Only these agents' evidence (their roles' priors are refitted with everyone's evidence). */
  agentIds?: readonly string[];
  /** Only these periods (any kind); absent: every quarter that holds data, with its months and weeks. */
  periods?: readonly string[];
  /** Ratings with fewer attributable reviews are flagged insufficient_evidence (default 10). */
  minReviews?: number;
  /** Clock for the SLA's pending/late split (default: now). */
  now?: Date;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, stage: string) => void | Promise<void>;
  /** Where the priors and posteriors are fitted (a job's thread: src/jobs/compute.ts); default: on this thread. */
  compute?: Compute | undefined;
  /** Called with each step's wall time (benchmarks print it). */
  onStep?: (step: 'evidence' | 'fit' | 'write', ms: number) => void;
}

export interface RecomputeResult {
  /** periods recomputed (weeks, months, quarters) */
  periods: number;
  /** role-period priors refitted */
  priors: number;
  /** rating rows inserted, changed or deleted */
  updated: number;
}

/** The quarter `q` with its months and every ISO week that overlaps it. */
export function periodsWithin(quarter: string): string[] {
  const q = parsePeriod(quarter);
  if (q?.kind !== 'quarter') throw new RangeError(`expected a quarter such as 2026-Q1, got '${quarter}'`);
  const out = [q.id];
  for (let m = periodOf(new Date(`${q.start}T00:00:00Z`), 'month'); m.start <= q.end; m = shiftPeriod(m, 1))
    out.push(m.id);
  for (let w = periodOf(new Date(`${q.start}T00:00:00Z`), 'week'); w.start <= q.end; w = shiftPeriod(w, 1))
    out.push(w.id);
  return out;
}

/**
 * What to recompute after rows arrive: their agents and the week, month and quarter of each
 * timestamp. Pass the result to `recomputeRatings`.
 * @example recomputeRatings(db, ratingScopeOf(reviews.map((r) => ({ agent_id: r.agent_id, at: r.created_at }))))
 */
export function ratingScopeOf(rows: Iterable<{ agent_id: string | null; at: string | Date }>): {
  agentIds: string[];
  periods: string[];
} {
  const agents = new Set<string>();
  const periods = new Set<string>();
  const days = new Set<number>();
  for (const r of rows) {
    if (r.agent_id === null) continue;
    agents.add(r.agent_id);
    const day = Math.floor(new Date(r.at).getTime() / DAY_MS);
    if (days.has(day)) continue;
    days.add(day);
    for (const kind of KINDS) periods.add(periodOf(new Date(day * DAY_MS), kind).id);
  }
  return { agentIds: [...agents].sort(), periods: [...periods].sort() };
}

/**
 * Where stored reviews or return events with these ids sit now (agent, time): read before an
 * upsert, so the ratings they leave when moved to another agent or date are recomputed too.
 */
export interface Place {
  agent_id: string;
  at: Date;
}
export async function previousPlaces(
  db: Queryable,
  table: 'reviews' | 'return_events',
  at: 'created_at' | 'opened_at',
  ids: readonly string[],
): Promise<Place[]> {
  const r = await db.query<Place>(
    `select agent_id, ${at} as at from ${table} where id = any($1::text[]) and agent_id is not null`,
    [ids],
  );
  return r.rows;
}

function parseAll(ids: readonly string[]): Period[] {
  return ids.map((id) => {
    const p = parsePeriod(id);
    if (!p) throw new RangeError(`not a period: '${id}' (expected 2026-W07, 2026-03 or 2026-Q1)`);
    return p;
  });
}

/**
 * Recomputes ratings. With `periods`, one slice over them; without, quarter by quarter over every
 * quarter that holds reviews, return events or ratings of the agents in scope. A slice's writes are
 * one transaction (see `recomputeSlice` for how PGlite keeps it short).
 */
export async function recomputeRatings(db: Db, opts: RecomputeOptions = {}): Promise<RecomputeResult> {
  const minReviews = opts.minReviews ?? DEFAULT_MIN_REVIEWS;
  if (!Number.isInteger(minReviews) || minReviews < 0)
    throw new RangeError(`minReviews must be a whole number ≥ 0, got ${minReviews}`);
  const now = opts.now ?? new Date();
  const agentIds = opts.agentIds ? [...new Set(opts.agentIds)].sort() : null;
  const total: RecomputeResult = { periods: 0, priors: 0, updated: 0 };
  if (agentIds?.length === 0) return total;

  const slices: Period[][] = opts.periods
    ? [parseAll([...new Set(opts.periods)])]
    : (await quartersInScope(db, agentIds)).map((q) => parseAll(periodsWithin(q)));
  for (let i = 0; i < slices.length; i++) {
    if (opts.signal?.aborted) break;
    const slice = slices[i]!;
    if (slice.length === 0) continue;
    const r = await recomputeSlice(
      db,
      slice,
      agentIds,
      minReviews,
      now,
      opts.onStep,
      opts.compute ?? openCompute({ threads: false }),
    );
    total.periods += slice.length;
    total.priors += r.priors;
    total.updated += r.updated;
    await opts.onProgress?.(i + 1, slices.length, slice[0]!.id);
    // between slices the requests that waited for the database meanwhile are served
    await turn();
  }
  return total;
}

async function quartersInScope(db: Queryable, agentIds: string[] | null): Promise<string[]> {
  const r = await db.query<{ q: string }>(
    `select to_char(created_at at time zone 'UTC', 'YYYY-"Q"Q') as q from reviews where agent_id is not null and ($1::text[] is null or agent_id = any($1))
     union select to_char(opened_at at time zone 'UTC', 'YYYY-"Q"Q') from return_events where $1::text[] is null or agent_id = any($1)
     union select to_char(period_start, 'YYYY-"Q"Q') from agent_ratings where $1::text[] is null or agent_id = any($1)
     order by 1`,
    [agentIds],
  );
  return r.rows.map((x) => x.q);
}

const POSTERIOR_COLUMNS = [
  'prior_alpha',
  'prior_beta',
  'prior_method',
  'prior_rho',
  'posterior_mean',
  'ci_low',
  'ci_high',
  'min_reviews',
  'rating_model',
] as const;
const POSTERIOR_PARAMS = `unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::float8[]) as u(agent_id, period, a, b, method, rho, mean, lo, hi)`;
const POSTERIOR_VALUES = ['u.a', 'u.b', 'u.method', 'u.rho', 'u.mean', 'u.lo', 'u.hi', '$10::int', '$11::text'];

/** The data version of the stored reads (migration 008): changes with every commit to agent_ratings, among others. */
const DATA_VERSION = `select coalesce(sum(n), 0)::text || ':' || coalesce(max(id), 0)::text as v from read_changes`;
const dataVersion = async (q: Queryable) => (await q.query<{ v: string }>(DATA_VERSION)).rows[0]!.v;

/** A slice's write found that another transaction changed the ratings since its evidence was read. */
class SliceRaced extends Error {}

let evidenceTables = 0;

/** How long one statement of a PGlite recompute should hold the main thread (ms); chunks are sized to it. */
const STATEMENT_MS = 15;

/** Scales a chunk size so that the next statement takes about STATEMENT_MS (within [min, max]). */
export function nextChunk(size: number, ms: number, min: number, max: number): number {
  const factor = Math.min(4, Math.max(0.25, STATEMENT_MS / Math.max(ms, 0.5)));
  return Math.max(min, Math.min(max, Math.round(size * factor)));
}

/**
 * The slice's evidence into its table. In a session table (PGlite) a quarter's evidence in one
 * statement held the main thread for 1.2 s at load 17, so there the table is filled by chunks of agents,
 * one statement each, sized to take about STATEMENT_MS, with the event loop free between them; the
 * rows are the same (an agent's evidence reads only that agent's reviews and returns).
 */
async function evidenceInto(read: Queryable, scope: EvidenceScope, table: EvidenceTable & { name: string }) {
  if (!table.session || (scope.agentIds !== null && scope.agentIds.length <= 20))
    return collectEvidence(read, scope, table);
  // the table, empty (the evidence of no agent), then the agents chunk by chunk
  await collectEvidence(read, { ...scope, agentIds: [] }, table);
  const agents =
    scope.agentIds ?? (await read.query<{ id: string }>(`select id from employees order by id`)).rows.map((r) => r.id);
  await turn();
  let size = 20;
  for (let i = 0; i < agents.length; ) {
    const chunk = agents.slice(i, i + size);
    const t0 = performance.now();
    await appendEvidence(read, table.name, { ...scope, agentIds: chunk });
    i += chunk.length;
    size = nextChunk(size, performance.now() - t0, 10, 5000);
    await turn();
  }
  await read.query(`analyze ${table.name}`);
}

/**
 * One slice: evidence, fit, write. On PostgreSQL one transaction (readers never wait for it). On PGlite
 * every query waits while a transaction runs (one session), so the slice runs as separate statements
 * with the event loop free between them: the evidence into a session table, the fit (job thread), and
 * only the writes in one short transaction — which first checks the data version read before the
 * evidence and, when another write committed meanwhile (an ingest's own recompute), is redone; after
 * three such races the slice runs in one transaction as on PostgreSQL.
 */
async function recomputeSlice(
  db: Db,
  periods: Period[],
  agentIds: string[] | null,
  minReviews: number,
  now: Date,
  onStep: RecomputeOptions['onStep'],
  compute: Compute,
): Promise<{ priors: number; updated: number }> {
  const whole = () =>
    db.transaction((tx) =>
      sliceSteps(tx, (fn) => fn(tx), { name: 'rating_ev' }, periods, agentIds, minReviews, now, onStep, compute),
    );
  if (db.kind !== 'pglite') return whole();
  for (let attempt = 0; attempt < 3; attempt++) {
    const table = { name: `rating_ev_s${++evidenceTables}`, session: true };
    const version = await dataVersion(db);
    try {
      return await sliceSteps(
        db,
        (fn) =>
          db.transaction(async (tx) => {
            if ((await dataVersion(tx)) !== version) throw new SliceRaced();
            return fn(tx);
          }),
        table,
        periods,
        agentIds,
        minReviews,
        now,
        onStep,
        compute,
      );
    } catch (err) {
      if (!(err instanceof SliceRaced)) throw err;
    } finally {
      await db.query(`drop table if exists ${table.name}`);
    }
  }
  return whole();
}

async function sliceSteps(
  read: Queryable,
  write: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  table: { name: string; session?: boolean },
  periods: Period[],
  agentIds: string[] | null,
  minReviews: number,
  now: Date,
  onStep: RecomputeOptions['onStep'],
  compute: Compute,
): Promise<{ priors: number; updated: number }> {
  let t0 = performance.now();
  const step = (name: 'evidence' | 'fit' | 'write') => {
    onStep?.(name, performance.now() - t0);
    t0 = performance.now();
  };
  const from = periods.reduce((m, p) => (p.start < m ? p.start : m), periods[0]!.start);
  const to = periods.reduce((m, p) => (p.end > m ? p.end : m), periods[0]!.end);
  const ids = periods.map((p) => p.id);
  const ev = table.name;
  await evidenceInto(
    read,
    {
      agentIds,
      periods: ids,
      kinds: [...new Set(periods.map((p) => p.kind))],
      from: new Date(`${from}T00:00:00Z`),
      to: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS),
      now,
    },
    table,
  );
  step('evidence');
  await turn();
  const inScope = (t: string) => (agentIds ? `${t}.agent_id = any($2)` : 'true');
  const stale = `from agent_ratings t where t.period = any($1) and ${inScope('t')} and not exists (select 1 from ${ev} e where e.agent_id = t.agent_id and e.period = t.period)`;

  // the fit needs every agent of each role-period touched: the scope's fresh evidence, and (when the
  // scope is some agents) the stored evidence of the role's other agents
  const rows = await read.query<FitRow>(
    agentIds
      ? `select agent_id, role_id, period, n, positive, positive_sq, true as fresh from ${ev}
         union all
         select s.agent_id, s.role_id, s.period, s.n, s.positive, s.positive_sq, false from agent_ratings s
         where s.period = any($1) and not (s.agent_id = any($2))
           and (s.role_id, s.period) in (select role_id, period from ${ev} union select t.role_id, t.period ${stale})
         order by 2, 3, 1`
      : `select agent_id, role_id, period, n, positive, positive_sq, true as fresh from ${ev} order by 2, 3, 1`,
    agentIds ? [ids, agentIds] : [],
  );
  // every slice is fitted in the job's thread: the priors' fits cost per (role, period), not per row, and
  // small slices fitted here held the main thread up to 105 ms during a rescore's recompute (2026-12-07)
  const fit = await compute.run('fitRatings', rows.rows);
  step('fit');
  await turn();

  // the rows whose evidence is collected here carry the rule it was collected by; the others' posteriors
  // are refitted below from their stored evidence, which keeps its rule
  const allCols = [...EVIDENCE_COLUMNS, ...POSTERIOR_COLUMNS, 'evidence_rule'];
  const result = await write(async (tx) => {
    const up = await tx.query(
      `insert into agent_ratings (agent_id, period, ${allCols.join(', ')})
       select e.agent_id, e.period, ${EVIDENCE_COLUMNS.map((c) => `e.${c}`).join(', ')}, ${POSTERIOR_VALUES.join(', ')}, $12::text
       from ${ev} e join ${POSTERIOR_PARAMS} on u.agent_id = e.agent_id and u.period = e.period
       on conflict (agent_id, period) do update set ${allCols.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()
       where (${allCols.map((c) => `agent_ratings.${c}`).join(', ')}) is distinct from (${allCols.map((c) => `excluded.${c}`).join(', ')})`,
      [...fit.fresh, minReviews, RATING_MODEL, EVIDENCE_RULE],
    );
    let updated = up.rowCount;
    if (agentIds && fit.stored[0]!.length > 0) {
      const r = await tx.query(
        `update agent_ratings t set ${POSTERIOR_COLUMNS.map((c, i) => `${c} = ${POSTERIOR_VALUES[i]}`).join(', ')}, updated_at = now()
         from ${POSTERIOR_PARAMS}
         where t.agent_id = u.agent_id and t.period = u.period
           and (${POSTERIOR_COLUMNS.map((c) => `t.${c}`).join(', ')}) is distinct from (${POSTERIOR_VALUES.join(', ')})`,
        [...fit.stored, minReviews, RATING_MODEL],
      );
      updated += r.rowCount;
    }
    const gone = await tx.query(`delete ${stale}`, agentIds ? [ids, agentIds] : [ids]);
    return updated + gone.rowCount;
  });
  step('write');
  return { priors: fit.priors, updated: result };
}
