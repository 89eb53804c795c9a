/**
 * Reviews to ratings end to end over HTTP with the shipped zh model: ingestion scores the reviews and
 * updates their agents' ratings; promoting (and rolling back) a sentiment version rescores every
 * review and recomputes every rating as jobs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processorRegistry } from '../../src/jobs/index.js';
import { getVersion, registerVersion } from '../../src/registry/index.js';
import { packSentiment, registerShippedSentiment } from '../../src/registry/sentiment.js';
import { readModel } from '../../src/reviews/sentiment/predictor.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { settle } from '../jobs/behaviour.js';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { addAgents } from './helpers.js';

const KIND = 'cs_agent';
const good = ['客服态度很好，回复很快，非常耐心', '客服小姐姐很热情，解答很专业', '售后处理很及时，客服很负责'];
const rude = ['客服态度很差，爱答不理', '客服回复太慢了，等了半天没人理', '客服很不耐烦，态度恶劣'];

function reviews(agent: string, texts: string[], n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${agent}-r${i}`,
    agent_id: agent,
    order_id: `o-${agent}-${i}`,
    channel: 'chat',
    text: texts[i % texts.length]!,
    created_at: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T08:00:00Z`,
    replied_at: `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T09:00:00Z`,
  }));
}

describeEachBackend('reviews → ratings, and a sentiment switch', (get) => {
  let t: TestApp;
  const shipped = readModel('models/sentiment-zh');

  beforeAll(async () => {
    const { db } = get();
    await registerShippedSentiment(db, 'models');
    await addAgents(db, ['good-1', 'rude-1'], KIND);
    t = await buildTestApp(db, {}, false, processorRegistry());
  });
  afterAll(async () => {
    await t.app.close();
  });

  const rating = async (agent: string) =>
    (await t.app.inject({ url: `/v1/ratings/agents/${agent}?period=2026-03`, headers: t.auth('cs_lead') })).json()
      .ratings[0] as {
      score: number;
      n: number;
      sentiment_models: string[];
    };

  /** Waits for a job (30 s at most) and requires it completed. */
  const completed = async (id: string) => {
    const job = await settle(t.app.services.queue, id, 30_000);
    if (job.state !== 'completed') throw new Error(`job ${id} ${job.state}: ${job.error}`);
    return job as typeof job & { result: { jobs?: string[]; recompute?: string } };
  };

  /** The rescore job, its chunks and the recompute the last chunk submits. */
  const settleSwitch = async (id: string) => {
    const planner = await completed(id);
    const chunks = await Promise.all(planner.result.jobs!.map(completed));
    const recompute = chunks.map((c) => c.result.recompute).find(Boolean);
    expect(recompute).toBeTruthy();
    return completed(recompute!);
  };

  it('scores ingested reviews and rates their agents at once; a repeat changes nothing', async () => {
    const rows = [...reviews('good-1', good, 15), ...reviews('rude-1', rude, 15)];
    const first = await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: rows });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ inserted: 30, scored: 30 });
    expect(first.json().ratings_updated).toBeGreaterThan(0);

    const [g, r] = [await rating('good-1'), await rating('rude-1')];
    expect(g.n).toBe(15);
    expect(g.score).toBeGreaterThan(r.score + 30);
    expect(g.sentiment_models).toEqual([shipped.meta.version]);

    const again = await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: rows });
    expect(again.json()).toMatchObject({ inserted: 0, updated: 0, scored: 0, ratings_updated: 0 });
    expect(await rating('good-1')).toEqual(g);
  });

  it('rescores every review and recomputes every rating after a promote, and again after a rollback', async () => {
    const { db } = get();
    const before = { good: await rating('good-1'), rude: await rating('rude-1') };
    // a deliberately inverted model: every logit negated
    const flipped = shipped.weights.map((w) => -w);
    const meta = {
      ...shipped.meta,
      version: 'sentiment-zh@inverted',
      weights: { ...shipped.meta.weights, bias: -shipped.meta.weights.bias },
    };
    await registerVersion(db, {
      id: meta.version,
      kind: 'sentiment',
      scope: 'zh',
      artifact: packSentiment(meta, flipped),
    });

    const promoted = await t.app.inject({
      method: 'POST',
      url: `/v1/models/${encodeURIComponent(meta.version)}/promote`,
      headers: t.auth('admin'),
      payload: { reason: 'test' },
    });
    expect(promoted.statusCode).toBe(200);
    const job = promoted.json().rescore_job as string;
    expect(job).toMatch(/^score_reviews-/);
    await settleSwitch(job);

    const models = await db.query<{ m: string; n: number }>(
      `select sentiment_model as m, count(*)::int as n from reviews group by 1`,
    );
    expect(models.rows).toEqual([{ m: meta.version, n: 30 }]);
    const after = { good: await rating('good-1'), rude: await rating('rude-1') };
    expect(after.good.sentiment_models).toEqual([meta.version]);
    expect(after.good.score).toBeLessThan(before.good.score);
    expect(after.rude.score).toBeGreaterThan(before.rude.score);

    const rolled = await t.app.inject({
      method: 'POST',
      url: '/v1/models/sentiment/zh/rollback',
      headers: t.auth('admin'),
      payload: {},
    });
    expect(rolled.statusCode).toBe(200);
    expect(rolled.json().id).toBe(shipped.meta.version);
    expect(rolled.json().rescore_job).not.toBe(job);
    await settleSwitch(rolled.json().rescore_job);
    expect(await rating('good-1')).toEqual(before.good);
    expect(await rating('rude-1')).toEqual(before.rude);
    expect((await getVersion(db, meta.version))?.status).toBe('retired');
  });

  it('moving reviews to another agent or month updates the ratings they leave, as a full recompute would', async () => {
    const { db } = get();
    // five of good-1's reviews go to rude-1: the batch names only rude-1
    const toRude = reviews('good-1', good, 5).map((r) => ({ ...r, agent_id: 'rude-1' }));
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: toRude })).json(),
    ).toMatchObject({ updated: 5, scored: 0 });
    expect((await rating('good-1')).n).toBe(10);
    expect((await rating('rude-1')).n).toBe(20);
    // one of rude-1's March reviews moves to April: the batch names only April
    const toApril = {
      ...reviews('rude-1', rude, 1)[0]!,
      created_at: '2026-04-10T08:00:00Z',
      replied_at: '2026-04-10T09:00:00Z',
    };
    expect(
      (
        await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: [toApril] })
      ).json(),
    ).toMatchObject({ updated: 1 });
    const incremental = { good: await rating('good-1'), rude: await rating('rude-1') };
    expect(incremental.rude.n).toBe(19);
    await recomputeRatings(db);
    expect({ good: await rating('good-1'), rude: await rating('rude-1') }).toEqual(incremental);
  });
});
