/**
 * The role both target benchmarks load (bench/targets.ts, bench/console-desk.ts): N people of
 * product_ops (default 10,000), quarterly order handling time over 12 quarters from 2023-Q4, 2 % new
 * hires without history, 1 % reporting gaps (none in the last two quarters: everyone counts), the
 * default promotion calendar; the same people and values for the same N on every run.
 */
import type { Db } from '../src/db/types.js';
import { defaultPromotionCalendar } from '../src/demo/index.js';
import { parsePeriod, shiftPeriod } from '../src/history/period.js';
import { seedEvents } from '../src/kpi/calendar.js';
import { mulberry32 } from '../src/lib/maths.js';
import type { ScopeKey } from '../src/kpi/series.js';

export const KEY: ScopeKey = { role: 'product_ops', metric: 'order_handling_time', kind: 'quarter' };
export const QUARTERS = Array.from({ length: 12 }, (_, i) => shiftPeriod(parsePeriod('2023-Q4')!, i));
/** The quarter after the data: the one HR asks targets for. */
export const NEXT = shiftPeriod(QUARTERS.at(-1)!, 1);

/** Loads the role into `db`; answers the employee ids. */
export async function seedRole(db: Db, people: number): Promise<string[]> {
  const r = mulberry32(5);
  const ids = Array.from({ length: people }, (_, i) => `B${String(i).padStart(6, '0')}`);
  await db.query(
    `insert into employees (id, role_id, team, hire_date) select id, 'product_ops', 'bench', '2020-01-01' from unnest($1::text[]) as t(id)`,
    [ids],
  );
  await seedEvents(db, defaultPromotionCalendar(2023, 2027));
  const e: string[] = [];
  const p: string[] = [];
  const s: string[] = [];
  const v: number[] = [];
  ids.forEach((id, i) => {
    if (i % 50 === 0) return; // new hires: no history yet
    const level = 12 + 10 * r();
    const trend = -0.02 + 0.03 * r();
    QUARTERS.forEach((q, t) => {
      if (t < QUARTERS.length - 2 && r() < 0.01) return;
      const season = q.index === 4 ? 1.4 : q.index === 2 ? 1.15 : 1;
      e.push(id);
      p.push(q.id);
      s.push(q.start);
      v.push(level * Math.exp(trend * t) * season * (1 + 0.08 * (r() - 0.5)));
    });
  });
  await db.query(
    `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source) select e, $5, p, 'quarter', s, v, 'bench' from unnest($1::text[], $2::text[], $3::date[], $4::float8[]) as t(e, p, s, v)`,
    [e, p, s, v, KEY.metric],
  );
  return ids;
}
