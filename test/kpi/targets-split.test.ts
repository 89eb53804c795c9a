/**
 * A large role's forecast set computed with its history read in two parts (the first part forecast on
 * the helper thread while the rest is read: src/kpi/targets.ts `forecastSplit`) is the set of one read,
 * to the bit and in the same order — for the period after the data and for a past period (whose people
 * with a first value after the origin are cold starts), with gaps, new hires without any value and one
 * hired after the period. A part that does not fit the frame read before it (a write since) is refused.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forecastThreadReady, packForecasts, stopForecastThread } from '../../src/baselines/parallel.js';
import { parsePeriod, shiftPeriod } from '../../src/history/period.js';
import { readScopePart, scopeFrame } from '../../src/kpi/series.js';
import { encodeSet } from '../../src/kpi/target-lines.js';
import { type Forecaster, forecastSet } from '../../src/kpi/targets.js';
import { trainScope } from '../../src/kpi/train.js';
import { describeEachBackend } from '../helpers/db.js';

const KEY = { role: 'product_ops', metric: 'order_handling_time', kind: 'quarter' } as const;
const QUARTERS = Array.from({ length: 8 }, (_, i) => shiftPeriod(parsePeriod('2024-Q1')!, i));
const NEXT = shiftPeriod(QUARTERS.at(-1)!, 1);
/** more than the split's minimum (2,000 people) */
const PEOPLE = 2300;

/** One read, then everything on this thread: the reference. */
const oneRead: Forecaster = async (model, series, h) => packForecasts(model, series, h);

describeEachBackend('a large role read in two parts', (get) => {
  beforeAll(async () => {
    const { db } = get();
    const ids = Array.from({ length: PEOPLE }, (_, i) => `P${String(i).padStart(5, '0')}`);
    // hire dates vary (tenure), a few unknown; P00003 is hired after NEXT and has no value
    const hire = (i: number) => (i === 3 ? '2027-01-01' : i % 97 === 0 ? null : `20${18 + (i % 6)}-0${1 + (i % 9)}-01`);
    await db.query(
      `insert into employees (id, role_id, team, hire_date) select id, 'product_ops', 't', h::date from unnest($1::text[], $2::text[]) as x(id, h)`,
      [ids, ids.map((_, i) => hire(i))],
    );
    const e: string[] = [];
    const p: string[] = [];
    const s: string[] = [];
    const v: number[] = [];
    ids.forEach((id, i) => {
      if (i % 40 === 3) return; // new hires: no value at all
      // a few people start late: in the last quarter only (a cold start for a past period before it)
      const from = i % 53 === 0 ? QUARTERS.length - 1 : i % 11 === 0 ? 3 : 0;
      QUARTERS.forEach((q, t) => {
        if (t < from || (t < QUARTERS.length - 2 && (i * 7 + t) % 29 === 0)) return;
        e.push(id);
        p.push(q.id);
        s.push(q.start);
        v.push(10 + (i % 13) + 0.3 * t + (q.index === 4 ? 2.5 : 0) + ((i * 31 + t * 17) % 10) / 7);
      });
    });
    await db.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) select e, 'order_handling_time', p, 'quarter', s, v from unnest($1::text[], $2::text[], $3::date[], $4::float8[]) as t(e, p, s, v)`,
      [e, p, s, v],
    );
    await trainScope(db, KEY, { network: false });
    expect(await forecastThreadReady()).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await stopForecastThread();
  });

  for (const period of [NEXT, QUARTERS.at(-1)!]) {
    it(`gives the set of one read for ${period.id}`, async () => {
      const { db } = get();
      await db.query('delete from baseline_forecast_cache');
      const split = await forecastSet(db, KEY, period);
      expect(split.cached).toBe(false);
      await db.query('delete from baseline_forecast_cache');
      const one = await forecastSet(db, KEY, period, undefined, oneRead);
      expect(one.cached).toBe(false);
      expect(split.set.ids.length).toBeGreaterThan(2000);
      expect(split.set.ids).not.toContain('P00003');
      expect(split.set.cold.some((c) => c === 1)).toBe(true);
      expect(encodeSet(split.set)).toBe(encodeSet(one.set));
    });
  }

  it('refuses a part with a period the frame does not know (a write since it was read)', async () => {
    const { db } = get();
    const frame = (await scopeFrame(db, KEY))!;
    expect(frame.grid.periods.at(-1)!.id).toBe(QUARTERS.at(-1)!.id);
    const part = (await readScopePart(db, frame, 0, 100))!;
    expect(part.people.map((p) => p.id)).toEqual(
      frame.staff
        .slice(0, 100)
        .map((s) => s.id)
        .filter((id) => part.people.some((p) => p.id === id)),
    );
    expect(part.people.length + part.withoutHistory.length).toBe(100);
    await db.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) values ('P00001', 'order_handling_time', $1, 'quarter', $2, 12)`,
      [NEXT.id, NEXT.start],
    );
    try {
      expect(await readScopePart(db, frame, 0, 100)).toBeNull();
      expect(await readScopePart(db, frame, 100, PEOPLE)).not.toBeNull(); // P00001 is not in this part
    } finally {
      await db.query(`delete from kpi_history where employee_id = 'P00001' and period = $1`, [NEXT.id]);
    }
  });
});
