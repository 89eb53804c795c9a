import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const EMPLOYEES = 100;
const csvHeaders = { 'content-type': 'text/csv' };

function employeesCsv(): string {
  const roles = ['sales_ops', 'product_ops', 'cs_agent'];
  const lines = ['id,role,team,hire_date'];
  for (let i = 0; i < EMPLOYEES; i++) lines.push(`E${i},${roles[i % 3]},team-${i % 5},2023-0${(i % 9) + 1}-15`);
  return `${lines.join('\n')}\n`;
}

/** `n` history rows over EMPLOYEES people, weekly gmv and conversion; `bad` replaces one row. */
function historyCsv(n: number, bad?: { at: number; line: string }): string {
  const lines = ['employee_id,metric_id,period,value'];
  for (let i = 0; i < n; i++) {
    const emp = `E${i % EMPLOYEES}`;
    const k = Math.floor(i / EMPLOYEES);
    const metric = k % 2 === 0 ? 'gmv' : 'conversion_rate';
    const week = Math.floor(k / 2);
    const period = `${2022 + Math.floor(week / 52)}-W${String((week % 52) + 1).padStart(2, '0')}`;
    lines.push(
      bad && bad.at === i + 1
        ? bad.line
        : `${emp},${metric},${period},${metric === 'gmv' ? 1000 + i : ((i % 90) + 1) / 1000}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describeEachBackend('ingestion', (get) => {
  let t: TestApp;
  const count = async (table: string) =>
    (await get().db.query<{ n: number }>(`select count(*)::int8 as n from ${table}`)).rows[0]!.n;
  const post = (
    url: string,
    payload: string | Buffer | object,
    headers: Record<string, string> = csvHeaders,
    scope: 'hr' | 'cs_lead' = 'hr',
  ) => t.app.inject({ method: 'POST', url, payload: payload as string, headers: { ...headers, ...t.auth(scope) } });

  beforeAll(async () => {
    t = await buildTestApp(get().db, { BODY_LIMIT: '8mb' });
    const r = await post('/v1/employees', employeesCsv());
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ received: EMPLOYEES, inserted: EMPLOYEES, updated: 0, unchanged: 0 });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('imports 10,000 CSV rows, and the same file again changes nothing', async () => {
    const csv = historyCsv(10_000);
    const first = await post('/v1/history', csv);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ received: 10_000, inserted: 10_000, updated: 0, unchanged: 0 });
    const stamp = await get().db.query<{ m: Date }>('select max(updated_at) as m from kpi_history');
    const again = await post('/v1/history', csv);
    expect(again.json()).toEqual({ received: 10_000, inserted: 0, updated: 0, unchanged: 10_000 });
    expect(await count('kpi_history')).toBe(10_000);
    const stamp2 = await get().db.query<{ m: Date }>('select max(updated_at) as m from kpi_history');
    expect(stamp2.rows[0]!.m.getTime()).toBe(stamp.rows[0]!.m.getTime());
  });

  it('updates only rows whose value changed (JSON body)', async () => {
    const r = await post(
      '/v1/history',
      [
        { employee_id: 'E0', metric_id: 'gmv', period: '2022-W01', value: 123.5 },
        { employee_id: 'E1', metric_id: 'gmv', period: '2022-W01', value: 1001 },
      ],
      {
        'content-type': 'application/json',
      },
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ received: 2, inserted: 0, updated: 1, unchanged: 1 });
    const v = await get().db.query<{ value: number }>(
      `select value from kpi_history where employee_id = 'E0' and metric_id = 'gmv' and period = '2022-W01'`,
    );
    expect(v.rows[0]!.value).toBe(123.5);
  });

  it('rejects a file with one bad row among 10,000 good ones, names it, and writes nothing', async () => {
    const before = await get().db.query<{ s: number }>(
      'select count(*)::int8 + coalesce(sum(value), 0) as s from kpi_history',
    );
    const csv = historyCsv(10_001, { at: 7_777, line: 'E5,gmv,2030-W01,twelve' }).replace(/,1000,/g, ',1000,');
    // rows beyond the stored 10,000 would be new: the good ones must not be written either
    const r = await post('/v1/history', csv);
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    const body = r.json() as { errors: { row: number; field: string; reason: string }[]; detail: string };
    expect(body.errors).toEqual([{ row: 7_777, field: 'value', reason: "expected a number, got 'twelve'" }]);
    expect(body.detail).toContain('nothing was written');
    const after = await get().db.query<{ s: number }>(
      'select count(*)::int8 + coalesce(sum(value), 0) as s from kpi_history',
    );
    expect(after.rows[0]!.s).toBe(before.rows[0]!.s);
  });

  it('names every bad row: wrong types, bad periods and dates, unknown metric or employee, out-of-range ratio, duplicates', async () => {
    const csv = [
      'employee_id,metric_id,period,value',
      'E1,gmv,2026-W07,100', // 1 ok
      'E1,gmv,2026-W54,100', // 2 week 54 does not exist in 2026
      'E1,gmv,2026-13,100', // 3 month 13
      'E1,gmv,2026-Q5,100', // 4
      'E1,gmv,2026-W08,', // 5 missing value
      'NOBODY,gmv,2026-W07,1', // 6 unknown employee
      'E1,happiness,2026-W07,1', // 7 unknown metric
      'E1,conversion_rate,2026-W07,3.25', // 8 ratio out of range
      'E1,gmv,2026-W07,200', // 9 duplicate of row 1
      'E1,gmv,2026-W09,1e999', // 10 not finite
    ].join('\n');
    const r = await post('/v1/history', csv);
    expect(r.statusCode).toBe(422);
    const errors = (r.json() as { errors: { row: number; field: string; reason: string }[] }).errors;
    const byRow = (n: number) => errors.filter((e) => e.row === n);
    expect(byRow(1)).toEqual([]);
    expect(byRow(2)[0]).toMatchObject({ field: 'period' });
    expect(byRow(3)[0]).toMatchObject({ field: 'period' });
    expect(byRow(4)[0]).toMatchObject({ field: 'period' });
    expect(byRow(5)[0]).toMatchObject({ field: 'value', reason: 'is required' });
    expect(byRow(9)[0]).toMatchObject({
      field: 'employee_id, metric_id, period',
      reason: 'duplicates row 1 (same employee_id, metric_id, period)',
    });
    expect(byRow(10)[0]).toMatchObject({ field: 'value' });
    // reference checks run once the rows parse: fix the syntax errors and they show
    const refs = await post(
      '/v1/history',
      [
        'employee_id,metric_id,period,value',
        'NOBODY,gmv,2026-W07,1',
        'E1,happiness,2026-W07,1',
        'E1,conversion_rate,2026-W07,3.25',
      ].join('\n'),
    );
    expect(refs.statusCode).toBe(422);
    const refErrors = (refs.json() as { errors: unknown[] }).errors;
    expect(refErrors).toEqual([
      { row: 1, field: 'employee_id', reason: "unknown employee 'NOBODY' (register it with POST /v1/employees)" },
      { row: 2, field: 'metric_id', reason: "unknown metric 'happiness' (see GET /v1/metrics)" },
      {
        row: 3,
        field: 'value',
        reason: '3.25 is outside 0–1 for conversion_rate (unit ratio: send 0.0325 for 3.25 %)',
      },
    ]);
  });

  it('rejects bad dates and types in JSON employees, and a CSV header missing a column', async () => {
    const r = await post(
      '/v1/employees',
      [{ id: 'X1', role: 'cs_agent', hire_date: '2026-02-30' }, { id: 7, role: ['cs_agent'] }, { role: 'cs_agent' }],
      { 'content-type': 'application/json' },
    );
    expect(r.statusCode).toBe(422);
    expect((r.json() as { errors: unknown[] }).errors).toEqual([
      { row: 1, field: 'hire_date', reason: "expected a real date YYYY-MM-DD, got '2026-02-30'" },
      { row: 2, field: 'role', reason: 'expected text, got ["cs_agent"]' },
      { row: 3, field: 'id', reason: 'is required' },
    ]);
    const h = await post('/v1/history', 'employee_id,metric,period,value\nE1,gmv,2026-W07,1\n');
    expect(h.statusCode).toBe(422);
    expect((h.json() as { errors: { row: number; field: string }[] }).errors[0]).toMatchObject({
      row: 0,
      field: 'metric_id',
    });
    expect(await count('employees')).toBe(EMPLOYEES);
  });

  it('rejects bytes that are not UTF-8 with the line, and accepts GBK when declared', async () => {
    const gbk = iconv.encode('id,role,team,hire_date\nG1,cs_agent,华东一组,2024-01-01\n', 'gbk');
    const r = await post('/v1/employees', gbk);
    expect(r.statusCode).toBe(400);
    expect(r.json().detail).toMatch(/not valid UTF-8 at byte \d+ \(line 2\)/);
    expect(await count('employees')).toBe(EMPLOYEES);
    const ok = await post('/v1/employees', gbk, { 'content-type': 'text/csv; charset=gbk' });
    expect(ok.statusCode, ok.body).toBe(200);
    const g = await get().db.query<{ team: string }>(`select team from employees where id = 'G1'`);
    expect(g.rows[0]!.team).toBe('华东一组');
  });

  it('answers 413 to a body over the limit (CSV streamed and JSON) and writes nothing', async () => {
    const before = await count('kpi_history');
    // valid rows first, then blank lines past the 8 MB limit: the stream is cut while reading
    const padded = historyCsv(1_000) + '\n'.repeat(9 * 1024 * 1024);
    const r = await post('/v1/history', padded);
    expect(r.statusCode).toBe(413);
    expect(r.json().detail).toContain('BODY_LIMIT');
    const j = await post('/v1/history', JSON.stringify({ rows: [], pad: 'x'.repeat(9 * 1024 * 1024) }), {
      'content-type': 'application/json',
    });
    expect(j.statusCode).toBe(413);
    expect(await count('kpi_history')).toBe(before);
  });

  it('answers 415 to an unknown content type and 400 to malformed CSV or JSON', async () => {
    expect((await post('/v1/history', 'x', { 'content-type': 'application/xml' })).statusCode).toBe(415);
    const q = await post('/v1/history', 'employee_id,metric_id,period,value\nE1,"gmv,2026-W07,1\n');
    expect(q.statusCode).toBe(400);
    expect(q.json().detail).toContain('malformed CSV');
    expect((await post('/v1/history', '{"rows": [', { 'content-type': 'application/json' })).statusCode).toBe(400);
  });

  it('imports reviews idempotently and names an unknown agent and a reply before creation', async () => {
    const rows = [
      {
        id: 'R1',
        agent_id: 'E2',
        order_id: 'O1',
        channel: 'chat',
        text: '客服态度很好',
        rating: 5,
        created_at: '2026-03-01 10:00:00+08:00',
        replied_at: '2026-03-01T03:00:00Z',
      },
      {
        id: 'R2',
        agent_id: null,
        order_id: 'O2',
        channel: 'product_review',
        text: 'Shipping took forever',
        rating: '2',
        created_at: '2026-03-02T09:00:00Z',
        replied_at: '',
      },
    ];
    const a = await post('/v1/reviews', rows, { 'content-type': 'application/json' }, 'cs_lead');
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toEqual({ received: 2, inserted: 2, updated: 0, unchanged: 0, scored: 2, ratings_updated: 3 }); // E2's week, month and quarter
    const b = await post('/v1/reviews', rows, { 'content-type': 'application/json' }, 'cs_lead');
    expect(b.json()).toEqual({ received: 2, inserted: 0, updated: 0, unchanged: 2, scored: 0, ratings_updated: 0 });
    const scored = await get().db.query<{
      id: string;
      language: string;
      sentiment_label: string;
      sentiment_model: string;
    }>(`select id, language, sentiment_label, sentiment_model from reviews where id in ('R1', 'R2') order by id`);
    expect(scored.rows.map((r) => [r.id, r.language, r.sentiment_label])).toEqual([
      ['R1', 'zh', 'positive'],
      ['R2', 'en', 'negative'],
    ]);
    expect(scored.rows[0]!.sentiment_model).toMatch(/^sentiment-/);
    const stored = await get().db.query<{ created_at: Date }>(`select created_at from reviews where id = 'R1'`);
    expect(stored.rows[0]!.created_at.toISOString()).toBe('2026-03-01T02:00:00.000Z');
    const bad = await post(
      '/v1/reviews',
      'id,agent_id,order_id,channel,text,rating,created_at,replied_at\nR3,GHOST,O3,chat,ok,5,2026-03-01T00:00:00Z,\nR4,E2,O4,chat,ok,9,2026-03-05T00:00:00Z,2026-03-04T00:00:00Z\n',
      csvHeaders,
      'cs_lead',
    );
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { errors: unknown[] }).errors).toEqual([
      { row: 2, field: 'rating', reason: 'must be between 1 and 5' },
      { row: 2, field: 'replied_at', reason: 'is before created_at' },
    ]);
    expect(await count('reviews')).toBe(2);
  });

  it('imports a 生意参谋 export (GBK, metadata lines) and a GA4 runReport, idempotently', async () => {
    const gbk = readFileSync(new URL('../fixtures/importers/sycm-shop-daily.gbk.csv', import.meta.url));
    const s1 = await post('/v1/history/import/sycm?employee_id=E0&period_kind=week', gbk, {
      'content-type': 'application/octet-stream',
    });
    expect(s1.statusCode, s1.body).toBe(200);
    const first = s1.json() as { inserted: number; warnings: string[]; periods: { partial: boolean }[] };
    expect(first.inserted).toBeGreaterThan(0);
    expect(first.periods.some((p) => p.partial)).toBe(true);
    expect(first.warnings.length).toBeGreaterThan(0);
    const s2 = await post('/v1/history/import/sycm?employee_id=E0&period_kind=week', gbk, {
      'content-type': 'application/octet-stream',
    });
    expect(s2.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: first.inserted });
    const stored = await get().db.query<{ n: number }>(
      `select count(*)::int8 as n from kpi_history where source = 'sycm' and employee_id = 'E0'`,
    );
    expect(stored.rows[0]!.n).toBe(first.inserted);

    const bad = await post(
      '/v1/history/import/sycm?employee_id=E0&period_kind=week',
      readFileSync(new URL('../fixtures/importers/sycm-shop-bad-rows.csv', import.meta.url)),
      csvHeaders,
    );
    expect(bad.statusCode).toBe(422);
    expect((bad.json() as { errors: { row: number }[] }).errors.map((e) => e.row)).toEqual([3, 5]);
    const unknown = await post('/v1/history/import/sycm?employee_id=NOBODY&period_kind=week', gbk, {
      'content-type': 'application/octet-stream',
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0]).toMatchObject({ field: 'employee_id' });

    const report = JSON.parse(
      readFileSync(new URL('../fixtures/importers/ga4-year-month.json', import.meta.url), 'utf8'),
    );
    const g1 = await post('/v1/history/import/ga4?employee_id=E3&period_kind=month', report, {
      'content-type': 'application/json',
    });
    expect(g1.statusCode, g1.body).toBe(200);
    expect(g1.json().inserted).toBeGreaterThan(0);
    const g2 = await post('/v1/history/import/ga4?employee_id=E3&period_kind=month', report, {
      'content-type': 'application/json',
    });
    expect(g2.json()).toMatchObject({ inserted: 0, updated: 0 });
    const malformed = JSON.parse(
      readFileSync(new URL('../fixtures/importers/ga4-malformed.json', import.meta.url), 'utf8'),
    );
    expect(
      (
        await post('/v1/history/import/ga4?employee_id=E3&period_kind=month', malformed, {
          'content-type': 'application/json',
        })
      ).statusCode,
    ).toBe(422);
  });
});
