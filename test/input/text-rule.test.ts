/**
 * Bad input gets a named 4xx, decided before the database (issue 20): NUL and lone surrogates in
 * JSON, CSV, query and path parameters; event times far outside any business range; a GA4 report
 * with headers that are not arrays; a 422 that lists the first ROW_ERROR_LIMIT errors and counts
 * them all; and a request that fails after its write leaves nothing behind.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const employee = { id: 'E-T1', role: 'cs_agent', team: 't', hire_date: '2024-01-01' };
const review = {
  id: 'R-T1',
  agent_id: 'E-T1',
  order_id: 'O-1',
  channel: 'taobao',
  text: 'fast reply, very helpful',
  rating: 5,
  created_at: '2026-03-01T10:00:00Z',
  replied_at: null,
};

describeEachBackend('bad input answers a named 4xx', (get) => {
  let t: TestApp;
  const count = async (table: string) =>
    Number((await get().db.query<{ n: number }>(`select count(*)::int8 as n from ${table}`)).rows[0]!.n);

  beforeAll(async () => {
    t = await buildTestApp(get().db, { ROW_ERROR_LIMIT: '25' });
    const r = await t.app.inject({ method: 'POST', url: '/v1/employees', headers: t.auth('hr'), payload: [employee] });
    expect(r.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  /** Sends `req`; expects `status` as problem+json naming `field` (in `errors`, or the detail). */
  async function refused(req: InjectOptions, status: number, field: string) {
    const r = await t.app.inject(req);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toBe(PROBLEM);
    const body = r.json();
    expect(JSON.stringify(body.errors ?? body.detail), r.body).toContain(field);
    return body;
  }

  it('NUL and lone surrogates in JSON rows: 422 naming the row and field, nothing stored', async () => {
    const before = await count('employees');
    for (const [k, v] of [
      ['id', 'a\u0000b'],
      ['role', '\u0000'],
      ['team', 'x\ud800'],
      ['team', '\udc00y'],
    ] as const) {
      const body = await refused(
        { method: 'POST', url: '/v1/employees', headers: t.auth('hr'), payload: [{ ...employee, id: 'E-T2', [k]: v }] },
        422,
        k,
      );
      expect(body.errors[0]).toMatchObject({ row: 1, field: k });
    }
    expect(await count('employees')).toBe(before);
  });

  it('NUL in a CSV upload: 422 naming the row and column', async () => {
    const body = await refused(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
        payload: 'id,role,team,hire_date\nE-T3,cs_agent,te\u0000am,2024-01-01\n',
      },
      422,
      'team',
    );
    expect(body.errors[0]).toMatchObject({ row: 1, field: 'team' });
  });

  it('NUL and surrogates in query and path parameters and JSON bodies: 400 naming the field', async () => {
    await refused({ url: '/v1/employees?role=%00', headers: t.auth('hr') }, 400, 'querystring.role');
    await refused({ url: '/v1/history?employee_id=%00', headers: t.auth('hr') }, 400, 'querystring.employee_id');
    await refused({ url: '/v1/ratings?team=a%00', headers: t.auth('cs_lead') }, 400, 'querystring.team');
    await refused({ url: '/v1/employees/%00', headers: t.auth('hr') }, 400, 'params.id');
    await refused(
      { method: 'POST', url: '/v1/admin/keys', headers: t.auth('admin'), payload: { name: 'k\u0000', scopes: ['hr'] } },
      400,
      'body.name',
    );
    await refused(
      {
        method: 'POST',
        url: '/v1/admin/keys',
        headers: { ...t.auth('admin'), 'content-type': 'application/json' },
        payload: '{"name":"k\\ud800","scopes":["hr"]}',
      },
      400,
      'body.name',
    );
  });

  it("a review's text: NUL removed with a warning, the rest stored", async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews',
      headers: t.auth('cs_lead'),
      payload: [{ ...review, id: 'R-NUL', text: 'good\u0000 service\u0000' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().warnings).toEqual([expect.objectContaining({ code: 'nul_removed' })]);
    const stored = await get().db.query<{ text: string }>(`select text from reviews where id = 'R-NUL'`);
    expect(stored.rows[0]!.text).toBe('good service');
    // a NUL elsewhere in a review is still refused
    await refused(
      {
        method: 'POST',
        url: '/v1/reviews',
        headers: t.auth('cs_lead'),
        payload: [{ ...review, id: 'R-NUL2', channel: 'tao\u0000bao' }],
      },
      422,
      'channel',
    );
  });

  it('event times outside 2000-01-01 … now + 1 year: 422 naming the row, nothing stored', async () => {
    const before = await count('reviews');
    for (const [k, v] of [
      ['created_at', '9999-12-31T00:00:00Z'],
      ['created_at', '+275760-09-13T00:00:00Z'],
      ['created_at', '1970-01-01T00:00:00Z'],
      ['replied_at', '9999-12-31T00:00:00Z'],
    ] as const) {
      const body = await refused(
        {
          method: 'POST',
          url: '/v1/reviews',
          headers: t.auth('cs_lead'),
          payload: [{ ...review, id: 'R-FAR', [k]: v }],
        },
        422,
        k,
      );
      expect(body.errors[0]).toMatchObject({ row: 1, field: k });
    }
    expect(await count('reviews')).toBe(before);
    const ret = { id: 'RT-FAR', agent_id: 'E-T1', order_id: 'O-1', opened_at: '9999-12-31T00:00:00Z' };
    await refused({ method: 'POST', url: '/v1/returns', headers: t.auth('cs_lead'), payload: [ret] }, 422, 'opened_at');
    await refused(
      { url: '/v1/reviews?from=9999-12-31T00:00:00Z', headers: t.auth('cs_lead') },
      400,
      'querystring.from',
    );
    await refused(
      { url: '/v1/reviews?to=%2B275760-09-13T00:00:00Z', headers: t.auth('cs_lead') },
      400,
      'querystring.to',
    );
  });

  it('GA4 report with dimensionHeaders (or dimension_headers) not an array: 422 naming it', async () => {
    for (const key of ['dimensionHeaders', 'dimension_headers'])
      await refused(
        {
          method: 'POST',
          url: '/v1/history/import/ga4?employee_id=E-T1&period_kind=month',
          headers: t.auth('hr'),
          payload: {
            [key]: 'yearMonth',
            metricHeaders: [{ name: 'totalRevenue' }],
            rows: [{ dimensionValues: [{ value: '202601' }], metricValues: [{ value: '1' }] }],
          },
        },
        422,
        'dimensionHeaders',
      );
  });

  it('a 422 lists the first ROW_ERROR_LIMIT errors in row order and counts them all', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: `E-B${i}`, role: '', team: 't' }));
    const r = await t.app.inject({ method: 'POST', url: '/v1/employees', headers: t.auth('hr'), payload: rows });
    expect(r.statusCode).toBe(422);
    const body = r.json();
    expect(body.errors).toHaveLength(25);
    expect(body.error_count).toBeGreaterThanOrEqual(400);
    expect(body.errors[0].row).toBe(1);
    expect(body.detail).toContain('400 employees invalid');
    // CSV too
    const csv = `id,role,team,hire_date\n${rows.map((x) => `${x.id},,t,2024-13-01`).join('\n')}\n`;
    const c = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(c.statusCode).toBe(422);
    expect(c.json().errors).toHaveLength(25);
    expect(c.json().error_count).toBeGreaterThanOrEqual(400);
  });

  it('a failure after the write (scoring) answers 500 and leaves nothing written', async () => {
    const before = { reviews: await count('reviews'), ratings: await count('agent_ratings') };
    // the engine loads, then fails while scoring the rows just written (inside the write's transaction)
    const real = await t.app.services.sentiment.get();
    const failing = Object.assign(Object.create(real), {
      scoreAsync: async () => {
        throw new Error('scoring failed after the write');
      },
    });
    const spy = vi.spyOn(t.app.services.sentiment, 'get').mockResolvedValue(failing);
    try {
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/reviews',
        headers: t.auth('cs_lead'),
        payload: [
          { ...review, id: 'R-HALF1' },
          { ...review, id: 'R-HALF2' },
        ],
      });
      expect(r.statusCode).toBe(500);
      expect(r.headers['content-type']).toBe(PROBLEM);
    } finally {
      spy.mockRestore();
    }
    expect(await count('reviews')).toBe(before.reviews);
    expect(await count('agent_ratings')).toBe(before.ratings);
    // and the same upload succeeds once the engine is back
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews',
      headers: t.auth('cs_lead'),
      payload: [{ ...review, id: 'R-HALF1' }],
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ inserted: 1, scored: 1 });
  });
});
