/**
 * Closed periods against the real recomputes (issue 25's acceptance): close cs_agent's 2026-Q1, then
 * promote a sentiment model (every review rescored, every rating recomputed as jobs) and correct
 * reviews (a re-upload that changes a text, and the quality lead's correction route
 * POST /v1/reviews/:id/corrections; both recompute ratings at once). Q1's ratings and KPI inputs — and
 * those of its months, frozen with it — are byte-identical to before, Q2's moved, and the differences
 * since close list what moved in Q1.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processorRegistry } from '../../src/jobs/index.js';
import { registerVersion } from '../../src/registry/index.js';
import { packSentiment, registerShippedSentiment } from '../../src/registry/sentiment.js';
import { readModel } from '../../src/reviews/sentiment/predictor.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { settle } from '../jobs/behaviour.js';
import { addAgents } from '../ratings/helpers.js';

const ROLE = 'cs_agent';
const good = ['客服态度很好，回复很快，非常耐心', '客服小姐姐很热情，解答很专业', '售后处理很及时，客服很负责'];
const rude = ['客服态度很差，爱答不理', '客服回复太慢了，等了半天没人理', '客服很不耐烦，态度恶劣'];
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** `n` reviews of an agent in a month (`2026-03`), one a day from the 2nd. */
function reviews(agent: string, texts: string[], n: number, month: string) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${agent}-${month}-r${i}`,
    agent_id: agent,
    order_id: `o-${agent}-${month}-${i}`,
    channel: 'chat',
    text: texts[i % texts.length]!,
    created_at: `${month}-${String(2 + (i % 20)).padStart(2, '0')}T08:00:00Z`,
    replied_at: `${month}-${String(2 + (i % 20)).padStart(2, '0')}T09:00:00Z`,
  }));
}

describeEachBackend('a closed quarter against a sentiment promote and a correction', (get) => {
  let t: TestApp;
  const shipped = readModel('models/sentiment-zh');

  beforeAll(async () => {
    const { db } = get();
    await registerShippedSentiment(db, 'models');
    await addAgents(db, ['good-1', 'rude-1'], ROLE);
    t = await buildTestApp(db, { LOG_LEVEL: 'silent' }, false, processorRegistry());
    const rows = ['2026-03', '2026-04'].flatMap((m) => [
      ...reviews('good-1', good, 12, m),
      ...reviews('rude-1', rude, 12, m),
    ]);
    const r = await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: rows });
    expect(r.statusCode, r.body).toBe(200);
    // KPI history, so the people have KPI inputs (with their service rating beside them)
    const h = await t.app.inject({
      method: 'POST',
      url: '/v1/history',
      headers: t.auth('hr'),
      payload: ['good-1', 'rude-1'].flatMap((id) =>
        ['2026-03', '2026-04'].map((period) => ({ employee_id: id, metric_id: 'csat', period, value: 0.9 })),
      ),
    });
    expect(h.statusCode, h.body).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const read = async (url: string) => {
    const r = await t.app.inject({ url, headers: t.auth('scorer') });
    expect(r.statusCode, `${url}: ${r.body.slice(0, 300)}`).toBe(200);
    return r.body;
  };
  const completed = async (id: string) => {
    const job = await settle(t.app.services.queue, id, 60_000);
    if (job.state !== 'completed') throw new Error(`job ${id} ${job.state}: ${job.error}`);
    return job as typeof job & { result: { jobs?: string[]; recompute?: string } };
  };

  it('Q1 and its months read byte-identical after the promote and the correction; Q2 moved; differences listed', async () => {
    const urls = {
      q1Ratings: `/v1/ratings?period=2026-Q1&role=${ROLE}`,
      marchRatings: `/v1/ratings?period=2026-03&role=${ROLE}`,
      q1Inputs: `/v1/kpi-inputs?period=2026-Q1&role=${ROLE}`,
      marchInputs: `/v1/kpi-inputs?period=2026-03&role=${ROLE}`,
      q2Ratings: `/v1/ratings?period=2026-Q2&role=${ROLE}`,
      q2Inputs: `/v1/kpi-inputs?period=2026-Q2&role=${ROLE}`,
    };
    const closed = await t.app.inject({
      method: 'POST',
      url: `/v1/periods/${ROLE}/2026-Q1/close`,
      headers: t.auth('hr'),
      payload: { reason: 'Q1 paid' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const before: Record<string, string> = {};
    for (const [k, url] of Object.entries(urls)) before[k] = await read(url);
    expect(JSON.parse(before.q1Ratings!).items).toHaveLength(2);
    expect(JSON.parse(before.marchInputs!).people[0].service_rating).not.toBeNull();

    // promote a deliberately inverted model: every review rescored, every rating recomputed (jobs)
    const meta = {
      ...shipped.meta,
      version: 'sentiment-zh@inverted',
      weights: { ...shipped.meta.weights, bias: -shipped.meta.weights.bias },
    };
    await registerVersion(get().db, {
      id: meta.version,
      kind: 'sentiment',
      scope: 'zh',
      artifact: packSentiment(
        meta,
        shipped.weights.map((w) => -w),
      ),
    });
    const promoted = await t.app.inject({
      method: 'POST',
      url: `/v1/models/${encodeURIComponent(meta.version)}/promote`,
      headers: t.auth('admin'),
      payload: { reason: 'test' },
    });
    expect(promoted.statusCode, promoted.body).toBe(200);
    const planner = await completed(promoted.json().rescore_job);
    const chunks = await Promise.all(planner.result.jobs!.map(completed));
    await completed(chunks.map((c) => c.result.recompute).find(Boolean)!);
    const stored = await get().db.query<{ m: string }>(`select distinct sentiment_model as m from reviews`);
    expect(stored.rows).toEqual([{ m: meta.version }]);

    // the quality lead's correction: a March and an April review of good-1 re-uploaded with another text
    const correction = [...reviews('good-1', rude, 1, '2026-03'), ...reviews('good-1', rude, 1, '2026-04')];
    const corrected = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews',
      headers: t.auth('cs_lead'),
      payload: correction,
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(corrected.json()).toMatchObject({ updated: 2, scored: 2 });
    expect(corrected.json().ratings_updated).toBeGreaterThan(0);

    // and the quality lead's correction route (复核, POST /v1/reviews/:id/corrections) on a March and an April review
    for (const id of ['good-1-2026-03-r2', 'good-1-2026-04-r2']) {
      const fixed = await t.app.inject({
        method: 'POST',
        url: `/v1/reviews/${id}/corrections`,
        headers: t.auth('cs_lead'),
        payload: {
          aspects: [{ aspect: 'service_attitude', polarity: 'negative' }],
          attribution: 'agent',
          reason: 'the chat log shows the agent was rude',
        },
      });
      expect(fixed.statusCode, fixed.body).toBe(201);
      expect(fixed.json().ratings_updated).toBeGreaterThan(0);
    }

    // the closed quarter and its months: byte for byte as before
    for (const k of ['q1Ratings', 'marchRatings', 'q1Inputs', 'marchInputs'])
      expect(sha(await read(urls[k as keyof typeof urls])), k).toBe(sha(before[k]!));
    // the open quarter follows the new model and the correction
    expect(sha(await read(urls.q2Ratings))).not.toBe(sha(before.q2Ratings!));
    expect(sha(await read(urls.q2Inputs))).not.toBe(sha(before.q2Inputs!));
    const q2 = JSON.parse(await read(urls.q2Ratings));
    expect(q2.items[0].sentiment_models).toEqual([meta.version]);

    // what the recomputes would have changed in Q1 (and in March, frozen with it)
    const hr = async (url: string) => (await t.app.inject({ url, headers: t.auth('hr') })).json();
    for (const period of ['2026-Q1', '2026-03']) {
      const diff = await hr(`/v1/periods/${ROLE}/${period}/differences?limit=10000`);
      expect(diff.counts.ratings, period).toBeGreaterThan(0);
      expect(diff.counts.kpi_inputs, period).toBeGreaterThan(0);
      const paths = diff.differences.map((d: { path: string }) => d.path);
      expect(paths).toContain('items[good-1].score');
      expect(paths).toContain('items[good-1].sentiment_models[0]');
      expect(paths.some((p: string) => p.startsWith('people[good-1].service_rating.'))).toBe(true);
      const models = diff.differences.find((d: { path: string }) => d.path === 'items[good-1].sentiment_models[0]');
      expect(models).toMatchObject({ closed: shipped.meta.version, now: meta.version });
    }
  }, 300_000);
});
