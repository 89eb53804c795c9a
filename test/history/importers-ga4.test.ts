import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ga4DateSpan, importGa4Report } from '../../src/history/importers/ga4.js';
import type { HistoryInput } from '../../src/history/types.js';

/** The messages of importer warnings ({code, message}). */
const messages = (ws: readonly { message: string }[]) => ws.map((w) => w.message);

const fixtureText = (name: string): string =>
  readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): Record<string, unknown> => JSON.parse(fixtureText(name)) as Record<string, unknown>;

function table(rows: HistoryInput[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[`${r.employee_id} ${r.period}`] ??= {})[r.metric_id] = r.value;
  return out;
}

interface RawReport {
  metricHeaders: { name: string }[];
  rows: { metricValues: { value: string }[] }[];
}
/** The same report without some metric columns. */
function without(report: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  const r = structuredClone(report) as unknown as RawReport;
  const keep = r.metricHeaders.map((h, i) => (names.includes(h.name) ? -1 : i)).filter((i) => i >= 0);
  r.metricHeaders = keep.map((i) => r.metricHeaders[i]!);
  for (const row of r.rows) row.metricValues = keep.map((i) => row.metricValues[i]!);
  return r as unknown as Record<string, unknown>;
}

describe('GA4 runReport with the date dimension', () => {
  it('aggregates days into ISO weeks across the year end (2026 has a W53)', () => {
    const res = importGa4Report(fixtureText('ga4-daily-year-end.json'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([]);
    expect(res.warnings).toEqual([]);
    // 2026-W53 = 2026-12-28..2027-01-03: users 6×800 + 1600 = 6400, purchases 6×16 + 48 = 144, revenue 6×2400 + 9600 = 24000
    // 2027-W01 = 2027-01-04..10: users 7×1000 = 7000, purchases 7×25 = 175, revenue 7×3125.5 = 21878.5
    expect(table(res.rows)).toEqual({
      'e1 2026-W53': { gmv: 24000, visitors: 6400, conversion_rate: 0.0225, aov: 166.67 }, // 144/6400, 24000/144
      'e1 2027-W01': { gmv: 21878.5, visitors: 7000, conversion_rate: 0.025, aov: 125.02 }, // 175/7000, 21878.5/175
    });
  });

  it('reports both months as partial, drops them by default and imports them on request', () => {
    const report = fixture('ga4-daily-year-end.json');
    const dropped = importGa4Report(report, { employee_id: 'e1', periodKind: 'month' });
    expect(dropped.rows).toEqual([]);
    expect(
      dropped.periods.map((p) => [p.period, p.first, p.last, p.covered_days, p.total_days, p.partial, p.emitted]),
    ).toEqual([
      ['2026-12', '2026-12-28', '2026-12-31', 4, 31, true, false],
      ['2027-01', '2027-01-01', '2027-01-10', 10, 31, true, false],
    ]);
    expect(dropped.warnings).toHaveLength(2);
    const kept = importGa4Report(report, { employee_id: 'e1', periodKind: 'month', partial: 'include' });
    // Dec: 4×800 users, 4×16 purchases, 4×2400 revenue; Jan: 1600 + 2×800 + 7000 = 10200 users,
    // 48 + 32 + 175 = 255 purchases, 9600 + 4800 + 21878.5 = 36278.5 revenue
    expect(table(kept.rows)).toEqual({
      'e1 2026-12': { gmv: 9600, visitors: 3200, conversion_rate: 0.02, aov: 150 },
      'e1 2027-01': { gmv: 36278.5, visitors: 10200, conversion_rate: 0.025, aov: 142.27 }, // 255/10200, 36278.5/255
    });
  });

  it('without purchases, weights the source ratios instead of averaging them', () => {
    const report = without(fixture('ga4-daily-year-end.json'), 'ecommercePurchases');
    const res = importGa4Report(report, { employee_id: 'e1', periodKind: 'week' });
    // sessionConversionRate weighted by sessions (1.25 × users) = purchases / sessions: 144 / 8000
    // averagePurchaseRevenue weighted by implied purchases (revenue / average) = 24000 / 144
    expect(table(res.rows)['e1 2026-W53']).toEqual({ gmv: 24000, visitors: 6400, conversion_rate: 0.018, aov: 166.67 });
  });

  it('prefers totalUsers over sessions for visitors', () => {
    const res = importGa4Report(without(fixture('ga4-daily-year-end.json'), 'totalUsers'), {
      employee_id: 'e1',
      periodKind: 'week',
    });
    expect(table(res.rows)['e1 2026-W53']?.visitors).toBe(8000); // sessions
  });

  it('names the row and the header of bad values', () => {
    const report = fixture('ga4-daily-year-end.json') as unknown as {
      rows: { dimensionValues: { value: string }[]; metricValues: { value: string }[] }[];
    };
    report.rows[1]!.dimensionValues[0]!.value = '20261332';
    report.rows[3]!.metricValues[3]!.value = 'abc';
    report.rows[4]!.metricValues[0]!.value = '1.5';
    report.rows[5]!.metricValues[5]!.value = '1.2';
    const res = importGa4Report(report, { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([
      { row: 2, field: 'date', reason: 'bad date: "20261332"' },
      { row: 4, field: 'purchaseRevenue', reason: 'not a number: "abc"' },
      { row: 5, field: 'totalUsers', reason: 'not a non-negative whole number: "1.5"' },
      { row: 6, field: 'sessionConversionRate', reason: 'rate outside 0–1: "1.2"' },
    ]);
  });

  it('validates the JSON shape with zod, naming rows and headers', () => {
    const res = importGa4Report(fixtureText('ga4-malformed.json'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.rows).toEqual([]);
    expect(res.errors).toEqual(
      expect.arrayContaining([
        { row: 2, field: 'purchaseRevenue', reason: expect.any(String) },
        { row: 0, field: 'rowCount', reason: expect.any(String) },
      ]),
    );
    expect(importGa4Report('{"rows": [', { employee_id: 'e1', periodKind: 'week' }).errors).toEqual([
      { row: 0, field: '(json)', reason: expect.stringContaining('not JSON') },
    ]);
    expect(
      importGa4Report(
        { kind: 'analyticsData#batchRunReports', reports: [] },
        { employee_id: 'e1', periodKind: 'week' },
      ).errors.map((e) => e.field),
    ).toEqual(expect.arrayContaining(['kind', 'metricHeaders']));
  });

  it('warns when the report is only one page of its rowCount', () => {
    const report = { ...fixture('ga4-daily-year-end.json'), rowCount: 100 };
    expect(importGa4Report(report, { employee_id: 'e1', periodKind: 'week' }).warnings[0]?.message).toContain(
      '100 rows but holds 14',
    );
  });

  it('needs an employee', () => {
    expect(importGa4Report(fixture('ga4-daily-year-end.json'), { periodKind: 'week' }).errors).toEqual([
      { row: 0, field: 'employee_id', reason: expect.any(String) },
    ]);
  });
});

describe('GA4 runReport with yearMonth', () => {
  it('sums months into a quarter, ratios from totals', () => {
    const res = importGa4Report(fixture('ga4-year-month.json'), { employee_id: 'e1', periodKind: 'quarter' });
    expect(res.errors).toEqual([]);
    // revenue 100000 + 80000 + 120000, activeUsers 40000 + 30000 + 50000, transactions 800 + 640 + 1000
    expect(table(res.rows)).toEqual({
      'e1 2026-Q1': { gmv: 300000, visitors: 120000, conversion_rate: 0.020333, aov: 122.95 },
    });
    expect(res.periods[0]).toMatchObject({ covered_days: 90, total_days: 90, partial: false });
  });

  it('keeps months as months', () => {
    const res = importGa4Report(fixture('ga4-year-month.json'), { employee_id: 'e1', periodKind: 'month' });
    expect(table(res.rows)).toEqual({
      'e1 2026-01': { gmv: 100000, visitors: 40000, conversion_rate: 0.02, aov: 125 },
      'e1 2026-02': { gmv: 80000, visitors: 30000, conversion_rate: 0.021333, aov: 125 },
      'e1 2026-03': { gmv: 120000, visitors: 50000, conversion_rate: 0.02, aov: 120 },
    });
  });

  it('refuses to split a month into ISO weeks', () => {
    const res = importGa4Report(fixture('ga4-year-month.json'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.rows).toEqual([]);
    expect(res.errors.map((e) => [e.row, e.field])).toEqual([
      [1, 'yearMonth'],
      [2, 'yearMonth'],
      [3, 'yearMonth'],
    ]);
    expect(res.errors[0]?.reason).toContain('spans 2026-W09 and 2026-W14');
  });
});

describe('GA4 runReport with an employee dimension', () => {
  it('splits rows by customEvent:agent_id, sums devices, skips (not set)', () => {
    const res = importGa4Report(fixture('ga4-agent-dimension.json'), {
      employeeDimension: 'customEvent:agent_id',
      periodKind: 'week',
    });
    expect(res.errors).toEqual([]);
    // a01 per day: desktop 100 users / 4 purchases / 600 + mobile 300 / 6 / 540 → ×7 days
    // a02 per day: 200 / 2 / 300 → ×7 days
    expect(table(res.rows)).toEqual({
      'a01 2026-W10': { gmv: 7980, visitors: 2800, conversion_rate: 0.025, aov: 114 },
      'a02 2026-W10': { gmv: 2100, visitors: 1400, conversion_rate: 0.01, aov: 150 },
    });
    expect(messages(res.warnings)).toContain('2 rows skipped: customEvent:agent_id is empty or (not set)');
  });

  it('names a missing employee dimension', () => {
    const res = importGa4Report(fixture('ga4-agent-dimension.json'), {
      employeeDimension: 'customUser:owner',
      periodKind: 'week',
    });
    expect(res.errors).toEqual([{ row: 0, field: 'customUser:owner', reason: expect.any(String) }]);
  });
});

describe('GA4 date dimensions', () => {
  const span = (dim: Parameters<typeof ga4DateSpan>[0], v: string) => {
    const s = ga4DateSpan(dim, v);
    return s && [s.start.toISOString().slice(0, 10), s.end.toISOString().slice(0, 10)];
  };
  it('maps isoYearIsoWeek to ISO weeks, including W53', () => {
    expect(span('isoYearIsoWeek', '202653')).toEqual(['2026-12-28', '2027-01-03']);
    expect(span('isoYearIsoWeek', '202701')).toEqual(['2027-01-04', '2027-01-10']);
    expect(span('isoYearIsoWeek', '202553')).toBeNull(); // 2025 has 52 ISO weeks
  });
  it('maps yearWeek to Sunday–Saturday weeks that start on 1 January', () => {
    expect(span('yearWeek', '202601')).toEqual(['2026-01-01', '2026-01-03']);
    expect(span('yearWeek', '202602')).toEqual(['2026-01-04', '2026-01-10']);
    expect(span('yearWeek', '202653')).toEqual(['2026-12-27', '2026-12-31']);
    expect(span('yearWeek', '202654')).toBeNull();
  });
  it('maps date and yearMonth', () => {
    expect(span('date', '20240229')).toEqual(['2024-02-29', '2024-02-29']);
    expect(span('date', '2024-02-29')).toBeNull();
    expect(span('yearMonth', '202602')).toEqual(['2026-02-01', '2026-02-28']);
    expect(span('yearMonth', '202613')).toBeNull();
  });
  it('aggregates isoYearIsoWeek rows into weeks and refuses yearWeek rows for weeks', () => {
    const report = (dim: string) => ({
      dimensionHeaders: [{ name: dim }],
      metricHeaders: [{ name: 'totalUsers', type: 'TYPE_INTEGER' }],
      rows: [{ dimensionValues: [{ value: '202653' }], metricValues: [{ value: '70' }] }],
      kind: 'analyticsData#runReport',
    });
    expect(importGa4Report(report('isoYearIsoWeek'), { employee_id: 'e1', periodKind: 'week' }).rows).toEqual([
      { employee_id: 'e1', metric_id: 'visitors', period: '2026-W53', value: 70 },
    ]);
    const res = importGa4Report(report('yearWeek'), { employee_id: 'e1', periodKind: 'week' });
    expect(res.errors).toEqual([
      { row: 1, field: 'yearWeek', reason: expect.stringContaining('spans 2026-W52 and 2026-W53') },
    ]);
  });
});
