/**
 * The console's target desk (src/web/pages/targets.ts): one role, metric and period of the role's
 * cycle; everyone's lines from the same function the API answers with (scopeTargets), searched,
 * filtered, sorted and paged on the server (10,000 people per role), each person of the page with
 * the last four recorded values; the same table as CSV (UTF-8 with BOM) or XLSX; and "why this
 * number" for one person: history, the forecast's quantiles, drivers and the period's promotions.
 */
import { getCycle } from '../appraisal/cycles-store.js';
import type { Db } from '../db/types.js';
import { listRoles, type RoleRow } from '../history/catalogue-store.js';
import { parsePeriod, type Period, type PeriodKind, shiftPeriod } from '../history/period.js';
import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { type ExportFile, toCsv, toXlsx, XLSX_TYPE } from '../lib/spreadsheet.js';
import { type CalendarEvent, listEvents } from '../kpi/calendar.js';
import { valuesBetween } from '../kpi/desk-store.js';
import { activeScopes } from '../kpi/models.js';
import type { ScopeKey } from '../kpi/series.js';
import { type PersonTarget, parseTargetPeriod, scopeTargets, TargetError, type TargetsAnswer } from '../kpi/targets.js';
import { lastPeriodWithData, roleOfEmployee } from '../kpi/targets-store.js';

export const DESK_SORTS = ['employee', 'target', 'suggested', 'floor', 'actual', 'attainment', 'width'] as const;
export type DeskSort = (typeof DESK_SORTS)[number];
export const DESK_FLAGS = ['below_floor', 'cold_start', 'overridden'] as const;
export type DeskFlag = (typeof DESK_FLAGS)[number];

export interface DeskQuery {
  role?: string | undefined;
  metric?: string | undefined;
  period?: string | undefined;
  /** part of an employee id (any case) */
  search?: string | undefined;
  flag?: DeskFlag | undefined;
  sort: DeskSort;
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface DeskRow extends PersonTarget {
  /** the four periods before the asked one, oldest first, and the values recorded then (null: none) */
  recent: { period: string; value: number | null }[];
}

export interface DeskView {
  roles: RoleRow[];
  role: RoleRow;
  kind: PeriodKind;
  /** the periods offered: four before the last one with data, it, and four after; newest last */
  periods: string[];
  period: string;
  /** metrics with an active model at the role's cycle */
  metrics: string[];
  metric: string | null;
  /** the answer's description (null when none could be computed: `problem` says why) */
  answer: Omit<TargetsAnswer, 'people'> | null;
  problem: { code: string; reason: string } | null;
  /** people after search and flag; the page's rows */
  total: number;
  rows: DeskRow[];
}

export interface WhyView {
  employee_id: string;
  role: string;
  metric: string;
  period: string;
  answer: Omit<TargetsAnswer, 'people' | 'summary'>;
  person: PersonTarget;
  /** up to twelve periods before the asked one and the asked one itself, oldest first */
  history: { period: string; value: number | null }[];
  /** promotions overlapping the shown periods */
  promotions: CalendarEvent[];
}

export interface TargetDeskService {
  desk(q: DeskQuery): Promise<DeskView>;
  /** Every row the desk's filters keep (no paging), in its sort. */
  export(q: Omit<DeskQuery, 'limit' | 'offset'>, format: 'csv' | 'xlsx'): Promise<ExportFile>;
  why(q: { employee_id: string; metric: string; period: string }): Promise<WhyView>;
}

const EXPORT_HEADER = [
  'employee_id',
  'role',
  'metric',
  'period',
  'direction',
  'floor',
  'baseline',
  'suggested_target',
  'target',
  'stretch',
  'p10',
  'p90',
  'cold_start',
  'override_value',
  'override_reason',
  'actual',
  'attainment',
  'below_floor',
] as const;

const cmp = (a: number | null, b: number | null): number =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b;

function sortKey(p: PersonTarget, sort: DeskSort): number | null {
  switch (sort) {
    case 'target':
      return p.target;
    case 'suggested':
      return p.suggested_target;
    case 'floor':
      return p.floor;
    case 'actual':
      return p.actual;
    case 'attainment':
      return p.attainment;
    case 'width':
      return p.interval80[1] - p.interval80[0];
    default:
      return null;
  }
}

/** The people the query keeps, in its order. */
export function selectPeople(people: readonly PersonTarget[], q: Pick<DeskQuery, 'search' | 'flag' | 'sort' | 'dir'>) {
  const needle = q.search?.trim().toLowerCase();
  const kept = people.filter(
    (p) =>
      (!needle || p.employee_id.toLowerCase().includes(needle)) &&
      (!q.flag ||
        (q.flag === 'below_floor' && p.below_floor === true) ||
        (q.flag === 'cold_start' && p.cold_start) ||
        (q.flag === 'overridden' && p.override !== null)),
  );
  const sign = q.dir === 'desc' ? -1 : 1;
  const byId = (a: PersonTarget, b: PersonTarget) =>
    a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0;
  if (q.sort === 'employee') return kept.sort((a, b) => sign * byId(a, b));
  // missing values last in either direction; ties by id
  return kept.sort((a, b) => {
    const x = sortKey(a, q.sort);
    const y = sortKey(b, q.sort);
    if (x === null || y === null) return cmp(x, y) || byId(a, b);
    return sign * (x - y) || byId(a, b);
  });
}

/** A date column as `YYYY-MM-DD` (drivers may hand back a Date for a `date`). */
const isoDay = (d: string | Date): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export function createTargetDeskService(deps: { db: Db }): TargetDeskService {
  const { db } = deps;

  async function frame(q: Pick<DeskQuery, 'role' | 'metric' | 'period'>) {
    const roles = await listRoles(db);
    if (roles.length === 0) throw new NotFoundError('roles (load employees first)');
    const role = q.role ? roles.find((r) => r.id === q.role) : roles[0];
    if (!role) throw new NotFoundError(`role ${q.role}`);
    // the period pickers follow the role's tracked cycle (targets and ratings follow it; src/appraisal)
    const kind = (await getCycle(db, role.id)).tracked;
    const scopes = await activeScopes(db, { role: role.id, kind });
    const metrics = scopes.map((s) => s.metric);
    const metric = q.metric && metrics.includes(q.metric) ? q.metric : (metrics[0] ?? null);
    if (q.metric && !metrics.includes(q.metric))
      throw new BadRequestError(`metric: no active ${kind}ly model of ${q.metric} for role ${role.id}`);
    let periods: string[] = [];
    let period: string | null = null;
    if (metric) {
      const last = await lastPeriodWithData(db, { role: role.id, metric, kind });
      const lp = last ? parsePeriod(last) : null;
      if (lp) {
        for (let i = -4; i <= 4; i++) periods.push(shiftPeriod(lp, i).id);
        period = shiftPeriod(lp, 1).id;
      }
    }
    if (q.period) {
      const p = parseTargetPeriod(q.period);
      if (p.kind !== kind) throw new BadRequestError(`period: role ${role.id} is appraised by ${kind}, not ${p.kind}`);
      period = p.id;
      if (!periods.includes(p.id)) periods = [...periods, p.id].sort();
    }
    return { roles, role, kind, metrics, metric, periods, period };
  }

  async function answerOf(key: ScopeKey, period: string) {
    try {
      return { answer: await scopeTargets(db, key, parseTargetPeriod(period)), problem: null };
    } catch (err) {
      if (err instanceof TargetError) return { answer: null, problem: { code: err.code, reason: err.message } };
      throw err;
    }
  }

  return {
    async desk(q) {
      const f = await frame(q);
      const base = { ...f, period: f.period ?? '', answer: null, total: 0, rows: [] as DeskRow[] };
      if (!f.metric || !f.period)
        return { ...base, problem: { code: 'no_model', reason: `no active ${f.kind}ly model for role ${f.role.id}` } };
      const key = { role: f.role.id, metric: f.metric, kind: f.kind };
      const { answer, problem } = await answerOf(key, f.period);
      if (!answer) return { ...base, problem };
      const kept = selectPeople(answer.people, q);
      const pageOf = kept.slice(q.offset, q.offset + q.limit);
      const p = parseTargetPeriod(f.period);
      const from = shiftPeriod(p, -4);
      const to = shiftPeriod(p, -1);
      const values = await valuesBetween(
        db,
        key,
        from,
        to,
        pageOf.map((x) => x.employee_id),
      );
      const recentIds = [1, 2, 3, 4].map((i) => shiftPeriod(p, i - 5).id);
      const rows = pageOf.map((x) => ({
        ...x,
        recent: recentIds.map((id) => ({ period: id, value: values.get(x.employee_id)?.get(id) ?? null })),
      }));
      const { people: _people, ...rest } = answer;
      return { ...base, answer: rest, problem: null, total: kept.length, rows };
    },

    async export(q, format) {
      const f = await frame(q);
      if (!f.metric || !f.period)
        throw new TargetError('no_model', `no active ${f.kind}ly model for role ${f.role.id}`);
      const answer = await scopeTargets(
        db,
        { role: f.role.id, metric: f.metric, kind: f.kind },
        parseTargetPeriod(f.period),
      );
      const rows = selectPeople(answer.people, q).map((p) => [
        p.employee_id,
        answer.role,
        answer.metric,
        answer.period,
        answer.direction,
        p.floor,
        p.baseline,
        p.suggested_target,
        p.target,
        p.stretch,
        p.interval80[0],
        p.interval80[1],
        p.cold_start,
        p.override?.value ?? null,
        p.override?.reason ?? null,
        p.actual,
        p.attainment,
        p.below_floor,
      ]);
      const name = `targets-${answer.role}-${answer.metric}-${answer.period}`;
      return format === 'csv'
        ? { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(EXPORT_HEADER, rows) }
        : {
            filename: `${name}.xlsx`,
            contentType: XLSX_TYPE,
            body: await toXlsx(EXPORT_HEADER, rows, { sheetName: 'targets' }),
          };
    },

    async why(q) {
      const role = await roleOfEmployee(db, q.employee_id);
      if (role === null) throw new NotFoundError(`employee ${q.employee_id}`);
      const p: Period = parseTargetPeriod(q.period);
      const key = { role, metric: q.metric, kind: p.kind };
      const full = await scopeTargets(db, key, p, { employeeId: q.employee_id });
      const person = full.people[0];
      if (!person) throw new NotFoundError(`a target of ${q.employee_id} for ${q.metric} in ${p.id}`);
      const first = shiftPeriod(p, -12);
      const values = (await valuesBetween(db, key, first, p, [q.employee_id])).get(q.employee_id);
      const history: WhyView['history'] = [];
      for (let i = -12; i <= 0; i++) {
        const id = shiftPeriod(p, i).id;
        history.push({ period: id, value: values?.get(id) ?? null });
      }
      const events = await listEvents(db, { from: first.start, to: p.end });
      const { people: _people, summary: _summary, ...answer } = full;
      return {
        employee_id: q.employee_id,
        role,
        metric: q.metric,
        period: p.id,
        answer,
        person,
        history,
        promotions: events
          .filter((e) => e.kind === 'promotion' || e.profile === 'promotion')
          .map((e) => ({ ...e, starts_on: isoDay(e.starts_on), ends_on: isoDay(e.ends_on) })),
      };
    },
  };
}
