/**
 * Reading a scope's history (loadScopeHistory): every stored double comes back with the same bits
 * (the values cross as the hex of their 8 bytes), whatever order the rows of each period come in,
 * with gaps, people of another role left out and people without a value listed apart.
 */
import { beforeAll, expect, it } from 'vitest';
import { parsePeriod } from '../../src/history/period.js';
import { loadScopeHistory } from '../../src/kpi/series.js';
import { describeEachBackend } from '../helpers/db.js';

const KEY = { role: 'product_ops', metric: 'order_handling_time', kind: 'quarter' } as const;
const QUARTERS = ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4'];
/** Doubles whose shortest decimal text is long or special. */
const HARD = [0.1 + 0.2, 5e-324, 1.7976931348623157e308, -123.456789012345, 1 / 3, 2 ** 53 + 2, 1e-7, Number.NaN];

/** Person i's value in quarter t, or undefined for a gap. */
function value(i: number, t: number): number | undefined {
  if ((i + t) % 7 === 3) return undefined;
  return i < HARD.length ? HARD[(i + t) % HARD.length]! : i * 1.1 + t / 7;
}

describeEachBackend('loadScopeHistory', (get) => {
  const ids = Array.from({ length: 40 }, (_, i) => `S${String(i).padStart(3, '0')}`);
  beforeAll(async () => {
    const { db } = get();
    await db.query(
      `insert into employees (id, role_id, team, hire_date) select id, 'product_ops', 't', '2024-06-01' from unnest($1::text[]) as x(id)`,
      [[...ids, 'S_NEW']],
    );
    await db.query(`insert into employees (id, role_id, team) values ('OTHER', 'cs_agent', 't')`);
    // each quarter written in its own order (reversed, rotated), so the rows of a period do not come
    // in the previous period's order of people
    for (const [t, q] of QUARTERS.entries()) {
      const order = t % 2 ? ids.slice().reverse() : ids.slice(t * 5).concat(ids.slice(0, t * 5));
      const rows = order.flatMap((id) => {
        const v = value(ids.indexOf(id), t);
        return v === undefined ? [] : [{ id, v }];
      });
      rows.push({ id: 'OTHER', v: 99 });
      await db.query(
        `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source)
         select e, 'order_handling_time', $3, 'quarter', $4, v, 'test' from unnest($1::text[], $2::float8[]) as x(e, v)`,
        [rows.map((r) => r.id), rows.map((r) => r.v), q, parsePeriod(q)!.start],
      );
    }
  });

  it('gives every value back bit for bit, on the grid, with gaps as NaN', async () => {
    const h = (await loadScopeHistory(get().db, KEY, { through: parsePeriod('2026-Q1')! }))!;
    expect(h.grid.periods.map((p) => p.id)).toEqual([...QUARTERS, '2026-Q1']);
    expect(h.people.map((p) => p.id)).toEqual(ids);
    expect(h.withoutHistory).toEqual([{ id: 'S_NEW', hireDate: '2024-06-01' }]);
    let rows = 0;
    for (const [i, p] of h.people.entries()) {
      expect(p.hireDate).toBe('2024-06-01');
      const want = [...QUARTERS.map((_, t) => value(i, t) ?? Number.NaN), Number.NaN];
      for (const [t, v] of want.entries())
        expect(Object.is(p.values[t], v), `${p.id} ${t}: ${p.values[t]} ≠ ${v}`).toBe(true);
      const present = QUARTERS.flatMap((_, t) => (value(i, t) !== undefined ? [t] : []));
      expect([p.first, p.last]).toEqual([present[0], present.at(-1)]);
      rows += present.length;
    }
    expect(h.rows).toBe(rows);
  });

  it("reads a role with few of the metric's people from kpi_history itself, with the same answer", async () => {
    // cs_agent: one person of the 41 with the metric (the role's own rows, not the copy's everyone)
    const h = (await loadScopeHistory(get().db, { ...KEY, role: 'cs_agent' }))!;
    expect(h.grid.periods.map((p) => p.id)).toEqual(QUARTERS);
    expect(h.people.map((p) => [p.id, [...p.values], p.first, p.last])).toEqual([['OTHER', [99, 99, 99, 99], 0, 3]]);
    expect(h.rows).toBe(4);
  });

  it('keeps only the periods before `before`', async () => {
    const h = (await loadScopeHistory(get().db, KEY, { before: parsePeriod('2025-Q3')!.start }))!;
    expect(h.grid.periods.map((p) => p.id)).toEqual(['2025-Q1', '2025-Q2']);
    expect(Object.is(h.people[0]!.values[0], value(0, 0))).toBe(true);
  });
});
