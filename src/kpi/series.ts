/**
 * KPI history of one scope (role × metric × period kind) as model series: one per person on the
 * scope's period grid, gaps as NaN, with the promotion flag of every period (history and the
 * forecast horizon) from the business calendar and tenure in months.
 */
import type { SeriesInput } from '../baselines/index.js';
import type { Queryable } from '../db/types.js';
import { parsePeriod, periodsPerYear, shiftPeriod, type Period, type PeriodKind } from '../history/period.js';
import { listEvents, type CalendarEvent } from './calendar.js';
import { isPromotionPeriod, periodGrid, type PeriodGrid } from './cycles.js';
import { DAY_MS } from '../lib/time.js';

export interface ScopeKey {
  role: string;
  metric: string;
  kind: PeriodKind;
}

export const scopeId = (k: ScopeKey): string => `${k.role}:${k.metric}:${k.kind}`;

export interface PersonHistory {
  id: string;
  hireDate: string | null;
  /** Value per grid position, NaN where there is none. */
  values: Float64Array;
  first: number;
  last: number;
}

export interface ScopeHistory {
  key: ScopeKey;
  grid: PeriodGrid;
  /** People of the role with at least one value of the metric (before the cut-off, if any). */
  people: PersonHistory[];
  /** People of the role with no value of the metric at all. */
  withoutHistory: { id: string; hireDate: string | null }[];
  rows: number;
  events: CalendarEvent[];
}

/** A person of the role as the history reads name them: id and hire date (null when unknown). */
interface Staff {
  id: string;
  hireDate: string | null;
}

/** The role's people ordered by id (the order of `people` and `withoutHistory`). */
function parseStaff(packed: string | null | undefined): Staff[] {
  return (packed ? packed.split('\u001e') : []).map((rec) => {
    const [id, hire] = rec.split('\u001f') as [string, string];
    return { id, hireDate: hire === '' ? null : hire };
  });
}

const STAFF_SQL = `select string_agg(id || chr(31) || coalesce(hire_date::text, ''), chr(30) order by id) as s from employees where role_id = $1`;

/** One row of the history read per period: the ids of everyone with a value and their values (the hex of their 8 bytes), in the same order. */
interface PackedPeriod {
  period: string;
  ids: string;
  vals: string;
}

/**
 * The metric's history as one text row per period, optionally only periods starting before `before`:
 * normally the read-optimised copy `kpi_history_packed` (migration 026; every role's people, kept exact by
 * the database at every commit that writes kpi_history), whose rows the decoder filters to the role's
 * people. One row per period instead of a row per value: on PGlite, 120,000 rows cost ≈ 1.6 s as rows,
 * ≈ 0.3 s as one string, and the aggregate built from kpi_history on each read ≈ 90 ms of PGlite's CPU
 * against ≈ 14 ms for reading the copy. A role with few of the metric's people (fewer than one in
 * `SMALL_SHARE` of a period's, on average) reads its own rows from kpi_history instead (a semi-join with
 * its people through the employees index): the copy would bring everyone else's too (50 people sharing a
 * metric with 10,000: 23 against 3.4 ms on PGlite, 12 against 2.7 ms on PostgreSQL). The values as the hex
 * of their 8 bytes (float8send): exact, and no double is formatted as decimal text and parsed back.
 */
async function readPacked(
  db: Queryable,
  key: ScopeKey,
  before: string | undefined,
  staffCount: number,
): Promise<PackedPeriod[]> {
  const size = await db.query<{ periods: number; vals: number }>(
    `select count(*)::int as periods, coalesce(sum(n), 0)::int8 as vals from kpi_history_packed
     where metric_id = $1 and period_kind = $2 and ($3::date is null or period_start < $3)`,
    [key.metric, key.kind, before ?? null],
  );
  const { periods, vals } = size.rows[0] ?? { periods: 0, vals: 0 };
  if (staffCount * SMALL_SHARE < Number(vals) / Math.max(1, Number(periods))) {
    const r = await db.query<PackedPeriod>(
      `select h.period, string_agg(h.employee_id, chr(30)) as ids, encode(string_agg(float8send(h.value), ''::bytea), 'hex') as vals from kpi_history h
       where h.metric_id = $2 and h.period_kind = $3 and ($4::date is null or h.period_start < $4)
         and exists (select 1 from employees e where e.id = h.employee_id and e.role_id = $1)
       group by h.period`,
      [key.role, key.metric, key.kind, before ?? null],
    );
    return r.rows;
  }
  const r = await db.query<PackedPeriod>(
    `select period, ids, encode(vals, 'hex') as vals from kpi_history_packed
     where metric_id = $1 and period_kind = $2 and ($3::date is null or period_start < $3)`,
    [key.metric, key.kind, before ?? null],
  );
  return r.rows;
}

/** A role with fewer than one in this many of a period's people (on average) reads kpi_history itself. */
const SMALL_SHARE = 8;

/** An id met in the history: the index of its person in `staff`, or -1 for someone not of the role. */
interface Known {
  id: string;
  at: number;
}

/** One period of the history with the people of its values (`Known`, in the values' order). */
interface SplitPeriod {
  period: string;
  who: Known[];
  values: DataView;
  /** How many of its values are of the role's people. */
  hits: number;
}

/**
 * Each period's ids matched to `staff` (people of other roles, or not of the role any more, or hired
 * since `staff` was read, are -1 and left out later).
 */
function splitPacked(staff: readonly Staff[], packed: readonly PackedPeriod[]): SplitPeriod[] {
  const known = new Map<string, Known>();
  for (const [at, s] of staff.entries()) known.set(s.id, { id: s.id, at });
  const out: SplitPeriod[] = [];
  // the copy lists each period's people sorted by id, so most come in the previous period's order:
  // the next one there (or the one after, past a gap) is checked first, so most values need no id
  // string and no map lookup
  let order: Known[] = [];
  for (const { period, ids, vals } of packed) {
    const bytes = Buffer.from(vals, 'hex');
    const values = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = bytes.byteLength / 8;
    const who = new Array<Known>(count);
    let hits = 0;
    let k = 0;
    let j = 0; // where in the previous order the next person probably is
    for (let pos = 0; pos <= ids.length; k++) {
      let b = ids.indexOf('\u001e', pos);
      if (b < 0) b = ids.length;
      let p = order[j];
      if (p && p.id.length === b - pos && ids.startsWith(p.id, pos)) j++;
      else if ((p = order[j + 1]) && p.id.length === b - pos && ids.startsWith(p.id, pos)) j += 2;
      else {
        const id = ids.slice(pos, b);
        p = known.get(id);
        if (!p) {
          p = { id, at: -1 };
          known.set(id, p);
        }
      }
      who[k] = p;
      if (p.at >= 0) hits++;
      pos = b + 1;
    }
    if (k !== count) throw new Error(`history of ${period}: ${k} people, ${count} values`);
    out.push({ period, who, values, hits });
    order = who;
  }
  return out;
}

/**
 * The people of `staff` on `grid` from the split periods: those with a value (in `staff`'s order) and
 * those without.
 */
function decodeHistory(
  grid: PeriodGrid,
  staff: readonly Staff[],
  split: readonly SplitPeriod[],
): Pick<ScopeHistory, 'people' | 'withoutHistory' | 'rows'> {
  const n = grid.periods.length;
  // one NaN-filled row per person on the grid, filled period by period: views of one block for the
  // role's people (10,000 small typed arrays of their own cost more to allocate and collect)
  const block = new Float64Array(staff.length * n).fill(Number.NaN);
  const byAt = new Array<PersonHistory | undefined>(staff.length);
  let rows = 0;
  for (const { period, who, values, hits } of split) {
    if (hits === 0) continue;
    const at = grid.pos.get(period)!;
    for (let k = 0; k < who.length; k++) {
      const s = who[k]!.at;
      if (s < 0) continue;
      let p = byAt[s];
      if (!p) {
        p = {
          id: staff[s]!.id,
          hireDate: staff[s]!.hireDate,
          values: block.subarray(s * n, (s + 1) * n),
          first: at,
          last: at,
        };
        byAt[s] = p;
      }
      p.values[at] = values.getFloat64(8 * k); // big-endian, as float8send writes it
      if (at < p.first) p.first = at;
      if (at > p.last) p.last = at;
    }
    rows += hits;
  }
  const people: PersonHistory[] = [];
  const withoutHistory: ScopeHistory['withoutHistory'] = [];
  for (const [s, one] of staff.entries()) {
    const p = byAt[s];
    if (p) people.push(p);
    else withoutHistory.push({ id: one.id, hireDate: one.hireDate });
  }
  return { people, withoutHistory, rows };
}

/**
 * Loads the scope's history, optionally only periods starting before `before` (YYYY-MM-DD).
 * The grid runs from the first period with data of the role's people to `through` (default: the last
 * with data).
 */
export async function loadScopeHistory(
  db: Queryable,
  key: ScopeKey,
  opts: { before?: string; through?: Period } = {},
): Promise<ScopeHistory | null> {
  const staffPacked = await db.query<{ s: string | null }>(STAFF_SQL, [key.role]);
  const staff = parseStaff(staffPacked.rows[0]?.s);
  const split = splitPacked(staff, await readPacked(db, key, opts.before, staff.length));
  let first: Period | null = null;
  let last: Period | null = null;
  for (const { period, hits } of split) {
    if (hits === 0) continue;
    const p = parsePeriod(period)!;
    if (!first || p.start < first.start) first = p;
    if (!last || p.start > last.start) last = p;
  }
  if (!first || !last) return null;
  const through = opts.through && opts.through.start > last.start ? opts.through : last;
  const grid = periodGrid(first, through);
  const decoded = decodeHistory(grid, staff, split);
  const events = await listEvents(db, { from: grid.periods[0]!.start, to: grid.periods.at(-1)!.end });
  return { key, grid, ...decoded, events };
}

/** Promotion flag per grid position, extended `extra` periods past the grid. */
export function promoFlags(
  h: Pick<ScopeHistory, 'grid' | 'events'>,
  extra: number,
  events: readonly CalendarEvent[] = h.events,
): boolean[] {
  const out = h.grid.periods.map((p) => isPromotionPeriod(p, events));
  let p = h.grid.periods.at(-1)!;
  for (let i = 0; i < extra; i++) {
    p = shiftPeriod(p, 1);
    out.push(isPromotionPeriod(p, events));
  }
  return out;
}

const MONTH_MS = 30.4375 * DAY_MS;

/** Start (epoch ms) of every grid position, extended `extra` periods past the grid. */
export function gridStarts(h: Pick<ScopeHistory, 'grid'>, extra: number): number[] {
  const out = h.grid.periods.map((p) => Date.parse(`${p.start}T00:00:00Z`));
  let p = h.grid.periods.at(-1)!;
  for (let i = 0; i < extra; i++) {
    p = shiftPeriod(p, 1);
    out.push(Date.parse(`${p.start}T00:00:00Z`));
  }
  return out;
}

/** Months since hire at the start of each position (since the first value when the hire date is unknown). */
export function tenureMonths(starts: readonly number[], person: { hireDate: string | null; first?: number }): number[] {
  const from = person.hireDate ? Date.parse(`${person.hireDate}T00:00:00Z`) : starts[person.first ?? 0]!;
  return starts.map((s) => Math.max(0, (s - from) / MONTH_MS));
}

/** A series' promotion flags and tenure, as `personSeries` and `emptySeries` slice them. */
export interface SeriesContextSlices {
  promo: boolean[];
  tenure: number[];
}

/**
 * The person's series from their first value to grid position `end` (exclusive), gaps as NaN,
 * with promotion flags and tenure covering `horizon` more periods (`slices`: those already cut, which
 * a caller may share between people with the same first period and tenure — forecasting only reads them).
 */
export function personSeries(
  h: ScopeHistory,
  p: PersonHistory,
  end: number,
  horizon: number,
  promo: readonly boolean[],
  tenure: readonly number[],
  slices?: SeriesContextSlices,
): SeriesInput {
  const values: number[] = [];
  for (let i = p.first; i < end; i++) values.push(p.values[i]!);
  const start = h.grid.periods[p.first]!;
  const m = periodsPerYear(h.key.kind);
  return {
    id: p.id,
    values,
    periodsPerYear: m,
    start: { year: start.year, index: (start.index - 1) % m },
    promo: slices?.promo ?? promo.slice(p.first, end + horizon),
    tenure: slices?.tenure ?? tenure.slice(p.first, end + horizon),
  };
}

/** A person with no history: empty values, flags and tenure from the forecast origin on (`slices`: as `personSeries`'). */
export function emptySeries(
  h: Pick<ScopeHistory, 'key' | 'grid'>,
  id: string,
  end: number,
  horizon: number,
  promo: readonly boolean[],
  tenure: readonly number[],
  slices?: SeriesContextSlices,
): SeriesInput {
  const p = h.grid.periods[Math.min(end, h.grid.periods.length - 1)]!;
  const m = periodsPerYear(h.key.kind);
  return {
    id,
    values: [],
    periodsPerYear: m,
    start: { year: p.year, index: (p.index - 1) % m },
    promo: slices?.promo ?? promo.slice(end, end + horizon),
    tenure: slices?.tenure ?? tenure.slice(end, end + horizon),
  };
}
