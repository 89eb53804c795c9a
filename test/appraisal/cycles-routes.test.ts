/** Declared cycles per role over HTTP: defaults from the catalogue, HR's declaration, refusals. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('declared cycles per role over HTTP', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const put = (role: string, payload: object, scope: 'hr' | 'scorer' = 'hr') =>
    t.app.inject({ method: 'PUT', url: `/v1/roles/${role}/cycle`, headers: t.auth(scope), payload });

  it('answers the catalogue cycle until HR declares one, then the declaration', async () => {
    const before = await t.app.inject({ url: '/v1/roles/sales_ops/cycle', headers: t.auth('scorer') });
    expect(before.json()).toMatchObject({ role: 'sales_ops', tracked: 'week', appraised: 'month', declared: false });
    const pq = await t.app.inject({ url: '/v1/roles/product_ops/cycle', headers: t.auth('hr') });
    expect(pq.json()).toMatchObject({ tracked: 'quarter', appraised: 'quarter' });
    const r = await put('cs_agent', { tracked: 'week', appraised: 'month' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ tracked: 'week', appraised: 'month', declared: true, actor: expect.any(String) });
    const roles = await t.app.inject({ url: '/v1/roles', headers: t.auth('hr') });
    expect(roles.json().find((x: { id: string }) => x.id === 'cs_agent').cycle).toBe('week');
  });

  it('refuses bad declarations naming the field', async () => {
    const finer = await put('product_ops', { tracked: 'quarter', appraised: 'month' });
    expect(finer.statusCode).toBe(422);
    expect(finer.json()).toMatchObject({ code: 'unprocessable', field: 'appraised' });
    const shape = await put('product_ops', { tracked: 'day', appraised: 'year' });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().errors.map((e: { field: string }) => e.field)).toEqual(['body.tracked', 'body.appraised']);
    expect((await put('astronaut', { tracked: 'week', appraised: 'month' })).statusCode).toBe(404);
    expect((await put('sales_ops', { tracked: 'week', appraised: 'month' }, 'scorer')).statusCode).toBe(403);
  });
});
