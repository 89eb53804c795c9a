/**
 * Calibration through the service: people simulated with person-level levels, trends, a yearly
 * season and noise; the model is trained on 36 months, then six more months arrive and the
 * targets of each (forecast from the history before it) are checked against what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../src/baselines/network.js';
import type { Db } from '../../src/db/types.js';
import { parsePeriod, shiftPeriod } from '../../src/history/period.js';
import { scopeTargets } from '../../src/kpi/targets.js';
import { refreshStatistics, trainScope } from '../../src/kpi/train.js';
import { openTestDb, type TestDb } from '../helpers/db.js';

const PEOPLE = 300;
const TRAIN = 36;
const HELD_OUT = 6;
const first = parsePeriod('2023-01')!;
const months = Array.from({ length: TRAIN + HELD_OUT }, (_, i) => shiftPeriod(first, i));

function simulate(): number[][] {
  const r = rng(11);
  const g = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: PEOPLE }, () => {
    const level = 50_000 * Math.exp(0.5 * g());
    const growth = 0.004 + 0.006 * g();
    const sigma = 0.04 + 0.08 * r();
    const amp = 0.15 * r();
    let ar = 0;
    return months.map((p, t) => {
      ar = 0.4 * ar + sigma * g();
      return level * Math.exp(growth * t + ar) * (1 + amp * Math.sin((2 * Math.PI * (p.index - 3)) / 12));
    });
  });
}

async function insert(db: Db, values: number[][], from: number, to: number): Promise<void> {
  const e: string[] = [],
    per: string[] = [],
    start: string[] = [],
    v: number[] = [];
  values.forEach((row, i) => {
    for (let t = from; t < to; t++) {
      e.push(`S${String(i).padStart(4, '0')}`);
      per.push(months[t]!.id);
      start.push(months[t]!.start);
      v.push(row[t]!);
    }
  });
  await db.query(
    `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) select e, 'gmv', p, 'month', s, v from unnest($1::text[], $2::text[], $3::date[], $4::float8[]) as t(e, p, s, v)`,
    [e, per, start, v],
  );
}

// storage plays no part in the arithmetic: PGlite only
describe('calibration of the served intervals on held-out periods', () => {
  const values = simulate();
  let t: TestDb;
  const get = () => t;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    const { db } = t;
    const ids = values.map((_, i) => `S${String(i).padStart(4, '0')}`);
    await db.query(
      `insert into employees (id, role_id, hire_date) select id, 'sales_ops', '2020-01-01' from unnest($1::text[]) as t(id)`,
      [ids],
    );
    await insert(db, values, 0, TRAIN);
    await refreshStatistics(db);
    await trainScope(db, { role: 'sales_ops', metric: 'gmv', kind: 'month' }, { network: false });
    await insert(db, values, TRAIN, TRAIN + HELD_OUT);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the 80 % and 95 % intervals hold 80 % and 95 % of held-out outcomes (±3 points)', async () => {
    let in80 = 0,
      in95 = 0,
      n = 0;
    let measured = 0;
    for (let t = TRAIN; t < TRAIN + HELD_OUT; t++) {
      const a = await scopeTargets(get().db, { role: 'sales_ops', metric: 'gmv', kind: 'month' }, months[t]!);
      measured = a.coverage.measured80 ?? Number.NaN;
      for (const p of a.people) {
        if (p.actual === null) continue;
        n++;
        if (p.actual >= p.interval80[0] && p.actual <= p.interval80[1]) in80++;
        if (p.actual >= p.interval95[0] && p.actual <= p.interval95[1]) in95++;
      }
    }
    expect(n).toBe(PEOPLE * HELD_OUT);
    console.log({ coverage80: in80 / n, coverage95: in95 / n, measured80: measured });
    expect(Math.abs(in80 / n - 0.8)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(in95 / n - 0.95)).toBeLessThanOrEqual(0.03);
  });
});
