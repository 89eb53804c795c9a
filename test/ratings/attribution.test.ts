/**
 * Attribution on labelled examples in both languages, scored by the real sentiment engine (the
 * trained models in models/ where present, else its lexicon fallback): a logistics-only complaint
 * leaves the agent's rating exactly as it was, also when it came through chat; a rude-agent
 * complaint lowers it.
 */
import { beforeAll, expect, it } from 'vitest';
import { recomputeRatings, ratingScopeOf } from '../../src/ratings/recompute.js';
import { agentRatings, type Rating } from '../../src/ratings/repository.js';
import { scoreStoredReviews } from '../../src/reviews/scoring.js';
import { loadSentimentModels, type SentimentEngine } from '../../src/reviews/sentiment/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents } from './helpers.js';

const PRAISE = [
  '客服很耐心，态度很好',
  'The support agent was friendly and very helpful.',
  '客服回复很快，服务很周到',
  'Great customer service, the agent solved my problem quickly.',
];
const LOGISTICS = {
  zh: ['物流太慢了，快递一周才到', '快递太慢了，包装也压坏了'],
  en: [
    'Shipping took two weeks and the courier left the package in the rain.',
    'The delivery was late and the box was crushed.',
  ],
};
/** service-channel complaints about things outside the agent's control that no aspect names (issue 18) */
const OUTSIDE = {
  zh: '下暴雨了，平台规定超时自动取消，真倒霉',
  en: 'Thanks to the snowstorm the marketplace policy voided my order, terrible.',
};
const RUDE = { zh: '客服态度很差，爱理不理的', en: 'The customer service agent was rude and unhelpful.' };

describeEachBackend('attribution with the sentiment engine', (get) => {
  let engine: SentimentEngine;
  let seq = 0;
  const at = (day: number) => `2026-02-${String(day).padStart(2, '0')}T06:00:00Z`;

  async function add(agent: string, channel: string, text: string, day: number) {
    const { db } = get();
    const id = `att-${++seq}`;
    await db.query(`insert into reviews (id, agent_id, channel, text, created_at) values ($1, $2, $3, $4, $5)`, [
      id,
      agent,
      channel,
      text,
      at(day),
    ]);
    await scoreStoredReviews(db, engine, { ids: [id] });
    await recomputeRatings(get().db, ratingScopeOf([{ agent_id: agent, at: at(day) }]));
    return id;
  }
  const quarter = async (agent: string): Promise<Rating> =>
    (await agentRatings(get().db, agent, { period: '2026-Q1' })).ratings[0]!;
  const rated = (r: Rating) => ({
    n: r.n,
    positive: r.positive,
    mean: r.posterior_mean,
    low: r.interval.low,
    high: r.interval.high,
    aspects: r.aspects,
  });

  beforeAll(async () => {
    engine = await loadSentimentModels('models');
    const { db } = get();
    const agents = ['att-a', 'att-b', 'att-c', 'att-d', 'att-e', 'att-f'];
    await addAgents(db, agents);
    const rows: unknown[][] = [];
    agents.forEach((a, i) => {
      for (let k = 0; k < 6 + i; k++)
        rows.push([
          `att-base-${a}-${k}`,
          a,
          k % 2 ? 'chat' : 'after_sales',
          PRAISE[(k + i) % PRAISE.length],
          at(1 + k),
        ]);
      rows.push([`att-base-${a}-rude`, a, 'chat', i % 2 ? RUDE.en : RUDE.zh, at(20)]);
    });
    for (const r of rows)
      await db.query(`insert into reviews (id, agent_id, channel, text, created_at) values ($1, $2, $3, $4, $5)`, r);
    await scoreStoredReviews(db, engine);
    await recomputeRatings(db);
  });

  for (const lang of ['zh', 'en'] as const) {
    it(`a logistics-only complaint (${lang}) leaves the agent's rating unchanged, through chat or a product review`, async () => {
      const before = await quarter('att-a');
      expect(before.n).toBeGreaterThan(0);
      const [viaChat, viaProduct] = LOGISTICS[lang];
      await add('att-a', 'chat', viaChat!, 25);
      await add('att-a', 'product_review', viaProduct!, 26);
      const after = await quarter('att-a');
      expect(rated(after)).toEqual(rated(before));
      expect(after.not_attributable.reviews).toBe(before.not_attributable.reviews + 2);
      expect(after.not_attributable.aspects.logistics!.negative).toBeGreaterThan(
        before.not_attributable.aspects.logistics!.negative,
      );
      expect(after.reviews).toBe(before.reviews + 2);
    });

    it(`a complaint about weather or platform rules (${lang}) through chat is not charged to the agent`, async () => {
      const agent = lang === 'zh' ? 'att-d' : 'att-e';
      const before = await quarter(agent);
      await add(agent, 'chat', OUTSIDE[lang], 24);
      const after = await quarter(agent);
      expect(rated(after)).toEqual(rated(before));
      expect(after.reviews).toBe(before.reviews + 1);
    });

    it(`a rude-agent complaint (${lang}) lowers the agent's rating`, async () => {
      const agent = lang === 'zh' ? 'att-b' : 'att-c';
      const before = await quarter(agent);
      await add(agent, 'chat', RUDE[lang], 27);
      const after = await quarter(agent);
      expect(after.n).toBe(before.n + 1);
      expect(after.posterior_mean!).toBeLessThan(before.posterior_mean!);
      expect(after.aspects.service_attitude!.n).toBe(before.aspects.service_attitude!.n + 1);
      expect(after.sentiment_models.some((m) => m.startsWith('sentiment-'))).toBe(true);
    });
  }
});
