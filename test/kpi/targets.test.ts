import { beforeAll, expect, it } from 'vitest';
import { parsePeriod, shiftPeriod } from '../../src/history/period.js';
import { upsertEvent } from '../../src/kpi/calendar.js';
import { clearOverride, listAudit, setOverride } from '../../src/kpi/overrides.js';
import { forecastSet, scopeTargets, TargetError, type TargetsAnswer } from '../../src/kpi/targets.js';
import { trainScope } from '../../src/kpi/train.js';
import { listVersions } from '../../src/registry/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from './helpers.js';

const P = (id: string) => parsePeriod(id)!;
const OHT = { role: 'product_ops', metric: 'order_handling_time', kind: 'quarter' } as const;
const CSAT = { role: 'cs_agent', metric: 'csat', kind: 'month' } as const;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof TargetError ? err.code : ((err as { code?: string }).code ?? String(err));
  }
}

function checkOrdered(a: TargetsAnswer): void {
  for (const p of a.people) {
    const q = Object.values(p.quantiles);
    for (let i = 1; i < q.length; i++) expect(q[i]!).toBeGreaterThanOrEqual(q[i - 1]! - 1e-9);
    const [lo, mid, hi] =
      a.direction === 'higher' ? [p.floor, p.baseline, p.stretch] : [p.stretch, p.baseline, p.floor];
    expect(lo).toBeLessThanOrEqual(mid + 1e-9);
    expect(mid).toBeLessThanOrEqual(hi + 1e-9);
    expect(
      a.direction === 'higher' ? p.suggested_target >= p.baseline - 1e-9 : p.suggested_target <= p.baseline + 1e-9,
    ).toBe(true);
  }
}

describeEachBackend('baseline targets and warning lines', (get, backend) => {
  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db);
    // a new hire without history, and one with two months only: both cold starts
    await db.query(
      `insert into employees (id, role_id, team, hire_date) values ('NEW1', 'cs_agent', 't', '2026-10-20'), ('NEW2', 'cs_agent', 't', '2026-08-25')`,
    );
    await db.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) values ('NEW2', 'csat', '2026-09', 'month', '2026-09-01', 0.8), ('NEW2', 'csat', '2026-10', 'month', '2026-10-01', 0.84)`,
    );
    for (const key of [OHT, CSAT]) await trainScope(db, key, { network: false });
  });

  it('registers one version per scope and data, the first promoted; retraining the same data changes nothing', async () => {
    const { db } = get();
    const again = await trainScope(db, OHT, { network: false });
    expect(again.promoted).toBe(true);
    const versions = await listVersions(db, { kind: 'baseline', scope: 'product_ops:order_handling_time:quarter' });
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ id: again.version, status: 'active' });
    expect(versions[0]!.metrics).toHaveProperty('coverage80');
    expect(versions[0]!.data_range).toMatchObject({ source: 'kpi_history', from: expect.any(String), to: '2026-Q3' });
  });

  it('lower is better: floor = P90 ≥ baseline ≥ target = P30 ≥ stretch = P10, with drivers and the measured coverage', async () => {
    const a = await scopeTargets(get().db, OHT, P('2026-Q4'));
    expect(a.quantiles_used).toEqual({ floor: 'P90', baseline: 'P50', target: 'P30', stretch: 'P10' });
    expect(a.people.length).toBeGreaterThan(2);
    expect(a.data_through).toBe('2026-Q3');
    expect(a.periods_ahead).toBe(1);
    expect(a.coverage.measured80).toBeGreaterThan(0);
    checkOrdered(a);
    for (const p of a.people) {
      const d = p.drivers;
      if (!p.cold_start)
        expect(d.level + d.trend + d.seasonality + d.promotion + d.other).toBeCloseTo(p.quantiles.P50!, 3);
    }
  });

  it('higher is better; a past period carries actuals, attainment, percentile and the warning-line flag', async () => {
    const a = await scopeTargets(get().db, CSAT, P('2026-10'));
    expect(a.quantiles_used).toEqual({ floor: 'P10', baseline: 'P50', target: 'P70', stretch: 'P90' });
    checkOrdered(a);
    const withActual = a.people.filter((p) => p.actual !== null);
    expect(withActual.length).toBeGreaterThan(5);
    for (const p of withActual) {
      expect(p.below_floor).toBe(p.actual! < p.floor);
      expect(p.attainment).toBeCloseTo(p.actual! / p.target, 9);
      expect(p.percentile).toBeGreaterThan(0);
      expect(p.percentile).toBeLessThan(1);
      // values of a ratio metric stay within its bounds
      expect(p.floor).toBeGreaterThanOrEqual(0);
      expect(p.stretch).toBeLessThanOrEqual(1);
    }
    expect(a.summary.below_floor).toBe(withActual.filter((p) => p.below_floor).length);
  });

  it('gives new hires the role distribution, flagged as cold start', async () => {
    const a = await scopeTargets(get().db, CSAT, P('2026-11'));
    const n1 = a.people.find((p) => p.employee_id === 'NEW1')!;
    const n2 = a.people.find((p) => p.employee_id === 'NEW2')!;
    expect(n1.cold_start).toBe(true);
    expect(n2.cold_start).toBe(true);
    expect(n1.floor).toBeLessThan(n1.stretch);
    // scaled by what little is known: NEW2's baseline sits near its own two months
    expect(Math.abs(n2.baseline - 0.82)).toBeLessThan(0.1);
    expect(a.people.filter((p) => !p.cold_start).length).toBeGreaterThan(5);
  });

  it('serves repeated requests from the cache until the data or the calendar change', async () => {
    const { db } = get();
    const first = await forecastSet(db, CSAT, P('2026-12'));
    const second = await forecastSet(db, CSAT, P('2026-12'));
    expect(second.cached).toBe(true);
    expect(second.set).toEqual(first.set);
    await upsertEvent(db, {
      id: 'test-sale',
      name: 'test sale',
      kind: 'promotion',
      starts_on: '2026-12-01',
      ends_on: '2026-12-20',
      profile: 'promotion',
    });
    const third = await forecastSet(db, CSAT, P('2026-12'));
    expect(third.cached).toBe(false);
    expect(third.set.promotion).toBe(true);
    // an entry written in the earlier format (JSON arrays, no version) is recomputed and replaced
    await db.query(`update baseline_forecast_cache set payload = $1 where period = '2026-12'`, [
      JSON.stringify({ ...third.set, cold: [], q: [], d: [] }),
    ]);
    const fourth = await forecastSet(db, CSAT, P('2026-12'));
    expect(fourth.cached).toBe(false);
    expect(fourth.set).toEqual(third.set);
    expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(true);
  });

  it('recomputes a cached set after a delete from the history (its latest change stays where it was)', async () => {
    const { db } = get();
    await forecastSet(db, CSAT, P('2026-12'));
    expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(true);
    await db.query(`delete from kpi_history where employee_id = 'NEW2' and period = '2026-09'`);
    const after = await forecastSet(db, CSAT, P('2026-12'));
    expect(after.cached).toBe(false);
    await db.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) values ('NEW2', 'csat', '2026-09', 'month', '2026-09-01', 0.8)`,
    );
    expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(false);
  });

  // PostgreSQL only: there transactions run side by side (PGlite runs one at a time)
  if (backend === 'postgres')
    it('recomputes a set cached between two commits when the earlier-started write commits last', async () => {
      const { db } = get();
      await forecastSet(db, CSAT, P('2026-12'));
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let written!: () => void;
      const wrote = new Promise<void>((r) => {
        written = r;
      });
      // A starts first (its rows stamped with its start time) and commits last
      const late = db.transaction(async (tx) => {
        await tx.query(`update kpi_history set value = value + 0.01 where employee_id = 'NEW2' and period = '2026-10'`);
        written();
        await held;
      });
      await wrote;
      await new Promise((r) => setTimeout(r, 20));
      await db.transaction(async (tx) => {
        await tx.query(`update kpi_history set value = value + 0.01 where employee_id = 'NEW2' and period = '2026-09'`);
      });
      // cached while A is still open: B's write is in, A's is not
      expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(false);
      expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(true);
      release();
      await late;
      // A's commit is a change too, though its rows are stamped before B's
      expect((await forecastSet(db, CSAT, P('2026-12'))).cached).toBe(false);
    });

  it('answers bad requests with named errors and changes nothing', async () => {
    const { db } = get();
    expect(await code(scopeTargets(db, OHT, P('2028-Q1')))).toBe('horizon_too_long');
    expect(await code(scopeTargets(db, OHT, P('2015-Q1')))).toBe('no_history_before_period');
    expect(await code(scopeTargets(db, { role: 'sales_ops', metric: 'gmv', kind: 'week' }, P('2026-W48')))).toBe(
      'no_model',
    );
    expect(await code(scopeTargets(db, { role: 'cs_agent', metric: 'nope', kind: 'month' }, P('2026-11')))).toBe(
      'not_found',
    );
    expect(await code(trainScope(db, { role: 'nobody', metric: 'csat', kind: 'month' }))).toBe('resolved');
  });

  it('a role with one person and a constant series still gets finite, ordered lines', async () => {
    const { db } = get();
    await db.query(`insert into roles (id, name, cycle) values ('solo', 'Solo', 'month')`);
    await db.query(`insert into employees (id, role_id, hire_date) values ('SOLO1', 'solo', '2024-01-01')`);
    const months = Array.from({ length: 20 }, (_, i) => shiftPeriod(P('2025-01'), i));
    await db.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value) select 'SOLO1', 'csat', p, 'month', s, 0.9 from unnest($1::text[], $2::date[]) as t(p, s)`,
      [months.map((m) => m.id), months.map((m) => m.start)],
    );
    const r = await trainScope(db, { role: 'solo', metric: 'csat', kind: 'month' }, { network: false });
    expect(r.promoted).toBe(true);
    const a = await scopeTargets(db, { role: 'solo', metric: 'csat', kind: 'month' }, P('2026-09'));
    expect(a.people).toHaveLength(1);
    const p = a.people[0]!;
    for (const v of [p.floor, p.baseline, p.target, p.stretch]) expect(Number.isFinite(v)).toBe(true);
    expect(p.floor).toBeLessThanOrEqual(p.stretch);
    expect(p.baseline).toBeCloseTo(0.9, 6);
  });

  it('overrides replace the target (personal over role-wide) and every change is audited', async () => {
    const { db } = get();
    const key = { role: 'cs_agent', metric: 'csat', period: '2026-11' };
    const before = await scopeTargets(db, CSAT, P('2026-11'));
    const [a, b] = before.people.filter((p) => !p.cold_start);
    await setOverride(db, {
      ...key,
      employeeId: a!.employee_id,
      value: 0.9,
      reason: 'new team lead',
      actor: 'k1',
      suggested: a!.suggested_target,
    });
    await setOverride(db, { ...key, employeeId: a!.employee_id, value: 0.92, reason: 'raised', actor: 'k2' });
    await setOverride(db, { ...key, employeeId: '*', value: 0.85, reason: 'quarter policy', actor: 'k1' });
    const after = await scopeTargets(db, CSAT, P('2026-11'));
    const a2 = after.people.find((p) => p.employee_id === a!.employee_id)!;
    const b2 = after.people.find((p) => p.employee_id === b!.employee_id)!;
    expect(a2.target).toBe(0.92);
    expect(a2.suggested_target).toBe(a!.suggested_target);
    expect(a2.override).toMatchObject({ level: 'person', reason: 'raised', set_by: 'k2' });
    expect(b2.target).toBe(0.85);
    expect(b2.override?.level).toBe('role');
    await clearOverride(db, { ...key, employeeId: a!.employee_id, reason: 'back to suggestion', actor: 'k3' });
    expect((await scopeTargets(db, CSAT, P('2026-11'), { employeeId: a!.employee_id })).people[0]!.target).toBe(0.85);
    expect(await code(clearOverride(db, { ...key, employeeId: a!.employee_id, reason: 'again', actor: 'k3' }))).toBe(
      'not_found',
    );
    const audit = await listAudit(db, { ...key, employee_id: a!.employee_id });
    expect(audit.map((x) => [x.action, x.before_value, x.after_value, x.actor])).toEqual([
      ['clear', 0.92, null, 'k3'],
      ['set', 0.9, 0.92, 'k2'],
      ['set', null, 0.9, 'k1'],
    ]);
    expect(audit[2]!.suggested).toBe(a!.suggested_target);
    expect(audit[0]!.at).toBeInstanceOf(Date);
  });
});
