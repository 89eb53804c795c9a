/** /v1/jobs and /v1/models over HTTP: scopes per job kind, deterministic ids, registry actions, 503 while Redis is down. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createKeyRepository } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config.js';
import { createBullmqQueue, jobKinds } from '../../src/jobs/index.js';
import { registerVersion } from '../../src/registry/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('jobs and models API', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('submits by kind with the kind’s scopes, returns the same job for the same request, reads and cancels', async () => {
    const post = (scope: 'hr' | 'cs_lead' | 'admin', body: unknown) =>
      t.app.inject({ method: 'POST', url: '/v1/jobs', headers: t.auth(scope), payload: body as object });
    expect((await post('hr', { kind: 'score_reviews' })).statusCode).toBe(403);
    expect((await post('cs_lead', { kind: 'no_such_kind' })).statusCode).toBe(400);
    const bad = await post('cs_lead', { kind: 'train_sentiment', data: { language: 'fr' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.length).toBeGreaterThan(0);
    expect((await post('cs_lead', { kind: 'compare_models', data: { candidate: 'x' } })).statusCode).toBe(403);

    const first = await post('cs_lead', { kind: 'score_reviews', data: { chunk_size: 500 } });
    expect(first.statusCode).toBe(202);
    const again = await post('cs_lead', { kind: 'score_reviews', data: { chunk_size: 500 } });
    expect(again.json().id).toBe(first.json().id);
    const other = await post('cs_lead', { kind: 'score_reviews', data: { chunk_size: 500 }, idempotency_key: 'run-2' });
    expect(other.json().id).not.toBe(first.json().id);

    const id = first.json().id as string;
    expect((await t.app.inject({ url: `/v1/jobs/${id}`, headers: t.auth('hr') })).statusCode).toBe(403);
    const read = await t.app.inject({ url: `/v1/jobs/${id}`, headers: t.auth('cs_lead') });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      id,
      kind: 'score_reviews',
      progress: { percent: expect.any(Number), stage: expect.any(String) },
    });
    expect((await t.app.inject({ url: '/v1/jobs/nope', headers: t.auth('admin') })).statusCode).toBe(404);
    const cancel = await t.app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${other.json().id}`,
      headers: t.auth('cs_lead'),
    });
    expect(cancel.statusCode).toBe(200);
  });

  it('lists the jobs a key may read, newest first, by kind and state, in pages', async () => {
    const get = (scope: 'hr' | 'cs_lead' | 'admin', query: string) =>
      t.app.inject({ url: `/v1/jobs${query}`, headers: t.auth(scope) });
    const submitted: string[] = [];
    for (const key of ['list-1', 'list-2', 'list-3']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: t.auth('cs_lead'),
        payload: { kind: 'score_reviews', data: { chunk_size: 700 }, idempotency_key: key },
      });
      submitted.push(r.json().id as string);
    }
    // cs_lead reads its kinds; every job it lists is one of them, and none carries its result
    const lead = await get('cs_lead', '?limit=500');
    expect(lead.statusCode).toBe(200);
    const leadMay = Object.entries(jobKinds())
      .filter(([, k]) => k.scopes.includes('cs_lead'))
      .map(([kind]) => kind);
    expect(
      lead
        .json()
        .jobs.map((j: { kind: string }) => j.kind)
        .every((k: string) => leadMay.includes(k)),
    ).toBe(true);
    expect(lead.json().jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining(submitted));
    expect(lead.json().jobs.some((j: { result?: unknown }) => 'result' in j)).toBe(false);
    // hr may not use score_reviews: none in its list, and asking for the kind is a 403
    const hr = await get('hr', '');
    expect(hr.json().jobs.some((j: { kind: string }) => j.kind === 'score_reviews')).toBe(false);
    expect((await get('hr', '?kind=score_reviews')).statusCode).toBe(403);
    expect((await get('admin', '?kind=no_such_kind')).statusCode).toBe(400);
    expect((await get('admin', '?state=sleeping')).statusCode).toBe(400);

    // pages of one: the three jobs come newest first, each once, and the last page says so
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const r = await get('admin', `?kind=score_reviews&limit=1${before ? `&before=${before}` : ''}`);
      expect(r.statusCode).toBe(200);
      seen.push(...r.json().jobs.map((j: { id: string }) => j.id));
      before = r.json().next_before;
    } while (before);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of submitted) expect(seen).toContain(id);
    const all = (await get('admin', '?kind=score_reviews&limit=500')).json().jobs.map((j: { id: string }) => j.id);
    expect(seen).toEqual(all);
    const created = (await get('admin', '?kind=score_reviews&limit=500'))
      .json()
      .jobs.map((j: { created_at: string }) => Date.parse(j.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    // a state filter returns only that state
    const states = (await get('admin', '?state=waiting&limit=500')).json().jobs.map((j: { state: string }) => j.state);
    expect(states.every((s: string) => s === 'waiting')).toBe(true);
    // an unknown `before`, or one the key may not read, is a 400 naming it
    const bad = await get('admin', '?before=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/before/);
    expect((await get('hr', `?before=${submitted[0]}`)).statusCode).toBe(400);
  });

  it('lists, promotes and rolls back model versions (admin only)', async () => {
    const { db } = get();
    await registerVersion(db, { id: 'demo@1', kind: 'demo', scope: 'x' });
    await registerVersion(db, { id: 'demo@2', kind: 'demo', scope: 'x' });
    expect((await t.app.inject({ url: '/v1/models', headers: t.auth('hr') })).statusCode).toBe(403);
    const promote = (id: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/models/${encodeURIComponent(id)}/promote`,
        headers: t.auth('admin'),
        payload: { reason: 'test' },
      });
    expect((await promote('demo@1')).json().status).toBe('active');
    expect((await promote('demo@2')).json().status).toBe('active');
    const list = await t.app.inject({ url: '/v1/models?kind=demo', headers: t.auth('admin') });
    expect(Object.fromEntries(list.json().map((v: { id: string; status: string }) => [v.id, v.status]))).toEqual({
      'demo@1': 'retired',
      'demo@2': 'active',
    });
    const back = await t.app.inject({
      method: 'POST',
      url: '/v1/models/demo/x/rollback',
      headers: t.auth('admin'),
      payload: {},
    });
    expect(back.json()).toMatchObject({ id: 'demo@1', status: 'active' });
    expect((await promote('missing@1')).statusCode).toBe(404);
    const cmp = await t.app.inject({
      method: 'POST',
      url: `/v1/models/${encodeURIComponent('demo@2')}/compare`,
      headers: t.auth('admin'),
      payload: {},
    });
    expect(cmp.statusCode).toBe(202);
    expect(cmp.json().kind).toBe('compare_models');
  });

  it('answers 503 with Retry-After for submissions while Redis is down, and still serves reads', async () => {
    const { db } = get();
    const config = loadConfig({
      KPI_DATA_DIR: '/tmp/kpi-test-unused',
      LOG_LEVEL: 'silent',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    const queue = createBullmqQueue({ url: 'redis://127.0.0.1:1', db, submitTimeoutMs: 500 });
    const app = await buildApp({ config, db, queue, logger: false });
    try {
      const key = (await createKeyRepository(db).create('down', ['cs_lead'])).key;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { authorization: `Bearer ${key}` },
        payload: { kind: 'score_reviews', idempotency_key: 'down' },
      });
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      const existing = (await db.query<{ id: string }>(`select id from jobs where kind = 'score_reviews' limit 1`))
        .rows[0]!;
      expect(
        (await app.inject({ url: `/v1/jobs/${existing.id}`, headers: { authorization: `Bearer ${key}` } })).statusCode,
      ).toBe(200);
      // a sentiment switch while Redis is down is still done (200); the rescore job it could not queue is named
      await registerVersion(db, { id: 'sentiment-zh@down', kind: 'sentiment', scope: 'zh' });
      const admin = (await createKeyRepository(db).create('down admin', ['admin'])).key;
      const promoted = await app.inject({
        method: 'POST',
        url: '/v1/models/sentiment-zh@down/promote',
        headers: { authorization: `Bearer ${admin}` },
        payload: {},
      });
      expect(promoted.statusCode).toBe(200);
      expect(promoted.json()).toMatchObject({
        status: 'active',
        rescore_job: null,
        rescore_error: expect.stringContaining('score_reviews'),
      });
      const health = await app.inject({ url: '/health' });
      expect(health.json()).toMatchObject({ status: 'degraded', queue: { kind: 'bullmq', ok: false } });
    } finally {
      await app.close();
      await queue.close();
    }
  });
});
