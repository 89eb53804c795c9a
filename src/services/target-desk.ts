/**
 * The console's target desk (src/web/pages/targets.ts): one role, metric and period of the role's
 * cycle; everyone's lines from the same service the API answers with (targets.roleTargets: a closed
 * period from its snapshot, marked with who closed it and when), kept as one stored table per role,
 * period and metric (src/kpi/targets-table.ts; one row a person with the sort keys as columns, stored
 * with the data version by src/kpi/desk-store.ts, migration 022) so that a desk request filters, sorts
 * and pages in SQL and reads only its page's rows
 * (10,000 people per role); each person of the page with the last four recorded values; the same
 * table as CSV (UTF-8 with BOM) or XLSX; and "why this number" for one person (targets.personTargets):
 * history, the forecast's quantiles, drivers and the period's promotions.
 */
import { getCycle } from '../appraisal/cycles-store.js';
import type { Db } from '../db/types.js';
import { listMetrics, listRoles, type RoleRow } from '../history/catalogue-store.js';
import { parsePeriod, type Period, type PeriodKind, shiftPeriod } from '../history/period.js';
import { BadRequestError, DomainError, NotFoundError } from '../lib/errors.js';
import { type CellInput, type ExportFile, toCsv, toXlsx, XLSX_TYPE } from '../lib/spreadsheet.js';
import { type CalendarEvent, listEvents } from '../kpi/calendar.js';
import { lookupTable, storeTable, tablePage, tableRows, valuesBetween } from '../kpi/desk-store.js';
import { activeScopes } from '../kpi/models.js';
import {
  type PersonTarget,
  parseTargetPeriod,
  type StoreLater,
  TargetError,
  type TargetsAnswer,
} from '../kpi/targets.js';
import {
  type BuiltTable,
  buildTable,
  problemTable,
  TABLE_FLAGS,
  TABLE_SORTS,
  type TableClosed,
  type TableFlag,
  type TableHead,
  type TableQuery,
  type TableSort,
  TargetTable,
} from '../kpi/targets-table.js';
import { lastPeriodWithData, roleOfEmployee } from '../kpi/targets-store.js';
import { createLaterStores, type LaterStores } from './later-stores.js';
import { compactChanges } from './results-store.js';
import type { TargetService } from './targets.js';

export const DESK_SORTS = TABLE_SORTS;
export type DeskSort = TableSort;
export const DESK_FLAGS = TABLE_FLAGS;
export type DeskFlag = TableFlag;

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
  /** metrics with an active model at the role's cycle, with their catalogue names */
  metrics: { id: string; name: string }[];
  metric: string | null;
  /** the answer's description (null when none could be computed: `problem` says why) */
  answer: Omit<TargetsAnswer, 'people'> | null;
  problem: { code: string; reason: string } | null;
  /** the snapshot's mark when the period is closed for the role (who closed it, when) */
  closed: TableClosed | null;
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
  closed: TableClosed | null;
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
  /** Resolves once the tables built so far and their forecast sets are stored (or failed); never rejects. */
  settled(): Promise<void>;
  /** Waits for the stores in flight and starts no more (the process is closing: the database goes next). */
  close(): Promise<void>;
}

export const EXPORT_HEADER = [
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

/** A table of the desk: its head, and its rows queried (in SQL when stored, in memory when just built). */
interface DeskTable {
  head: TableHead;
  page(q: TableQuery, page: { limit: number; offset: number }): Promise<{ total: number; rows: PersonTarget[] }>;
  all(q: TableQuery): Promise<PersonTarget[]>;
  /** The request is done with the database: a table it built may be stored now. */
  done(): void;
}

/** A table being built (then stored) by this process at a data version. */
interface Building {
  version: string;
  built: Promise<BuiltTable>;
  /** the forecast sets its build computed, cached once the request has answered */
  forecasts: ReturnType<LaterStores['collect']>;
  /** resolved by `answer()`: the request that started the build no longer reads the database */
  answered: Promise<void>;
  answer: () => void;
}

const tableQuery = (q: TableQuery): TableQuery => ({ search: q.search, flag: q.flag, sort: q.sort, dir: q.dir });

/** A date column as `YYYY-MM-DD` (drivers may hand back a Date for a `date`). */
const isoDay = (d: string | Date): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export function createTargetDeskService(deps: {
  db: Db;
  targets: Pick<TargetService, 'roleTargets' | 'personTargets'>;
  /** Where the forecast sets a build computes are cached after the answer (the targets service's). */
  later?: LaterStores;
  /** Told of a failure after the answer was sent (a table's store); the answer itself was right. */
  onError?: ((err: unknown, what: string) => void) | undefined;
}): TargetDeskService {
  const { db, targets } = deps;
  const later = deps.later ?? createLaterStores(deps.onError);

  async function frame(q: Pick<DeskQuery, 'role' | 'metric' | 'period'>) {
    const roles = await listRoles(db);
    if (roles.length === 0) throw new NotFoundError('roles (load employees first)');
    const role = q.role ? roles.find((r) => r.id === q.role) : roles[0];
    if (!role) throw new NotFoundError(`role ${q.role}`);
    // the period pickers follow the role's tracked cycle (targets and ratings follow it; src/appraisal)
    const kind = (await getCycle(db, role.id)).tracked;
    const scopes = await activeScopes(db, { role: role.id, kind });
    const names = new Map((await listMetrics(db)).map((m) => [m.id, m.name]));
    const metrics = scopes.map((s) => ({ id: s.metric, name: names.get(s.metric) ?? s.metric }));
    const ids = metrics.map((m) => m.id);
    const metric = q.metric && ids.includes(q.metric) ? q.metric : (ids[0] ?? null);
    if (q.metric && !ids.includes(q.metric))
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

  /**
   * Tables being built or stored by this process, by key, with the data version read before the
   * build: a request of the same key at the same version is answered from it (no second build, never
   * a table half stored); one at another version (a write since) builds its own. `answered` resolves
   * when the request that started the build is done with the database (its store waits for that).
   */
  const building = new Map<string, Building>();
  /**
   * Stores this process has finished, by key: a lookup whose answer comes back after a store of its key
   * finished (and the build left `building`) may have found no table, so it looks again rather than
   * building a second one.
   */
  const storesDone = new Map<string, number>();
  /** Stores running after their answer was sent; `close` waits for them. */
  const storing = new Set<Promise<void>>();
  let closed = false;

  /**
   * Stores a table built at `entry.version` once its request has answered (one transaction, nothing
   * when a newer write or another store came first: src/kpi/desk-store.ts), then lets the key's
   * requests read it in SQL. Never rejects: a failed store is reported and a later request builds again.
   */
  function storeLater(key: string, entry: Building, built: BuiltTable): void {
    const run = async () => {
      try {
        await entry.answered;
        // the forecast sets first (they run on the next turn, as this store does, and before it)
        entry.forecasts.start();
        // the route renders and sends first; on PGlite (one connection) the store then holds the database
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!closed && !(await compactChanges(db))) await storeTable(db, key, entry.version, built);
      } catch (err) {
        // two processes storing at once (a deadlock, the key taken): the other's table is served
        const code = (err as { code?: unknown }).code;
        if (code !== '40P01' && code !== '23505') deps.onError?.(err, 'target desk: storing a built table failed');
      } finally {
        storesDone.set(key, (storesDone.get(key) ?? 0) + 1);
        if (building.get(key) === entry) building.delete(key);
      }
    };
    const done: Promise<void> = run().finally(() => storing.delete(done));
    storing.add(done);
  }

  /**
   * The table of a role, period and metric: computed by the same service call as `/v1/targets` (a
   * closed period answers from its snapshot) with the data version read before computing it, and
   * stored one row a person with that version (src/kpi/desk-store.ts, migration 022) after the
   * request that built it has answered, so every later request reads it until a write changes the
   * data. A stored table is queried in SQL; one just built (or being stored) in memory. The caller
   * calls `done()` when it has read what it needs.
   */
  async function tableOf(role: string, period: string, metric: string): Promise<DeskTable> {
    const key = JSON.stringify(['targets-table', role, period, metric]);
    const seen = storesDone.get(key) ?? 0;
    const ref = await lookupTable(db, key);
    if (ref.gen !== null && ref.version === ref.current && ref.head !== null) {
      const gen = ref.gen;
      const parse = (rows: string[]) => rows.map((r) => JSON.parse(r) as PersonTarget);
      return {
        head: JSON.parse(ref.head) as TableHead,
        async page(q, page) {
          const got = await tablePage(db, gen, q, page);
          // replaced by a newer build since the lookup: read that one
          if (got === null) return readAgain(role, period, metric, (t) => t.page(q, page));
          return { total: got.total, rows: parse(got.rows) };
        },
        async all(q) {
          const got = await tableRows(db, gen, q);
          if (got === null) return readAgain(role, period, metric, (t) => t.all(q));
          return parse(got);
        },
        done() {},
      };
    }
    let entry = building.get(key);
    // a store of this key finished while the lookup ran: its table may be the current one
    if (entry?.version !== ref.current && (storesDone.get(key) ?? 0) !== seen) return tableOf(role, period, metric);
    if (entry?.version !== ref.current) {
      let answer = () => {};
      const answered = new Promise<void>((resolve) => {
        answer = resolve;
      });
      const forecasts = later.collect();
      const e: Building = {
        version: ref.current,
        built: build(role, period, metric, forecasts.storeLater),
        forecasts,
        answered,
        answer,
      };
      building.set(key, e);
      e.built.then(
        (t) => storeLater(key, e, t),
        () => {
          forecasts.start();
          if (building.get(key) === e) building.delete(key);
        },
      );
      entry = e;
    }
    const mine = entry;
    const table = TargetTable.of(await mine.built);
    return {
      head: table.head,
      async page(q, page) {
        const kept = table.select(q);
        return { total: kept.length, rows: kept.slice(page.offset, page.offset + page.limit).map((i) => table.row(i)) };
      },
      all: async (q) => table.select(q).map((i) => table.row(i)),
      done: () => mine.answer(),
    };
  }

  /** A read of the key's current table, released when read. */
  async function readAgain<T>(role: string, period: string, metric: string, read: (t: DeskTable) => Promise<T>) {
    const t = await tableOf(role, period, metric);
    try {
      return await read(t);
    } finally {
      t.done();
    }
  }

  async function build(role: string, period: string, metric: string, storeLater: StoreLater): Promise<BuiltTable> {
    try {
      const r = await targets.roleTargets(
        {
          role,
          period,
          metric,
          belowFloorOnly: false,
          limit: Number.MAX_SAFE_INTEGER,
          offset: 0,
        },
        { storeLater },
      );
      const closed = r.closed ?? null;
      const answer = r.metrics.find((m) => m.metric === metric);
      if (answer) return buildTable(answer, closed);
      const why = r.unavailable.find((u) => u.metric === metric);
      return problemTable(
        { code: why?.code ?? 'no_targets', reason: why?.reason ?? `no targets of ${metric} for ${role} in ${period}` },
        closed,
      );
    } catch (err) {
      // the problems a desk shows (no model, horizon, a problem frozen by a close); not a missing role
      if (err instanceof DomainError && !(err instanceof NotFoundError))
        return problemTable({ code: err.code, reason: err.message }, null);
      throw err;
    }
  }

  async function exportRows(q: Omit<DeskQuery, 'limit' | 'offset'>) {
    const f = await frame(q);
    if (!f.metric || !f.period) throw new TargetError('no_model', `no active ${f.kind}ly model for role ${f.role.id}`);
    const table = await tableOf(f.role.id, f.period, f.metric);
    let people: PersonTarget[];
    try {
      people = await table.all(tableQuery(q));
    } finally {
      table.done();
    }
    const { answer, problem } = table.head;
    if (!answer) throw new TargetError(problem.code, problem.reason);
    const rows: CellInput[][] = people.map((p) => {
      return [
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
      ];
    });
    return { answer, rows };
  }

  async function settled(): Promise<void> {
    // a build finishing meanwhile starts its store: wait until none is left
    while (building.size > 0 || storing.size > 0) {
      await Promise.allSettled([...building.values()].map((e) => e.built));
      await Promise.allSettled([...storing]);
    }
    // the forecast sets the builds computed (started before their table's store)
    await later.settled();
  }

  return {
    settled,
    async close() {
      closed = true;
      // no store starts now: the builds' requests need not have answered
      for (const e of building.values()) e.answer();
      await settled();
    },

    async desk(q) {
      const f = await frame(q);
      const base = { ...f, period: f.period ?? '', answer: null, closed: null, total: 0, rows: [] as DeskRow[] };
      if (!f.metric || !f.period)
        return { ...base, problem: { code: 'no_model', reason: `no active ${f.kind}ly model for role ${f.role.id}` } };
      const key = { role: f.role.id, metric: f.metric, kind: f.kind };
      const table = await tableOf(f.role.id, f.period, f.metric);
      try {
        const head = table.head;
        if (!head.answer) return { ...base, closed: head.closed, problem: head.problem };
        const { total, rows: pageOf } = await table.page(tableQuery(q), { limit: q.limit, offset: q.offset });
        const p = parseTargetPeriod(f.period);
        const values = await valuesBetween(
          db,
          key,
          shiftPeriod(p, -4),
          shiftPeriod(p, -1),
          pageOf.map((x) => x.employee_id),
        );
        const recentIds = [1, 2, 3, 4].map((i) => shiftPeriod(p, i - 5).id);
        const rows = pageOf.map((x) => ({
          ...x,
          recent: recentIds.map((id) => ({ period: id, value: values.get(x.employee_id)?.get(id) ?? null })),
        }));
        return { ...base, answer: head.answer, closed: head.closed, problem: null, total, rows };
      } finally {
        table.done();
      }
    },

    async export(q, format) {
      const { answer, rows } = await exportRows(q);
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
      // the same read as GET /v1/targets/employees/:id (a closed period from its snapshot)
      const got = await targets.personTargets(q.employee_id, { period: p.id, metric: q.metric });
      const found = got.metrics.find((m) => m.metric === q.metric);
      if (!found?.person) throw new NotFoundError(`a target of ${q.employee_id} for ${q.metric} in ${p.id}`);
      const { person, note: _note, ...answer } = found;
      const key = { role, metric: q.metric, kind: p.kind };
      const first = shiftPeriod(p, -12);
      const values = (await valuesBetween(db, key, first, p, [q.employee_id])).get(q.employee_id);
      const history: WhyView['history'] = [];
      for (let i = -12; i <= 0; i++) {
        const id = shiftPeriod(p, i).id;
        history.push({ period: id, value: values?.get(id) ?? null });
      }
      const events = await listEvents(db, { from: first.start, to: p.end });
      return {
        employee_id: q.employee_id,
        role,
        metric: q.metric,
        period: p.id,
        answer,
        person,
        closed: got.closed ?? null,
        history,
        promotions: events
          .filter((e) => e.kind === 'promotion' || e.profile === 'promotion')
          .map((e) => ({ ...e, starts_on: isoDay(e.starts_on), ends_on: isoDay(e.ends_on) })),
      };
    },
  };
}
