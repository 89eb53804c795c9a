import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createKeyRepository, type Scope } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config.js';
import { createInlineQueue, type JobQueue } from '../../src/jobs/index.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from './helpers.js';
import { z } from 'zod';
import {
  annualInputs,
  auditEntry,
  kpiInputs,
  periodProfile,
  personTargets,
  roleTargets,
  storedOverride,
  weightProfile,
} from '../../src/routes/kpi-schemas.js';

describeEachBackend('baselines, targets and kpi-inputs over HTTP', (get) => {
  let app: FastifyInstance;
  let queue: JobQueue;
  const keys = {} as Record<Scope, string>;
  const as = (scope: Scope) => ({ authorization: `Bearer ${keys[scope]}` });

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 24 });
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' });
    queue = createInlineQueue({ db, config, processors: { train_baselines: trainBaselinesProcessor as never } });
    app = await buildApp({ config, db, queue, logger: false });
    await app.ready();
    const repo = createKeyRepository(db);
    for (const s of ['hr', 'cs_lead', 'scorer', 'admin'] as const) keys[s] = (await repo.create(`t ${s}`, [s])).key;
  });
  afterAll(async () => {
    await app?.close();
    await queue?.close();
  });

  async function train(body: object): Promise<{
    id: string;
    state: string;
    result: { models: { scope: string; version: string; promoted: boolean }[] };
  }> {
    const r = await app.inject({ method: 'POST', url: '/v1/baselines/train', headers: as('hr'), payload: body });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    for (let i = 0; i < 600; i++) {
      const s = await app.inject({ url: `/v1/baselines/jobs/${encodeURIComponent(id)}`, headers: as('hr') });
      const job = s.json();
      if (job.state === 'completed' || job.state === 'failed') return job;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('training job did not finish');
  }

  it('trains as a job with progress, idempotently, and lists the models with their backtest figures', async () => {
    const job = await train({ role: 'product_ops', network: false });
    expect(job.state).toBe('completed');
    expect(job.result.models.map((m) => m.scope).sort()).toEqual([
      'product_ops:gmv:quarter',
      'product_ops:innovation_contribution:quarter',
      'product_ops:inventory_turnover:quarter',
      'product_ops:order_handling_time:quarter',
    ]);
    expect(job.result.models.every((m) => m.promoted)).toBe(true);
    // the next quarter's targets are computed with the training, served from the cache
    expect(job.result.models.map((m) => (m as { warmed?: string }).warmed)).toEqual([
      '2026-Q4',
      '2026-Q4',
      '2026-Q4',
      '2026-Q4',
    ]);
    const again = await app.inject({
      method: 'POST',
      url: '/v1/baselines/train',
      headers: as('hr'),
      payload: { role: 'product_ops', network: false },
    });
    expect(again.json().id).toBe(job.id);
    const cs = await train({ role: 'cs_agent', metric: 'csat', kind: 'month', network: false });
    expect(cs.state).toBe('completed');

    const models = await app.inject({ url: '/v1/baselines/models?role=product_ops', headers: as('hr') });
    expect(models.statusCode).toBe(200);
    expect(models.json()).toHaveLength(4);
    expect(models.json()[0]).toMatchObject({
      status: 'active',
      metrics: { coverage80: expect.any(Number), coverage95: expect.any(Number), mase_model: expect.any(Number) },
    });
  });

  it('answers targets per role and per person with the stated quantiles and the measured coverage', async () => {
    const r = await app.inject({ url: '/v1/targets?role=product_ops&period=2026-Q4', headers: as('hr') });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.metrics).toHaveLength(4);
    const oht = body.metrics.find((m: { metric: string }) => m.metric === 'order_handling_time');
    expect(oht).toMatchObject({
      direction: 'lower',
      quantiles_used: { floor: 'P90', target: 'P30' },
      coverage: { nominal80: 0.8, measured80: expect.any(Number) },
    });
    const person = oht.people[0].employee_id as string;
    const one = await app.inject({ url: `/v1/targets/employees/${person}?period=2026-Q4`, headers: as('hr') });
    expect(one.statusCode).toBe(200);
    expect(one.json().metrics).toHaveLength(4);
    expect(
      one.json().metrics.find((m: { metric: string }) => m.metric === 'order_handling_time').person.target,
    ).toBeCloseTo(oht.people[0].target, 9);
  });

  it('lists the people below the warning line of a past period', async () => {
    const all = (
      await app.inject({ url: '/v1/targets?role=cs_agent&period=2026-10&metric=csat', headers: as('hr') })
    ).json().metrics[0];
    const flagged = (
      await app.inject({
        url: '/v1/targets?role=cs_agent&period=2026-10&metric=csat&below_floor=true',
        headers: as('hr'),
      })
    ).json().metrics[0];
    expect(flagged.summary).toEqual(all.summary);
    expect(flagged.people.map((p: { employee_id: string }) => p.employee_id)).toEqual(
      all.people
        .filter((p: { actual: number | null; floor: number }) => p.actual !== null && p.actual < p.floor)
        .map((p: { employee_id: string }) => p.employee_id),
    );
    expect(flagged.people.length).toBe(all.summary.below_floor);
  });

  it('names bad requests with a 4xx', async () => {
    const cases: [string, number, string][] = [
      ['/v1/targets?role=nobody&period=2026-Q4', 404, 'not_found'],
      ['/v1/targets?role=product_ops&period=2026-Q9', 400, 'bad_period'],
      ['/v1/targets?role=product_ops&period=2029-Q1&metric=gmv', 422, 'horizon_too_long'],
      ['/v1/targets?role=sales_ops&period=2026-W50', 404, 'no_model'],
      ['/v1/targets?role=product_ops&period=2026-Q4&metric=nope', 404, 'not_found'],
      ['/v1/targets/employees/NOBODY?period=2026-Q4', 404, 'not_found'],
      ['/v1/kpi-inputs?period=2026-13', 400, 'bad_period'],
    ];
    for (const [url, status, code] of cases) {
      const r = await app.inject({ url, headers: as(url.includes('kpi-inputs') ? 'scorer' : 'hr') });
      expect([r.statusCode, r.json().code], url).toEqual([status, code]);
    }
    const train = await app.inject({
      method: 'POST',
      url: '/v1/baselines/train',
      headers: as('hr'),
      payload: { role: 'nobody' },
    });
    expect(train.statusCode).toBe(404);
  });

  it('overrides a target with a reason and keeps the audit log', async () => {
    const t = (
      await app.inject({ url: '/v1/targets?role=cs_agent&period=2026-11&metric=csat', headers: as('hr') })
    ).json();
    const p = t.metrics[0].people[0];
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/targets/overrides',
      headers: as('hr'),
      payload: {
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-11',
        employee_id: p.employee_id,
        value: 0.91,
        reason: 'promoted to senior',
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().audit).toMatchObject({
      action: 'set',
      before_value: null,
      after_value: 0.91,
      suggested: p.suggested_target,
      reason: 'promoted to senior',
    });
    const bad = await app.inject({
      method: 'PUT',
      url: '/v1/targets/overrides',
      headers: as('hr'),
      payload: {
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-11',
        employee_id: p.employee_id,
        value: 3,
        reason: 'typo',
      },
    });
    expect([bad.statusCode, bad.json().code]).toEqual([422, 'value_out_of_range']);
    const after = (
      await app.inject({ url: `/v1/targets/employees/${p.employee_id}?period=2026-11&metric=csat`, headers: as('hr') })
    ).json();
    expect(after.metrics[0].person).toMatchObject({
      target: 0.91,
      override: { reason: 'promoted to senior', level: 'person' },
    });
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/targets/overrides?role=cs_agent&metric=csat&period=2026-11&employee_id=${p.employee_id}&reason=reverted`,
      headers: as('hr'),
    });
    expect(del.statusCode).toBe(200);
    const audit = (
      await app.inject({ url: `/v1/targets/audit?employee_id=${p.employee_id}`, headers: as('hr') })
    ).json();
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['clear', 'set']);
    expect(audit[0].actor).toBeTruthy();
    expect((await app.inject({ url: '/v1/targets/overrides?role=cs_agent', headers: as('hr') })).json()).toEqual([]);
  });

  it('chooses the weight profile from the calendar, lets HR edit and pin it, and refuses bad weights', async () => {
    const profile = async (period: string) =>
      (await app.inject({ url: `/v1/weight-profiles/periods/${period}`, headers: as('scorer') })).json();
    expect((await profile('2026-06')).profile).toMatchObject({ id: 'promotion', sales: 50 });
    expect((await profile('2026-11')).profile.id).toBe('promotion');
    expect((await profile('2026-02')).profile).toMatchObject({ id: 'ordinary', customer_experience: 25 });
    expect((await profile('2026-04')).profile).toMatchObject({
      id: 'default',
      sales: 40,
      efficiency: 30,
      customer_experience: 20,
      innovation: 10,
    });
    const bad = await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/promotion',
      headers: as('hr'),
      payload: { name: 'x', sales: 60, efficiency: 30, customer_experience: 20, innovation: 10 },
    });
    expect([bad.statusCode, bad.json().code]).toEqual([422, 'bad_weights']);
    const ok = await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/promotion',
      headers: as('hr'),
      payload: { name: 'Promotion', sales: 55, efficiency: 20, customer_experience: 15, innovation: 10 },
    });
    expect(ok.statusCode).toBe(200);
    expect((await profile('2026-06')).profile.sales).toBe(55);
    const pin = await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/periods/2026-04',
      headers: as('hr'),
      payload: { profile: 'promotion' },
    });
    expect(pin.json()).toMatchObject({ chosen_by: 'pinned', profile: { id: 'promotion' } });
    await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/periods/2026-04',
      headers: as('hr'),
      payload: { profile: null },
    });
    expect((await profile('2026-04')).chosen_by).toBe('calendar');
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/weight-profiles/promotion',
          headers: as('scorer'),
          payload: { name: 'x', sales: 40, efficiency: 30, customer_experience: 20, innovation: 10 },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('serves kpi-inputs to scorers for a month, a quarter and a year', async () => {
    expect((await app.inject({ url: '/v1/kpi-inputs?period=2026-10', headers: as('hr') })).statusCode).toBe(403);
    const m = await app.inject({ url: '/v1/kpi-inputs?period=2026-10&role=cs_agent', headers: as('scorer') });
    expect(m.statusCode, m.body).toBe(200);
    const month = m.json();
    expect(month.weight_profile).toMatchObject({ id: 'promotion', chosen_by: 'calendar' });
    expect(month.people.length).toBeGreaterThan(3);
    const p = month.people[0];
    expect(p.metrics.map((x: { metric: string }) => x.metric).sort()).toEqual([
      'csat',
      'negative_review_response_24h',
      'response_qualified_rate',
      'return_handling_time',
    ]);
    const csat = p.metrics.find((x: { metric: string }) => x.metric === 'csat');
    expect(csat).toMatchObject({
      actual: expect.any(Number),
      baseline: expect.any(Number),
      target: expect.any(Number),
      attainment: expect.any(Number),
      percentile: expect.any(Number),
      model_version: expect.stringContaining('cs_agent:csat:month'),
    });
    // no model for the other monthly metrics: actual only, with the reason
    const rqr = p.metrics.find((x: { metric: string }) => x.metric === 'response_qualified_rate');
    expect(rqr.baseline).toBeNull();
    expect(rqr.note).toContain('no active baseline model');
    expect(p.composite.score).toBeCloseTo(csat.score, 9);
    expect(p.service_rating).toBeNull();
    // with a stored service-ability rating for the period, it comes along (not in the composite)
    await get().db.query(
      `insert into agent_ratings (agent_id, period, period_kind, period_start, role_id, reviews, unscored, n, positive, not_attributable,
         aspect_n, aspect_positive, other_mentions, other_negative, sentiment_models,
         negative_reviews, negative_replied_24h, negative_late, negative_pending, returns, returns_closed_48h, returns_late, returns_pending,
         prior_alpha, prior_beta, prior_method, posterior_mean, ci_low, ci_high, min_reviews, rating_model)
       values ($1, '2026-10', 'month', '2026-10-01', 'cs_agent', 30, 0, 25, 20, 5, '{20,5,0}', '{16,4,0}', '{0,0,0,0}', '{0,0,0,0}', '{}',
         4, 3, 1, 0, 0, 0, 0, 0, 8, 2, 'moments', 0.8, 0.65, 0.9, 10, 'test-rating')`,
      [p.employee_id],
    );
    const rated = (
      await app.inject({ url: `/v1/kpi-inputs?period=2026-10&employee_id=${p.employee_id}`, headers: as('scorer') })
    ).json();
    expect(rated.people[0].service_rating).toMatchObject({
      score: 80,
      n: 25,
      insufficient_evidence: false,
      posterior_mean: 0.8,
    });
    expect(rated.people[0].composite.score).toBeCloseTo(p.composite.score, 9);

    const q = (await app.inject({ url: '/v1/kpi-inputs?period=2026-Q3', headers: as('scorer') })).json();
    const product = q.people.find((x: { role: string }) => x.role === 'product_ops');
    expect(product.metrics.filter((x: { baseline: number | null }) => x.baseline !== null).length).toBeGreaterThan(1);
    const agent = q.people.find((x: { role: string }) => x.role === 'cs_agent');
    expect(agent.metrics.find((x: { metric: string }) => x.metric === 'csat')).toMatchObject({
      from: 'months',
      period_kind: 'month',
      score: expect.any(Number),
    });

    const y = (await app.inject({ url: '/v1/kpi-inputs?period=2026', headers: as('scorer') })).json();
    expect(y.quarters.map((x: { period: string }) => x.period)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    const someone = y.people.find((x: { composite: { score: number | null } }) => x.composite.score !== null);
    const scored = someone.quarters.filter((x: { score: number | null }) => x.score !== null);
    const expected =
      scored.reduce((s: number, x: { score: number; days: number }) => s + x.score * x.days, 0) /
      scored.reduce((s: number, x: { days: number }) => s + x.days, 0);
    expect(someone.composite.score).toBeCloseTo(expected, 9);
  });

  it('answers exactly the documented response shapes (OpenAPI), overrides and ratings included', async () => {
    const { db } = get();
    const t = (
      await app.inject({ url: '/v1/targets?role=cs_agent&period=2026-11&metric=csat', headers: as('hr') })
    ).json();
    const who = t.metrics[0].people[1].employee_id as string;
    const set = await app.inject({
      method: 'PUT',
      url: '/v1/targets/overrides',
      headers: as('hr'),
      payload: {
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-11',
        employee_id: who,
        value: 0.9,
        reason: 'shape test',
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    const rated = (
      await db.query<{ agent_id: string }>(`select agent_id from agent_ratings where period = '2026-10' limit 1`)
    ).rows.length;
    expect(rated).toBeGreaterThan(0); // stored by the test before: a rating is part of the answers below
    const cases: [string, z.ZodType][] = [
      ['/v1/targets?role=cs_agent&period=2026-11', roleTargets],
      ['/v1/targets?role=cs_agent&period=2026-10&metric=csat', roleTargets],
      ['/v1/targets?role=product_ops&period=2026-Q4', roleTargets],
      [`/v1/targets/employees/${who}?period=2026-11`, personTargets],
      ['/v1/kpi-inputs?period=2026-10', kpiInputs],
      ['/v1/kpi-inputs?period=2026-Q3', kpiInputs],
      ['/v1/kpi-inputs?period=2026-W40', kpiInputs],
      ['/v1/kpi-inputs?period=2026', annualInputs],
    ];
    const docs = (await app.inject({ url: '/docs/json' })).json();
    for (const [url, schema] of cases) {
      const r = await app.inject({ url, headers: as(url.includes('kpi-inputs') ? 'scorer' : 'hr') });
      expect(r.statusCode, `${url}: ${r.body.slice(0, 200)}`).toBe(200);
      const body = r.json();
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${url}: ${parsed.error?.message.slice(0, 400)}`).toBe(true);
      // nothing undocumented: parsing strips unknown keys, so the parse must give the answer back whole
      expect(parsed.data, url).toEqual(body);
      const path = url.replace(/\?.*$/, '').replace(`/employees/${who}`, '/employees/{id}');
      expect(docs.paths[path].get.responses['200'].content['application/json'].schema, url).toBeTruthy();
    }
    // the writes and the small reads too
    const exact = (label: string, schema: z.ZodType, body: unknown) => {
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${label}: ${parsed.error?.message.slice(0, 400)}`).toBe(true);
      expect(parsed.data, label).toEqual(body);
    };
    exact('PUT /v1/targets/overrides', z.object({ override: storedOverride, audit: auditEntry }), set.json());
    exact(
      'GET /v1/targets/overrides',
      z.array(storedOverride),
      (await app.inject({ url: '/v1/targets/overrides?role=cs_agent', headers: as('hr') })).json(),
    );
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/targets/overrides?role=cs_agent&metric=csat&period=2026-11&employee_id=${who}&reason=done`,
      headers: as('hr'),
    });
    expect(del.statusCode).toBe(200);
    exact('DELETE /v1/targets/overrides', auditEntry, del.json());
    exact(
      'GET /v1/targets/audit',
      z.array(auditEntry),
      (await app.inject({ url: `/v1/targets/audit?employee_id=${who}`, headers: as('hr') })).json(),
    );
    exact(
      'GET /v1/weight-profiles',
      z.array(weightProfile),
      (await app.inject({ url: '/v1/weight-profiles', headers: as('scorer') })).json(),
    );
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/shape',
      headers: as('hr'),
      payload: { name: 'shape test', sales: 25, efficiency: 25, customer_experience: 25, innovation: 25 },
    });
    exact('PUT /v1/weight-profiles/:id', weightProfile, put.json());
    exact(
      'GET /v1/weight-profiles/periods/:period',
      periodProfile,
      (await app.inject({ url: '/v1/weight-profiles/periods/2026-11', headers: as('scorer') })).json(),
    );
    const pin = await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/periods/2027-01',
      headers: as('hr'),
      payload: { profile: 'shape' },
    });
    exact('PUT /v1/weight-profiles/periods/:period', periodProfile, pin.json());
    expect(pin.json()).toMatchObject({ chosen_by: 'pinned', profile: { id: 'shape' } });
    await app.inject({
      method: 'PUT',
      url: '/v1/weight-profiles/periods/2027-01',
      headers: as('hr'),
      payload: { profile: null },
    });
  });
});
