/**
 * Stored answers (src/services/results.ts): what the routes serve from read_results equals what
 * the services compute without them, after each kind of write that changes the data.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createKeyRepository, type Scope } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config.js';
import { createInlineQueue, type JobQueue } from '../../src/jobs/index.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { ratingsPage } from '../../src/routes/ratings.js';
import { createConsoleService } from '../../src/services/console.js';
import { createStoredReads } from '../../src/services/results.js';
import { createReviewService, RATINGS_READS } from '../../src/services/reviews.js';
import { dataVersion } from '../../src/services/results-store.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const ROLE = 'cs_agent';
const TARGET_PERIOD = '2026-12';
const INPUT_PERIOD = '2026-10';

describeEachBackend('stored answers equal computed ones after every kind of write', (get, backend) => {
  let app: FastifyInstance;
  let queue: JobQueue;
  const keys = {} as Record<Scope, string>;
  const as = (scope: Scope) => ({ authorization: `Bearer ${keys[scope]}` });
  let someone = '';

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 24 });
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' });
    queue = createInlineQueue({ db, config, processors: { train_baselines: trainBaselinesProcessor as never } });
    app = await buildApp({ config, db, queue, logger: false });
    await app.ready();
    const repo = createKeyRepository(db);
    for (const s of ['hr', 'cs_lead', 'scorer', 'admin'] as const) keys[s] = (await repo.create(`t ${s}`, [s])).key;
    await train({ role: ROLE, metric: 'csat', kind: 'month', network: false });
    someone = (
      await db.query<{ id: string }>(`select id from employees where role_id = $1 order by id limit 1`, [ROLE])
    ).rows[0]!.id;
    await putRating(0.8);
  });
  afterAll(async () => {
    await app?.close();
    await queue?.close();
  });

  /** A rating of `someone` in INPUT_PERIOD with this posterior mean (replacing theirs). */
  async function putRating(mean: number): Promise<void> {
    const { db } = get();
    await db.query('delete from agent_ratings where agent_id = $1 and period = $2', [someone, INPUT_PERIOD]);
    await db.query(
      `insert into agent_ratings (agent_id, period, period_kind, period_start, role_id, reviews, unscored, n, positive, not_attributable,
         aspect_n, aspect_positive, other_mentions, other_negative, sentiment_models,
         negative_reviews, negative_replied_24h, negative_late, negative_pending, returns, returns_closed_48h, returns_late, returns_pending,
         prior_alpha, prior_beta, prior_method, posterior_mean, ci_low, ci_high, min_reviews, rating_model)
       values ($1, $2, 'month', '2026-10-01', $3, 30, 0, 25, 20, 5, '{20,5,0}', '{16,4,0}', '{0,0,0,0}', '{0,0,0,0}', '{}',
         4, 3, 1, 0, 0, 0, 0, 0, 8, 2, 'moments', $4, 0.65, 0.9, 10, 'test-rating')`,
      [someone, INPUT_PERIOD, ROLE, mean],
    );
  }

  async function train(body: object): Promise<{ state: string; result: { models: { version: string }[] } }> {
    const r = await app.inject({ method: 'POST', url: '/v1/baselines/train', headers: as('hr'), payload: body });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    for (let i = 0; i < 600; i++) {
      const job = (await app.inject({ url: `/v1/baselines/jobs/${encodeURIComponent(id)}`, headers: as('hr') })).json();
      if (job.state === 'completed' || job.state === 'failed') return job;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('training job did not finish');
  }

  /** Every stored read twice through HTTP (computed or stored, then stored), each equal to the service's own answer. */
  async function compareAll(after: string): Promise<void> {
    const { targets, reviews } = app.services;
    const reads: { url: string; fresh: () => Promise<unknown> }[] = [
      {
        url: `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}`,
        fresh: () =>
          targets.roleTargets({ role: ROLE, period: TARGET_PERIOD, belowFloorOnly: false, limit: 100, offset: 0 }),
      },
      {
        url: `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}&limit=5&offset=5`,
        fresh: () =>
          targets.roleTargets({ role: ROLE, period: TARGET_PERIOD, belowFloorOnly: false, limit: 5, offset: 5 }),
      },
      {
        url: `/v1/targets?role=${ROLE}&period=${INPUT_PERIOD}&below_floor=true`,
        fresh: () =>
          targets.roleTargets({ role: ROLE, period: INPUT_PERIOD, belowFloorOnly: true, limit: 100, offset: 0 }),
      },
      {
        url: `/v1/kpi-inputs?period=${INPUT_PERIOD}&role=${ROLE}&limit=7`,
        fresh: () => targets.kpiInputs(INPUT_PERIOD, { role: ROLE }, { limit: 7, offset: 0 }),
      },
      {
        url: `/v1/kpi-inputs?period=2026-Q3&role=${ROLE}`,
        fresh: () => targets.kpiInputs('2026-Q3', { role: ROLE }, { limit: 100, offset: 0 }),
      },
      {
        url: `/v1/ratings?period=${INPUT_PERIOD}&role=${ROLE}&limit=20`,
        fresh: async () =>
          ratingsPage.parse(
            await reviews.listRatings({
              period: INPUT_PERIOD,
              role: ROLE,
              evidence: 'all',
              sort: 'score',
              order: 'desc',
              limit: 20,
              offset: 0,
            }),
          ),
      },
    ];
    for (const r of reads) {
      const first = await app.inject({ url: r.url, headers: as('admin') });
      expect(first.statusCode, `${after}: ${r.url} ${first.body.slice(0, 200)}`).toBe(200);
      expect(first.headers['content-type']).toContain('application/json');
      const second = await app.inject({ url: r.url, headers: as('admin') });
      expect(second.body, `${after}: ${r.url} served twice`).toBe(first.body);
      expect(JSON.parse(second.body), `${after}: ${r.url}`).toEqual(JSON.parse(JSON.stringify(await r.fresh())));
    }
    // and the second read came from the store
    const stored = await targets.roleTargetsJson({
      role: ROLE,
      period: TARGET_PERIOD,
      belowFloorOnly: false,
      limit: 100,
      offset: 0,
    });
    expect(stored.stored, after).toBe(true);
    // on PGlite the next one is this process's copy (src/services/results.ts), the same bytes
    const copy = await targets.roleTargetsJson({
      role: ROLE,
      period: TARGET_PERIOD,
      belowFloorOnly: false,
      limit: 100,
      offset: 0,
    });
    expect(copy.copied, after).toBe(backend === 'pglite');
    expect(copy.json, after).toBe(stored.json);
  }

  const post = (url: string, payload: unknown, scope: Scope = 'hr', method: 'POST' | 'PUT' | 'DELETE' = 'POST') =>
    app.inject({ method, url, headers: as(scope), payload: payload as object });

  it('pages targets and KPI inputs by employee id with the total, and serves the same page twice', async () => {
    await compareAll('first reads');
    const all = (
      await app.inject({ url: `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}&limit=1000`, headers: as('hr') })
    ).json();
    const ids = all.metrics[0].people.map((p: { employee_id: string }) => p.employee_id);
    expect(ids).toEqual([...ids].sort());
    expect(all.total).toBe(ids.length);
    const page = (
      await app.inject({ url: `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}&limit=3&offset=2`, headers: as('hr') })
    ).json();
    expect(page).toMatchObject({ total: all.total, limit: 3, offset: 2 });
    expect(page.metrics[0].people.map((p: { employee_id: string }) => p.employee_id)).toEqual(ids.slice(2, 5));
    // the summary is the role's, whatever the page
    expect(page.metrics[0].summary).toEqual(all.metrics[0].summary);
    const inputs = (
      await app.inject({
        url: `/v1/kpi-inputs?period=${INPUT_PERIOD}&role=${ROLE}&offset=1&limit=2`,
        headers: as('scorer'),
      })
    ).json();
    expect(inputs).toMatchObject({ limit: 2, offset: 1 });
    expect(inputs.people).toHaveLength(2);
    expect(inputs.total).toBeGreaterThan(3);
    const bad = await app.inject({
      url: `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}&limit=1001`,
      headers: as('hr'),
    });
    expect(bad.statusCode).toBe(400);
  });

  it('after a history upload', async () => {
    const r = await post('/v1/history', [{ employee_id: someone, metric_id: 'csat', period: '2026-10', value: 0.42 }]);
    expect(r.statusCode, r.body).toBe(200);
    await compareAll('history upload');
  });

  it('after an employees upload', async () => {
    const r = await post('/v1/employees', [{ id: 'NEW_AGENT_1', role: ROLE, team: 'new', hire_date: '2026-09-01' }]);
    expect(r.statusCode, r.body).toBe(200);
    await compareAll('employees upload');
  });

  it('after an override is set and cleared', async () => {
    const key = { role: ROLE, metric: 'csat', period: TARGET_PERIOD, employee_id: someone };
    const set = await post(
      '/v1/targets/overrides',
      { ...key, value: 0.97, reason: 'agreed with the lead' },
      'hr',
      'PUT',
    );
    expect(set.statusCode, set.body).toBe(200);
    await compareAll('override set');
    const q = new URLSearchParams({ ...key, reason: 'back to the suggestion' });
    const cleared = await app.inject({ method: 'DELETE', url: `/v1/targets/overrides?${q}`, headers: as('hr') });
    expect(cleared.statusCode, cleared.body).toBe(200);
    await compareAll('override cleared');
  });

  it('after a calendar change and a weight profile pin', async () => {
    const ev = await post(
      '/v1/calendar/test-window',
      { name: 'test window', kind: 'promotion', starts_on: '2026-12-01', ends_on: '2026-12-12' },
      'hr',
      'PUT',
    );
    expect(ev.statusCode, ev.body).toBeLessThan(300);
    await compareAll('calendar change');
    const pin = await post(`/v1/weight-profiles/periods/${INPUT_PERIOD}`, { profile: 'promotion' }, 'hr', 'PUT');
    expect(pin.statusCode, pin.body).toBe(200);
    await compareAll('weight profile pin');
  });

  it('a refused delete (404) keeps the data version, so stored answers stay served', async () => {
    const { db } = get();
    const url = `/v1/targets?role=${ROLE}&period=${TARGET_PERIOD}&limit=5`;
    const first = await app.inject({ url, headers: as('hr') });
    expect(first.statusCode, first.body).toBe(200);
    const before = await dataVersion(db);
    for (const path of [
      '/v1/calendar/no-such-window',
      `/v1/targets/overrides?${new URLSearchParams({ role: ROLE, metric: 'csat', period: TARGET_PERIOD, employee_id: someone, reason: 'none there' })}`,
    ]) {
      const refused = await app.inject({ method: 'DELETE', url: path, headers: as('hr') });
      expect(refused.statusCode, `${path}: ${refused.body}`).toBe(404);
    }
    expect(await dataVersion(db)).toBe(before);
    const again = await app.inject({ url, headers: as('hr') });
    expect(again.body).toBe(first.body);
  });

  it('after a ratings change', async () => {
    await get().db.query(`update agent_ratings set posterior_mean = 0.5, positive = 12 where agent_id = $1`, [someone]);
    await compareAll('ratings recompute');
  });

  it('after a review erasure', async () => {
    // a review written for this test (not from ../shared/data)
    await get().db.query(
      `insert into reviews (id, agent_id, order_id, channel, text, rating, created_at, language,
         sentiment_label, sentiment_probability, sentiment_model, scored_at)
       values ('R-STORED-1', $1, 'O-STORED-1', 'chat', 'test text: the answer came late', 2, '2026-10-10T10:00:00Z',
         'en', 'negative', 0.9, 'test', now())`,
      [someone],
    );
    await compareAll('review added');
    const r = await app.inject({ method: 'DELETE', url: '/v1/orders/O-STORED-1/reviews', headers: as('cs_lead') });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().deleted).toBe(1);
    await compareAll('review erasure');
  });

  it('after a promotion and a rollback', async () => {
    const job = await train({ role: ROLE, metric: 'csat', kind: 'month', network: false, steps: 50, promote: false });
    expect(job.state).toBe('completed');
    const version = job.result.models[0]!.version;
    const promoted = await post(`/v1/models/${encodeURIComponent(version)}/promote`, { reason: 'test' }, 'admin');
    expect(promoted.statusCode, promoted.body).toBe(200);
    await compareAll('promote');
    const rolled = await post(
      `/v1/models/baseline/${encodeURIComponent(`${ROLE}:csat:month`)}/rollback`,
      { reason: 'test' },
      'admin',
    );
    expect(rolled.statusCode, rolled.body).toBe(200);
    await compareAll('rollback');
  });

  it('a job writing tables a ratings page does not read keeps its copy; a ratings write drops it', async () => {
    const { db } = get();
    const { reviews } = app.services;
    const q = { period: INPUT_PERIOD, role: ROLE, limit: 20, offset: 0 };
    await putRating(0.8);
    const page = () => reviews.listRatingsJson(q, JSON.stringify);
    const targetsPage = () =>
      app.services.targets.roleTargetsJson({
        role: ROLE,
        period: TARGET_PERIOD,
        belowFloorOnly: false,
        limit: 5,
        offset: 0,
      });
    await page();
    await targetsPage();
    expect((await page()).copied).toBe(backend === 'pglite');
    // what a training or a rescore writes meanwhile: its progress, a model registered, reviews rescored
    await db.query(`update jobs set progress = progress where id = 'no-such-job'`);
    await db.transaction(async (tx) => {
      await tx.query(`update model_versions set status = status where id = 'no-such-version'`);
      await tx.query(
        `insert into model_events (kind, scope, action, to_version, actor) values ('baseline', 'x', 'register', 'v', 'test')`,
      );
    });
    await db.query(`update reviews set scored_at = scored_at where id = 'no-such-review'`);
    const kept = await page();
    expect(kept.copied, 'the ratings page').toBe(backend === 'pglite');
    // the targets read the models: theirs is read again
    expect((await targetsPage()).copied, 'the targets page').toBe(false);
    await compareAll('a job writing other tables');
    // the ratings change (a recompute's write): read again, equal to what the service computes
    await putRating(0.55);
    const changed = await page();
    expect(changed.copied).toBe(false);
    expect(changed.json).not.toBe(kept.json);
    await compareAll('a ratings write after a job');
  });

  it('computing a ratings page or the console board reads no table but RATINGS_READS', async () => {
    const { db } = get();
    const tables = new Set(
      (
        await db.query<{ t: string }>(
          `select tablename as t from pg_tables where schemaname in (current_schema(), 'public')`,
        )
      ).rows.map((r) => r.t),
    );
    const named = new Set<string>();
    const note = (sql: string) => {
      for (const m of sql.toLowerCase().matchAll(/\b(?:from|join)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/g))
        if (tables.has(m[1]!)) named.add(m[1]!);
    };
    // the database as the services see it, recording every statement; no copies (no generation)
    const recording = {
      ...db,
      writeGeneration: undefined,
      query: ((sql: string, params?: readonly unknown[]) => {
        note(sql);
        return db.query(sql, params);
      }) as typeof db.query,
    };
    const reviews = createReviewService({ db: recording, sentiment: {} as never, ingestion: {} as never });
    const board = createConsoleService({
      db: recording,
      keys: {} as never,
      reviews,
      catalogue: {} as never,
      sessionTtlMs: 60_000,
    });
    // a period no answer was stored for yet, a year, and the board with its previous period
    await db.query(`update agent_ratings set posterior_mean = posterior_mean where agent_id = $1`, [someone]);
    for (const q of [
      { period: INPUT_PERIOD, role: ROLE, limit: 20, offset: 0 },
      { period: '2026', limit: 5, offset: 0 },
      { period: '2026-Q3', team: 'no-such-team', limit: 5, offset: 0 },
    ])
      expect((await reviews.listRatingsJson(q, JSON.stringify)).stored).toBe(false);
    await board.leaderboard({ period: INPUT_PERIOD, role: ROLE, sort: 'score', limit: 10, offset: 0 });
    // the stored answers' own bookkeeping (the data version, the stored text) aside
    named.delete('read_results');
    named.delete('read_changes');
    expect(named.size).toBeGreaterThan(0);
    for (const t of named) expect(RATINGS_READS, t).toContain(t);
  });

  it('no reader serves a stored answer after a write by another process (two readers, one database)', async () => {
    const { db } = get();
    const a = createStoredReads(db);
    const b = createStoredReads(db);
    let computed = 0;
    const compute = async () => ({ n: ++computed });
    expect(await a(['copy-test'], compute)).toEqual({ json: '{"n":1}', stored: false });
    expect(await a(['copy-test'], compute)).toEqual({ json: '{"n":1}', stored: true });
    expect(await b(['copy-test'], compute)).toEqual({ json: '{"n":1}', stored: true });
    // "another process" writes data an answer depends on
    await db.query(`update roles set name = name where id = $1`, [ROLE]);
    expect(await a(['copy-test'], compute)).toEqual({ json: '{"n":2}', stored: false });
    expect(await b(['copy-test'], compute)).toEqual({ json: '{"n":2}', stored: true });
  });
});
