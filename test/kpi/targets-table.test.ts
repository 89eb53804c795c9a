/**
 * The table the target desk reads (src/kpi/targets-table.ts), in memory and stored one row a person
 * (src/kpi/desk-store.ts, migration 022, both backends): whatever the people, the rows a query keeps,
 * in its order, equal those of sorting the whole answer (missing values last in either direction,
 * ties by employee id), each row reads back as the JSON of the person stored, and a page of the
 * stored table is that order cut with its total.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lookupTable, storeTable, tablePage, tableRows } from '../../src/kpi/desk-store.js';
import type { PersonTarget, TargetsAnswer } from '../../src/kpi/target-lines.js';
import {
  buildTable,
  problemTable,
  TABLE_FLAGS,
  TABLE_SORTS,
  type TableQuery,
  TargetTable,
} from '../../src/kpi/targets-table.js';
import { describeEachBackend } from '../helpers/db.js';

const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);

const person = (id: string) =>
  fc
    .record({
      target: fc.integer({ min: -3, max: 3 }),
      suggested: fc.double({ min: -1e3, max: 1e3, noNaN: true }),
      floor: fc.integer({ min: -3, max: 3 }),
      actual: value,
      lo: fc.double({ min: -10, max: 10, noNaN: true }),
      width: fc.integer({ min: 0, max: 3 }),
      cold: fc.boolean(),
      below: fc.oneof(fc.constant(null), fc.boolean()),
      override: fc.boolean(),
      reason: fc.string(),
    })
    .map(
      (r): PersonTarget => ({
        employee_id: id,
        cold_start: r.cold,
        floor: r.floor,
        baseline: r.target,
        target: r.target,
        stretch: r.target + 1,
        suggested_target: r.suggested,
        override: r.override
          ? {
              value: r.target,
              reason: `${r.reason}\n"quoted"`,
              level: 'person',
              set_by: null,
              set_at: new Date(Date.UTC(2026, 0, 1)),
            }
          : null,
        interval80: [r.lo, r.lo + r.width],
        interval95: [r.lo - 1, r.lo + r.width + 1],
        quantiles: { P10: r.lo, P90: r.lo + r.width },
        drivers: { level: 1, trend: 0, seasonality: 0, promotion: 0, other: 0 },
        actual: r.actual,
        attainment: r.actual === null ? null : r.actual / 2,
        percentile: null,
        below_floor: r.below,
      }),
    );

const people = fc
  .uniqueArray(fc.stringMatching(/^[A-Ea-e0-9_%]{1,4}$/), { maxLength: 40 })
  .chain((ids) => fc.tuple(...ids.map(person)));

function answerOf(ps: PersonTarget[]): TargetsAnswer {
  return {
    role: 'r',
    metric: 'm',
    period: '2026-Q4',
    period_kind: 'quarter',
    direction: 'higher',
    indicator_group: 'sales',
    unit: 'CNY',
    model_version: 'v',
    data_through: '2026-Q3',
    periods_ahead: 1,
    promotion_period: false,
    quantiles_used: { floor: 'P10', baseline: 'P50', target: 'P70', stretch: 'P90' },
    coverage: { nominal80: 0.8, measured80: 0.8, nominal95: 0.95, measured95: 0.95 },
    summary: {
      people: ps.length,
      cold_start: 0,
      with_actual: 0,
      below_floor: 0,
      overridden: 0,
      median: { floor: null, baseline: null, target: null, stretch: null },
    },
    people: ps,
  };
}

/** The desk's order before the table (the whole answer filtered and sorted in memory). */
function reference(ps: PersonTarget[], q: TableQuery): PersonTarget[] {
  const needle = q.search?.trim().toLowerCase();
  const kept = ps.filter(
    (p) =>
      (!needle || p.employee_id.toLowerCase().includes(needle)) &&
      (!q.flag ||
        (q.flag === 'below_floor' && p.below_floor === true) ||
        (q.flag === 'cold_start' && p.cold_start) ||
        (q.flag === 'overridden' && p.override !== null)),
  );
  const key = (p: PersonTarget): number | null =>
    ({
      employee: null,
      target: p.target,
      suggested: p.suggested_target,
      floor: p.floor,
      actual: p.actual,
      attainment: p.attainment,
      width: p.interval80[1] - p.interval80[0],
    })[q.sort];
  const sign = q.dir === 'desc' ? -1 : 1;
  const byId = (a: PersonTarget, b: PersonTarget) =>
    a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0;
  if (q.sort === 'employee') return kept.sort((a, b) => sign * byId(a, b));
  return kept.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x === null || y === null) return x === y ? byId(a, b) : x === null ? 1 : -1;
    return sign * (x - y) || byId(a, b);
  });
}

const query = fc.record({
  sort: fc.constantFrom(...TABLE_SORTS),
  dir: fc.constantFrom('asc' as const, 'desc' as const),
  flag: fc.option(fc.constantFrom(...TABLE_FLAGS), { nil: undefined }),
  search: fc.option(fc.stringMatching(/^ ?[a-e0-9_%]{0,2} ?$/), { nil: undefined }),
});

describe('the targets table of the desk', () => {
  it('keeps and orders the rows as sorting the whole answer does, and reads each row back as stored', () => {
    fc.assert(
      fc.property(people, query, (ps, q) => {
        const closed = { role: 'r', version: 2, closed_by: 'k', closed_at: '2026-12-01T00:00:00.000Z' };
        const table = TargetTable.of(buildTable(answerOf(ps), closed));
        const got = table.select(q).map((i) => table.row(i));
        // rows come back as the API's JSON has them (dates as ISO text, -0 as 0)
        expect(got).toEqual(JSON.parse(JSON.stringify(reference(ps, q))));
        expect(table.size).toBe(ps.length);
        expect(table.head.closed).toEqual(closed);
        const { people: _people, ...head } = answerOf(ps);
        expect(table.head.answer).toEqual(head);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a problem as the head, with no rows', () => {
    const table = TargetTable.of(problemTable({ code: 'no_model', reason: 'none' }, null));
    expect(table.head).toEqual({ answer: null, closed: null, problem: { code: 'no_model', reason: 'none' } });
    expect(table.select({ sort: 'target', dir: 'asc' })).toEqual([]);
  });
});

describeEachBackend('the targets table of the desk, stored', (get) => {
  it('pages, sorts, searches and filters in SQL as the whole answer sorted in memory', async () => {
    const { db } = get();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(people, fc.array(query, { minLength: 1, maxLength: 4 }), async (ps, qs) => {
        const key = `t${n++}`;
        const ref = await lookupTable(db, key);
        expect(ref.gen).toBeNull();
        const built = buildTable(answerOf(ps), null);
        const gen = await storeTable(db, key, ref.current, built);
        expect(gen).not.toBeNull();
        const again = await lookupTable(db, key);
        expect(again).toMatchObject({ gen, version: ref.current, current: ref.current, size: ps.length });
        expect(JSON.parse(again.head!)).toEqual(built.head);
        for (const q of qs) {
          const want = JSON.parse(JSON.stringify(reference([...ps], q))) as PersonTarget[];
          const all = (await tableRows(db, gen!, q))!.map((r) => JSON.parse(r));
          expect(all).toEqual(want);
          const page = (await tablePage(db, gen!, q, { limit: 7, offset: 7 }))!;
          expect(page.total).toBe(want.length);
          expect(page.rows.map((r) => JSON.parse(r))).toEqual(want.slice(7, 14));
          // past the end: no rows, the total still
          expect(await tablePage(db, gen!, q, { limit: 7, offset: 100 })).toEqual({ total: want.length, rows: [] });
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("stores a key's table once per data version, replaces it at a newer version and drops the tables of other versions", async () => {
    const { db } = get();
    const ps = fc.sample(people, { numRuns: 1, seed: 7 })[0]!;
    const { current } = await lookupTable(db, 'x');
    const first = await storeTable(db, 'x', current, buildTable(answerOf(ps), null));
    const other = await storeTable(db, 'y', current, buildTable(answerOf(ps.slice(1)), null));
    expect(first).not.toBeNull();
    expect(other).not.toBeNull();
    // the same key at the same version again (a second request, another process): nothing written
    expect(await storeTable(db, 'x', current, buildTable(answerOf(ps), null))).toBeNull();
    expect((await lookupTable(db, 'x')).gen).toBe(first);
    // a table built before a write is not stored: it would never be served
    expect(await storeTable(db, 'z', 'older:0', buildTable(answerOf(ps), null))).toBeNull();
    expect((await lookupTable(db, 'z')).gen).toBeNull();
    // a write (any table the targets read): the next store replaces the key's table and drops the others
    await db.query(
      `insert into metrics (id, name, direction, indicator_group, unit) values ('desk_store_probe', 'p', 'higher', 'sales', 'n')`,
    );
    const next = (await lookupTable(db, 'x')).current;
    expect(next).not.toBe(current);
    const second = await storeTable(db, 'x', next, buildTable(answerOf(ps), null));
    expect(second).toBeGreaterThan(first!);
    expect(await tablePage(db, first!, { sort: 'employee', dir: 'asc' }, { limit: 5, offset: 0 })).toBeNull();
    expect(await tableRows(db, other!, { sort: 'employee', dir: 'asc' })).toBeNull();
    expect((await lookupTable(db, 'y')).gen).toBeNull();
    expect((await lookupTable(db, 'x')).gen).toBe(second);
    const rows = (await tableRows(db, second!, { sort: 'employee', dir: 'asc' }))!.map((r) => JSON.parse(r));
    expect(rows).toEqual(JSON.parse(JSON.stringify(reference([...ps], { sort: 'employee', dir: 'asc' }))));
  });
});
