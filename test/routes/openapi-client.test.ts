/**
 * A TypeScript client generated from /docs/json: openapi-typescript's types (committed as
 * test/client/api.ts, checked here to be exactly what the document generates today) with
 * openapi-fetch, compiled by `tsc --noEmit` under the project's strict settings, drives a real
 * workflow over a real port: upload employees and history, train, read targets, override, read the
 * audit.
 */
import { readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTypes } from '../../scripts/openapi.js';
import { generateDemo } from '../../src/demo/index.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import type { paths } from '../client/api.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';

describe('a client generated from the OpenAPI document', () => {
  let db: TestDb;
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    db = await openTestDb('pglite');
    t = await buildTestApp(db.db, { BODY_LIMIT: '5mb' }, false, { train_baselines: trainBaselinesProcessor as never });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.app.close();
    await db?.dispose();
  });

  it('is generated from /docs/json as committed (regenerate: npm run openapi -- --types test/client/api.ts)', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json();
    const committed = readFileSync(new URL('../client/api.ts', import.meta.url), 'utf8');
    // compared as text: a mismatch means a route changed and the types were not regenerated
    expect((await clientTypes(doc)) === committed).toBe(true);
  });

  it('uploads history, trains, reads targets, overrides one and reads the audit', async () => {
    const hr = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${t.keys.hr}` } });
    const demo = generateDemo({ seed: 7, people: 12, endDate: '2026-11-22' });
    const people = demo.employees.filter((e) => e.role === 'cs_agent');
    const ids = new Set(people.map((p) => p.id));

    const employees = await hr.POST('/v1/employees', { body: people });
    expect(employees.response.status).toBe(200);
    expect(employees.data?.inserted).toBe(people.length);
    const rows = demo.history.filter((h) => ids.has(h.employee_id) && h.metric_id === 'csat');
    const history = await hr.POST('/v1/history', { body: { rows } });
    expect(history.data).toMatchObject({ received: rows.length, inserted: rows.length });

    const train = await hr.POST('/v1/baselines/train', { body: { role: 'cs_agent', metric: 'csat', network: false } });
    expect(train.response.status).toBe(202);
    let job = train.data!;
    for (let i = 0; i < 600 && !['completed', 'failed'].includes(job.state); i++) {
      await new Promise((res) => setTimeout(res, 100));
      job = (await hr.GET('/v1/baselines/jobs/{id}', { params: { path: { id: job.id } } })).data!;
    }
    expect(job.state).toBe('completed');

    const query = { role: 'cs_agent', period: '2026-11', metric: 'csat' };
    const targets = await hr.GET('/v1/targets', { params: { query } });
    expect(targets.response.status).toBe(200);
    const [csat] = targets.data!.metrics;
    const person = csat!.people[0]!;
    expect(person.target).toBeGreaterThan(person.floor);

    const override = await hr.PUT('/v1/targets/overrides', {
      body: { ...query, employee_id: person.employee_id, value: 0.97, reason: 'agreed stretch for the peak month' },
    });
    expect(override.response.status).toBe(200);
    // the answer is the override with its audit entry (or, in a closed period, a request to approve)
    const set = override.data && 'audit' in override.data ? override.data : undefined;
    expect(set?.audit).toMatchObject({ action: 'set', after_value: 0.97, suggested: person.target });

    const audit = await hr.GET('/v1/targets/audit', { params: { query: { role: 'cs_agent', limit: 10 } } });
    expect(audit.data).toEqual([
      expect.objectContaining({
        employee_id: person.employee_id,
        action: 'set',
        before_value: null,
        after_value: 0.97,
      }),
    ]);

    // an unknown query parameter is refused by name (the types do not have it: sent by a cast)
    const strict = await hr.GET('/v1/targets', { params: { query: { ...query, page_size: 5 } as typeof query } });
    expect(strict.response.status).toBe(400);
    expect(strict.error).toMatchObject({ code: 'invalid_request', errors: [{ field: 'querystring.page_size' }] });
  });
});
