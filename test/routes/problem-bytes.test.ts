/**
 * The exact bytes of a few problem+json answers, pinned before the domain errors lost their HTTP
 * statuses (issue 11): the code → status map in src/plugins/errors.ts must answer the same bytes.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createBullmqQueue } from '../../src/jobs/index.js';
import { registerVersion } from '../../src/registry/index.js';
import { buildApp } from '../../src/app.js';
import { createKeyRepository } from '../../src/auth/keys.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

describeEachBackend('problem+json answers, byte for byte', (get, backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db, { BODY_LIMIT: '2kb' });
  });
  afterAll(async () => {
    await t.app.close();
  });

  const pin = async (req: InjectOptions, status: number, body: string): Promise<void> => {
    const r = await t.app.inject(req);
    expect(r.headers['content-type']).toBe(PROBLEM);
    expect(r.body).toBe(body);
    expect(r.statusCode).toBe(status);
  };

  it('404: an unknown employee', async () => {
    await pin(
      { url: '/v1/employees/nobody', headers: t.auth('hr') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"employee nobody not found"}',
    );
    await pin(
      { url: '/v1/targets/employees/nobody?period=2026-03', headers: t.auth('hr') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"employee nobody not found"}',
    );
    await pin(
      { url: '/v1/ratings/agents/nobody', headers: t.auth('cs_lead') },
      404,
      `{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"employee 'nobody' not found"}`,
    );
  });

  it('404: an unknown job, model version and calendar event', async () => {
    await pin(
      { url: '/v1/jobs/nope', headers: t.auth('admin') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"job nope not found"}',
    );
    await pin(
      { url: '/v1/models/nope', headers: t.auth('admin') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"model version nope not found"}',
    );
    await pin(
      { method: 'DELETE', url: '/v1/calendar/nope', headers: t.auth('hr') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"calendar event nope not found"}',
    );
  });

  it('422: invalid rows (JSON and a CSV header)', async () => {
    await pin(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: t.auth('hr'),
        payload: [{ id: 'e1', role: 'nope' }, { id: '' }],
      },
      422,
      // a 422 goes through the route's response schema (rowErrors.passthrough()): its members come first;
      // `error_count` (every error; `errors` lists the first ROW_ERROR_LIMIT) was added by issue 20
      '{"status":422,"detail":"1 employees invalid; nothing was written","errors":[{"row":2,"field":"id","reason":"must not be empty"},{"row":2,"field":"role","reason":"is required"}],"error_count":2,"type":"https://kpi-calibrator.dev/problems/invalid_rows","title":"invalid rows","code":"invalid_rows"}',
    );
    await pin(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
        payload: 'id,team\ne1,x\n',
      },
      422,
      '{"status":422,"detail":"1 header columns invalid; nothing was written","errors":[{"row":0,"field":"role","reason":"column missing from the CSV header (header has: id, team)"}],"error_count":1,"type":"https://kpi-calibrator.dev/problems/invalid_rows","title":"invalid rows","code":"invalid_rows"}',
    );
  });

  it('422 and 400: targets and weights (domain codes)', async () => {
    await pin(
      {
        method: 'PUT',
        url: '/v1/weight-profiles/x',
        headers: t.auth('hr'),
        payload: { name: 'x', sales: 10, efficiency: 10, customer_experience: 10, innovation: 10 },
      },
      422,
      '{"type":"https://kpi-calibrator.dev/problems/bad_weights","title":"bad weights","status":422,"code":"bad_weights","detail":"weights must sum to 100 (got 40)"}',
    );
    await pin(
      { url: '/v1/targets?role=cs_agent&period=2026-13', headers: t.auth('hr') },
      400,
      `{"type":"https://kpi-calibrator.dev/problems/bad_period","title":"bad period","status":400,"code":"bad_period","detail":"'2026-13' is not a period (ISO week 2026-W07, month 2026-03 or quarter 2026-Q1)"}`,
    );
    await pin(
      { url: '/v1/targets?role=cs_agent&period=2026-03', headers: t.auth('hr') },
      404,
      '{"type":"https://kpi-calibrator.dev/problems/no_model","title":"no model","status":404,"code":"no_model","detail":"no active baseline model for role cs_agent at monthly periods; train with POST /v1/baselines/train"}',
    );
    await pin(
      { url: '/v1/kpi-inputs?period=2026-13', headers: t.auth('scorer') },
      400,
      `{"type":"https://kpi-calibrator.dev/problems/bad_period","title":"bad period","status":400,"code":"bad_period","detail":"'2026-13' is not a period (ISO week 2026-W07, month 2026-03 or quarter 2026-Q1)"}`,
    );
  });

  it('409: a rollback without an earlier version', async () => {
    const id = `pin-${backend}-v1`;
    await registerVersion(get().db, { id, kind: 'pin', scope: 'x' });
    expect(
      (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/promote`, headers: t.auth('admin'), payload: {} }))
        .statusCode,
    ).toBe(200);
    await pin(
      { method: 'POST', url: '/v1/models/pin/x/rollback', headers: t.auth('admin'), payload: {} },
      409,
      `{"type":"https://kpi-calibrator.dev/problems/conflict","title":"conflict","status":409,"code":"conflict","detail":"${id} has no previous version to roll back to"}`,
    );
  });

  it('400: an unknown job kind, and bad job data', async () => {
    await pin(
      { method: 'POST', url: '/v1/jobs', headers: t.auth('admin'), payload: { kind: 'nope' } },
      400,
      '{"type":"https://kpi-calibrator.dev/problems/bad_request","title":"bad request","status":400,"code":"bad_request","detail":"unknown job kind nope; known: score_reviews, train_sentiment, train_aspects, train_baselines, recompute_ratings, ab_compare, compare_models"}',
    );
    await pin(
      {
        method: 'POST',
        url: '/v1/jobs',
        headers: t.auth('admin'),
        payload: { kind: 'score_reviews', data: { chunk_size: 1 } },
      },
      400,
      '{"type":"https://kpi-calibrator.dev/problems/bad_request","title":"bad request","status":400,"code":"bad_request","detail":"invalid data for score_reviews","errors":[{"path":"chunk_size","message":"Too small: expected number to be >=100"}]}',
    );
    await pin(
      { method: 'POST', url: '/v1/jobs', headers: t.auth('hr'), payload: { kind: 'score_reviews' } },
      403,
      '{"type":"https://kpi-calibrator.dev/problems/forbidden","title":"forbidden","status":403,"code":"forbidden","detail":"this key lacks the scope for this route; needs one of: admin, cs_lead"}',
    );
  });

  it('415 and 413: an unsupported content type and a CSV over the body limit', async () => {
    await pin(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: { ...t.auth('hr'), 'content-type': 'text/plain' },
        payload: 'id,role',
      },
      415,
      '{"type":"https://kpi-calibrator.dev/problems/unsupported_media_type","title":"unsupported media type","status":415,"code":"unsupported_media_type","detail":"content type text/plain is not accepted here; send one of application/json, text/csv, application/csv"}',
    );
    await pin(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
        payload: `id,role\n${'e1,cs_agent\n'.repeat(400)}`,
      },
      413,
      '{"type":"https://kpi-calibrator.dev/problems/payload_too_large","title":"payload too large","status":413,"code":"payload_too_large","detail":"request body exceeds the limit of 2048 bytes (BODY_LIMIT)"}',
    );
    await pin(
      {
        method: 'POST',
        url: '/v1/employees',
        headers: { ...t.auth('hr'), 'content-type': 'text/csv; charset=latin1' },
        payload: 'id,role\n',
      },
      400,
      '{"type":"https://kpi-calibrator.dev/problems/bad_request","title":"bad request","status":400,"code":"bad_request","detail":"charset latin1 is not supported; send utf-8 or gbk"}',
    );
  });

  it('503 with Retry-After: the queue (Redis) is down', async () => {
    const config = loadConfig({
      KPI_DATA_DIR: '/tmp/kpi-test-unused',
      LOG_LEVEL: 'silent',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    const queue = createBullmqQueue({ url: 'redis://127.0.0.1:1', db: get().db, submitTimeoutMs: 300 });
    const app = await buildApp({ config, db: get().db, queue, logger: false });
    try {
      const { key } = await createKeyRepository(get().db).create('pin 503', ['admin']);
      const r = await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { authorization: `Bearer ${key}` },
        payload: { kind: 'score_reviews' },
      });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(r.headers['content-type']).toBe(PROBLEM);
      expect(r.body).toBe(
        '{"type":"https://kpi-calibrator.dev/problems/service_unavailable","title":"service unavailable","status":503,"code":"service_unavailable","detail":"the job queue (Redis) is not reachable: connection reconnecting; submit again shortly"}',
      );
    } finally {
      await app.close();
      await queue.close();
    }
  });
});
