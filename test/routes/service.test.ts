import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, logSink, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('service conventions', (get) => {
  let t: TestApp;
  const sink = logSink();
  beforeAll(async () => {
    t = await buildTestApp(
      get().db,
      { RATE_LIMIT_MAX: '5' },
      { level: 'trace', stream: sink.stream, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    );
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('never writes a key to the log, even at trace level and on errors', async () => {
    await t.app.inject({ url: '/v1/roles', headers: t.auth('hr') });
    await t.app.inject({ url: '/v1/roles', headers: { 'x-api-key': t.keys.scorer } });
    await t.app.inject({ url: '/v1/admin/keys', headers: t.auth('hr') }); // 403
    expect(sink.text().length).toBeGreaterThan(100);
    for (const key of Object.values(t.keys)) expect(sink.text()).not.toContain(key.slice(4));
  });

  it('serves Prometheus metrics to a scorer key', async () => {
    const r = await t.app.inject({ url: '/metrics', headers: t.auth('scorer') });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('kpi_http_requests_total');
    expect(r.body).toContain('kpi_process_cpu_seconds_total');
  });

  it('rate-limits per key with a problem+json 429', async () => {
    let last = 0;
    for (let i = 0; i < 8; i++)
      last = (await t.app.inject({ url: '/v1/metrics', headers: t.auth('cs_lead') })).statusCode;
    expect(last).toBe(429);
    // another key has its own budget
    expect((await t.app.inject({ url: '/v1/metrics', headers: t.auth('hr') })).statusCode).toBe(200);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const r = await t.app.inject({ url: '/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
  });

  it('validates query strings with named fields', async () => {
    const r = await t.app.inject({ url: '/v1/history?kind=fortnight&limit=0', headers: t.auth('admin') });
    expect(r.statusCode).toBe(400);
    const fields = (r.json() as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['querystring.kind', 'querystring.limit']);
  });

  it('hides internals on a 500', async () => {
    const db = t.app.services.db;
    const original = db.query;
    db.query = async () => {
      throw new Error('secret internal detail: relation xyz');
    };
    try {
      const r = await t.app.inject({ url: '/v1/roles', headers: t.auth('admin') });
      expect(r.statusCode).toBe(500);
      expect(r.body).not.toContain('secret');
      expect(r.body).not.toContain('at ');
      expect(r.json()).toMatchObject({ status: 500, code: 'internal_error' });
    } finally {
      db.query = original;
    }
  });
});
