import { beforeAll, expect, it } from 'vitest';
import { fitPrior, posterior } from '../../src/ratings/model.js';
import { recomputeRatings, ratingScopeOf, periodsWithin } from '../../src/ratings/recompute.js';
import { agentRatings, listRatings } from '../../src/ratings/repository.js';
import { recomputeRatingsProcessor } from '../../src/ratings/job.js';
import type { JobContext } from '../../src/jobs/types.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews, ratingRows } from './helpers.js';

const NOW = new Date('2026-04-20T00:00:00Z');

describeEachBackend('ratings recompute', (get) => {
  beforeAll(async () => {
    const { db } = get();
    await addAgents(db, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    await addScoredReviews(db, [
      // r1: one review through its agent aspects (mean of 0.9 and 0.7), one chat thank-you (overall 0.6),
      // one logistics-only complaint through chat (not attributable), one unscored
      {
        id: 'x1',
        agent: 'r1',
        created: '2026-02-10T03:00:00Z',
        replied: '2026-02-10T05:00:00Z',
        p: 0.85,
        aspects: [
          ['service_attitude', 0.9],
          ['response_speed', 0.7],
        ],
      },
      { id: 'x2', agent: 'r1', created: '2026-02-11T03:00:00Z', p: 0.6 },
      { id: 'x3', agent: 'r1', created: '2026-02-12T03:00:00Z', p: 0.05, rating: 1, aspects: [['logistics', 0.05]] },
      { id: 'x4', agent: 'r1', created: '2026-02-12T04:00:00Z', p: 0.5, model: null },
      // a product review without aspects is not a service interaction
      { id: 'x5', agent: 'r1', channel: 'product_review', created: '2026-02-13T03:00:00Z', p: 0.9 },
      // negative reviews for the 24 h SLA: replied in 30 h (late), never replied (late), replied in 2 h
      {
        id: 'x6',
        agent: 'r2',
        created: '2026-03-02T00:00:00Z',
        replied: '2026-03-03T06:00:00Z',
        p: 0.1,
        aspects: [['service_attitude', 0.1]],
      },
      { id: 'x7', agent: 'r2', created: '2026-03-03T00:00:00Z', p: 0.2, aspects: [['returns_handling', 0.2]] },
      {
        id: 'x8',
        agent: 'r2',
        created: '2026-03-04T00:00:00Z',
        replied: '2026-03-04T02:00:00Z',
        p: 0.8,
        rating: 2,
        aspects: [['response_speed', 0.8]],
      },
      // a negative review from 10 hours before NOW: pending
      { id: 'x9', agent: 'r2', created: '2026-04-19T14:00:00Z', p: 0.1, aspects: [['service_attitude', 0.1]] },
      // the ISO week of 2025-12-31 is 2026-W01; its month and quarter are 2025-12 and 2025-Q4
      { id: 'x10', agent: 'r3', created: '2025-12-31T12:00:00Z', p: 0.9, aspects: [['service_attitude', 0.9]] },
    ]);
    // enough agents for an empirical-Bayes prior in 2026-Q1
    const more = [];
    for (const [a, share] of [
      ['r3', 0.9],
      ['r4', 0.8],
      ['r5', 0.7],
      ['r6', 0.6],
    ] as const) {
      for (let i = 0; i < 20; i++)
        more.push({
          id: `${a}-${i}`,
          agent: a,
          created: `2026-01-${String(5 + i).padStart(2, '0')}T08:00:00Z`,
          p: i < share * 20 ? 0.95 : 0.05,
          aspects: [['service_attitude', i < share * 20 ? 0.95 : 0.05]] as Array<[string, number]>,
        });
    }
    await addScoredReviews(db, more);
  });

  it('aggregates attributable evidence, what is not attributable and the 24 h SLA per period', async () => {
    const { db } = get();
    const first = await recomputeRatings(db, { now: NOW });
    expect(first.updated).toBeGreaterThan(0);
    const r1 = (await agentRatings(db, 'r1', { period: '2026-02' })).ratings[0]!;
    expect(r1.reviews).toBe(5);
    expect(r1.unscored).toBe(1);
    expect(r1.n).toBe(2);
    expect(r1.positive).toBeCloseTo(0.8 + 0.6, 9);
    expect(r1.not_attributable.reviews).toBe(2);
    expect(r1.not_attributable.aspects.logistics).toEqual({ mentions: 1, negative: 1 });
    expect(r1.aspects.service_attitude).toMatchObject({ n: 1, positive: 0.9 });
    expect(r1.aspects.response_speed).toMatchObject({ n: 1, positive: 0.7 });
    expect(r1.aspects.returns_handling).toEqual({ n: 0, positive: 0, share: null });
    expect(r1.sentiment_models).toEqual(['sentiment-zh@test']);
    expect(r1.insufficient_evidence).toBe(true);
    expect(r1.sla.negative_response_24h).toMatchObject({
      negative_reviews: 1,
      replied_within_24h: 0,
      late: 1,
      rate: 0,
      met: false,
    });

    const r2 = (await agentRatings(db, 'r2', { period: '2026-03' })).ratings[0]!;
    expect(r2.sla.negative_response_24h).toMatchObject({
      negative_reviews: 3,
      replied_within_24h: 1,
      late: 2,
      pending: 0,
      target: 1,
      met: false,
    });
    expect(r2.sla.negative_response_24h.rate).toBeCloseTo(1 / 3, 12);
    const april = (await agentRatings(db, 'r2', { period: '2026-04' })).ratings[0]!;
    expect(april.sla.negative_response_24h).toMatchObject({ negative_reviews: 1, pending: 1, rate: null, met: null });

    const r3 = await agentRatings(db, 'r3', { kind: 'week' });
    expect(r3.ratings.map((r) => r.period)).toContain('2026-W01');
    expect((await agentRatings(db, 'r3', { period: '2025-12' })).ratings[0]?.n).toBe(1);
    expect((await agentRatings(db, 'r3', { period: '2025-Q4' })).ratings[0]?.n).toBe(1);
  });

  it('fits the role prior (empirical Bayes) and shrinks towards it, with a 90 % interval', async () => {
    const { db } = get();
    const q1 = await listRatings(db, { period: '2026-Q1', role: 'cs_agent', limit: 100, offset: 0 });
    const r3 = q1.items.find((r) => r.agent_id === 'r3')!;
    expect(r3.prior?.method).toBe('eb');
    expect(r3.n).toBe(20);
    const priorMean = r3.prior!.mean;
    // between the raw share and the role's mean, inside its interval
    expect(r3.posterior_mean!).toBeLessThan(r3.raw_share!);
    expect(r3.posterior_mean!).toBeGreaterThan(priorMean);
    expect(r3.interval.low!).toBeLessThan(r3.posterior_mean!);
    expect(r3.interval.high!).toBeGreaterThan(r3.posterior_mean!);
    expect(r3.score).toBe(Math.round(1000 * r3.posterior_mean!) / 10);
    expect(r3.stars).toBe(Math.round(10 * (1 + 4 * r3.posterior_mean!)) / 10);
    expect(r3.rating_model).toMatch(/^eb-beta-binomial@/);
    // sorted by score, best first; ties broken by agent id
    const scores = q1.items.map((r) => r.posterior_mean ?? -1);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('is idempotent: a second recompute writes nothing and leaves identical rows', async () => {
    const { db } = get();
    const before = await ratingRows(db);
    const again = await recomputeRatings(db, { now: NOW });
    expect(again.updated).toBe(0);
    expect(await ratingRows(db)).toEqual(before);
  });

  it('an incremental recompute after new reviews equals a full one', async () => {
    const { db } = get();
    const fresh = [
      {
        id: 'n1',
        agent: 'r4',
        created: '2026-02-20T08:00:00Z',
        p: 0.1,
        aspects: [['service_attitude', 0.1]] as Array<[string, number]>,
      },
      { id: 'n2', agent: 'r5', created: '2026-03-20T08:00:00Z', p: 0.9 },
    ];
    await addScoredReviews(db, fresh);
    const inc = await recomputeRatings(db, {
      ...ratingScopeOf(fresh.map((r) => ({ agent_id: r.agent, at: r.created }))),
      now: NOW,
    });
    expect(inc.updated).toBeGreaterThan(0);
    const afterIncremental = await ratingRows(db);
    const full = await recomputeRatings(db, { now: NOW });
    expect(full.updated).toBe(0);
    expect(await ratingRows(db)).toEqual(afterIncremental);
  });

  it('moves evidence when a review changes agent, and deletes ratings left without data', async () => {
    const { db } = get();
    await db.query(`update reviews set agent_id = 'r6' where id = 'x10'`);
    await recomputeRatings(db, { now: NOW });
    expect((await agentRatings(db, 'r3', { period: '2025-Q4' })).ratings).toEqual([]);
    expect((await agentRatings(db, 'r6', { period: '2025-Q4' })).ratings[0]?.n).toBe(1);
    await db.query(`update reviews set agent_id = 'r3' where id = 'x10'`);
    await recomputeRatings(db, { agentIds: ['r3', 'r6'], periods: ['2026-W01', '2025-12', '2025-Q4'], now: NOW });
    expect((await agentRatings(db, 'r6', { period: '2025-Q4' })).ratings).toEqual([]);
    expect((await agentRatings(db, 'r3', { period: '2025-Q4' })).ratings[0]?.n).toBe(1);
  });

  it('gives the year as the review-weighted mean of its quarters', async () => {
    const { db } = get();
    const year = (await agentRatings(db, 'r3', { period: '2026' })).ratings[0]!;
    const quarters = (await agentRatings(db, 'r3', { kind: 'quarter', from: '2026-01-01', to: '2026-12-31' })).ratings;
    expect(year.period_kind).toBe('year');
    expect(year.quarters).toEqual(quarters.map((q) => q.period));
    const n = quarters.reduce((s, q) => s + q.n, 0);
    expect(year.n).toBe(n);
    expect(year.posterior_mean).toBeCloseTo(quarters.reduce((s, q) => s + q.n * q.posterior_mean!, 0) / n, 12);
    const list = await listRatings(db, {
      period: '2026',
      role: 'cs_agent',
      sort: 'agent_id',
      order: 'asc',
      limit: 2,
      offset: 1,
    });
    expect(list.total).toBeGreaterThanOrEqual(5);
    expect(list.items.map((r) => r.agent_id)).toEqual(['r2', 'r3']);
  });

  it('filters by evidence and paginates with a total', async () => {
    const { db } = get();
    const all = await listRatings(db, { period: '2026-Q1', limit: 2, offset: 0, sort: 'n', order: 'desc' });
    expect(all.items).toHaveLength(2);
    expect(all.items[0]!.n).toBeGreaterThanOrEqual(all.items[1]!.n);
    const thin = await listRatings(db, { period: '2026-Q1', evidence: 'insufficient', limit: 100, offset: 0 });
    expect(thin.items.every((r) => r.insufficient_evidence)).toBe(true);
    const enough = await listRatings(db, { period: '2026-Q1', evidence: 'sufficient', limit: 100, offset: 0 });
    expect(enough.items.every((r) => !r.insufficient_evidence)).toBe(true);
    expect(thin.total + enough.total).toBe(all.total);
    expect((await listRatings(db, { period: '2026-Q1', limit: 10, offset: 1000 })).total).toBe(all.total);
    // a stricter threshold flags more
    await recomputeRatings(db, { periods: ['2026-Q1'], minReviews: 25, now: NOW });
    expect((await listRatings(db, { period: '2026-Q1', evidence: 'insufficient', limit: 100, offset: 0 })).total).toBe(
      all.total,
    );
    await recomputeRatings(db, { periods: ['2026-Q1'], now: NOW });
  });

  it('soft evidence: stores Σp², fits ρ < 1 for the role and period and counts each review as 1 / ρ trials', async () => {
    const { db } = get();
    // eight agents of a role of their own (product_ops), 2026-Q2: 30 soft reviews each, p alternating share ± 0.1
    const agents = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'];
    await addAgents(db, agents, 'product_ops');
    const rows = agents.flatMap((a, j) =>
      Array.from({ length: 30 }, (_, i) => ({
        id: `${a}-${i}`,
        agent: a,
        created: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z`,
        p: 0.3 + 0.07 * j + (i % 2 === 0 ? 0.1 : -0.1),
      })),
    );
    await addScoredReviews(db, rows);
    await recomputeRatings(db, { now: NOW });
    const stored = (
      await db.query<{ agent_id: string; n: number; positive: number; positive_sq: number; prior_rho: number }>(
        `select agent_id, n, positive, positive_sq, prior_rho from agent_ratings where role_id = 'product_ops' and period = '2026-Q2' order by agent_id`,
      )
    ).rows;
    expect(stored.map((r) => r.agent_id)).toEqual(agents);
    for (const r of stored)
      expect(r.positive_sq).toBeCloseTo(
        rows.filter((x) => x.agent === r.agent_id).reduce((s, x) => s + x.p * x.p, 0),
        8,
      );
    const prior = fitPrior(stored.map((r) => ({ n: r.n, positive: r.positive, positiveSq: r.positive_sq })));
    expect(prior.rho).toBeLessThan(0.5);
    const list = await listRatings(db, {
      period: '2026-Q2',
      role: 'product_ops',
      sort: 'agent_id',
      order: 'asc',
      limit: 100,
      offset: 0,
    });
    for (const [i, r] of list.items.entries()) {
      expect(r.prior!.rho).toBeCloseTo(prior.rho, 10);
      expect(r.effective_n).toBeCloseTo(30 / prior.rho, 8);
      const post = posterior(prior, stored[i]!);
      expect(r.posterior_mean).toBeCloseTo(post.mean, 10);
      expect(r.interval.low).toBeCloseTo(post.low, 10);
    }
    // the agents differ, and the rating shows it
    expect(list.items[7]!.posterior_mean! - list.items[0]!.posterior_mean!).toBeGreaterThan(0.3);
    const year = (await agentRatings(db, 's1', { period: '2026' })).ratings[0]!;
    expect(year.effective_n).toBeCloseTo(list.items[0]!.effective_n!, 8);

    // rows stored by eb-beta-binomial@1 have no Σp² and no ρ: read as yes/no trials, and a partial
    // recompute estimates ρ from the rows that have Σp²
    await db.query(`update agent_ratings set positive_sq = null, prior_rho = null where role_id = 'product_ops'`);
    const legacy = (await agentRatings(db, 's2', { period: '2026-Q2' })).ratings[0]!;
    expect(legacy.prior!.rho).toBe(1);
    expect(legacy.effective_n).toBe(30);
    await recomputeRatings(db, { agentIds: ['s1'], periods: ['2026-Q2'], now: NOW });
    const partial = (await agentRatings(db, 's2', { period: '2026-Q2' })).ratings[0]!;
    expect(partial.prior!.rho).toBeCloseTo(
      fitPrior([{ n: stored[0]!.n, positive: stored[0]!.positive, positiveSq: stored[0]!.positive_sq }]).rho,
      10,
    );
    expect(partial.prior!.rho).toBeLessThan(1);
    await recomputeRatings(db, { now: NOW });
    expect((await agentRatings(db, 's2', { period: '2026-Q2' })).ratings[0]!.prior!.rho).toBeCloseTo(prior.rho, 10);
  });

  it('runs as the recompute_ratings job, and refuses bad job data without retrying', async () => {
    const { db } = get();
    const stages: string[] = [];
    const ctx = {
      jobId: 'j1',
      signal: new AbortController().signal,
      deps: { db, config: {} },
      progress: async (_p: number, s: string) => void stages.push(s),
    } as unknown as JobContext;
    const r = await recomputeRatingsProcessor({ periods: periodsWithin('2026-Q1') }, ctx);
    expect(r.periods).toBe(18);
    expect(stages.length).toBeGreaterThan(0);
    await expect(recomputeRatingsProcessor({ periods: ['2026-13'] }, ctx)).rejects.toMatchObject({
      unrecoverable: true,
    });
    await expect(recomputeRatingsProcessor({ agents: ['x'] } as never, ctx)).rejects.toMatchObject({
      unrecoverable: true,
    });
  });
});
