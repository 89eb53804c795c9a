/** First-run and every-start data preparation (src/setup.ts) on a database that already has data. */
import { expect, it } from 'vitest';
import { EVIDENCE_RULE } from '../src/ratings/evidence.js';
import { RATING_MODEL } from '../src/ratings/model.js';
import { recomputeRatings } from '../src/ratings/recompute.js';
import { prepareData } from '../src/setup.js';
import { describeEachBackend } from './helpers/db.js';
import { addAgents, addScoredReviews } from './ratings/helpers.js';

const quiet = { info() {} };

describeEachBackend('prepareData at start', (get) => {
  it('recomputes ratings written by an earlier rating model, and otherwise leaves them alone', async () => {
    const { db } = get();
    await addAgents(db, ['s1', 's2']);
    await addScoredReviews(db, [
      { id: 'st1', agent: 's1', created: '2026-02-10T03:00:00Z', p: 0.9, aspects: [['service_attitude', 0.9]] },
      { id: 'st2', agent: 's2', created: '2026-02-11T03:00:00Z', p: 0.2, aspects: [['response_speed', 0.2]] },
    ]);
    expect((await recomputeRatings(db)).updated).toBeGreaterThan(0);
    const first = await prepareData(db, { demo: false }, quiet);
    expect(first.scored).toBe(0);
    expect(first.ratings).toBe(0); // nothing scored, nothing outdated: no recompute

    // rows as an earlier release wrote them
    await db.query(`update agent_ratings set rating_model = 'eb-beta-binomial@1'`);
    const models = async () =>
      (await db.query<{ m: string }>('select distinct rating_model as m from agent_ratings')).rows.map((r) => r.m);
    const second = await prepareData(db, { demo: false }, quiet);
    expect(second.ratings).toBeGreaterThan(0);
    expect(await models()).toEqual([RATING_MODEL]);
    expect((await prepareData(db, { demo: false }, quiet)).ratings).toBe(0);
  });

  it('recomputes ratings whose evidence an earlier attribution rule collected, with what the rule now counts', async () => {
    const { db } = get();
    await addAgents(db, ['s3']);
    await addScoredReviews(db, [
      { id: 'st3', agent: 's3', created: '2026-03-10T03:00:00Z', p: 0.9, aspects: [['service_attitude', 0.9]] },
      { id: 'st4', agent: 's3', created: '2026-03-11T03:00:00Z', p: 0.8, aspects: [['returns_handling', 0.8]] },
    ]);
    await recomputeRatings(db);
    const rows = async () =>
      (
        await db.query<{ period: string; n: number; rule: string | null }>(
          `select period, n, evidence_rule as rule from agent_ratings where agent_id = 's3' order by period`,
        )
      ).rows;
    const now = await rows();
    expect(now.length).toBeGreaterThan(0);
    expect(now.every((r) => r.rule === EVIDENCE_RULE)).toBe(true);
    expect((await prepareData(db, { demo: false }, quiet)).ratings).toBe(0);

    // as a release with another rule left them: one review fewer counted, and that rule's version
    await db.query(`update agent_ratings set n = n - 1, evidence_rule = 'evidence@000000000000' where agent_id = 's3'`);
    const started = await prepareData(db, { demo: false }, quiet);
    expect(started.ratings).toBeGreaterThan(0);
    expect(await rows()).toEqual(now);
    // and rows from before the rule was stored (null) count as another rule
    await db.query(`update agent_ratings set evidence_rule = null where agent_id = 's3'`);
    expect((await prepareData(db, { demo: false }, quiet)).ratings).toBeGreaterThan(0);
    expect(await rows()).toEqual(now);
  });
});
