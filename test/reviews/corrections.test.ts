/**
 * Corrections (复核) and appeals (申诉) over the API (issue 18, parts 4–5), on both backends: a
 * correction changes the rating at once and is audited; it survives rescoring by another model;
 * `auto` gives the review back to the model; appeals are decided once; the training export masks
 * personal data and carries only corrections with aspect labels; a closed period keeps its snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { correctedAspects, correctionLabels } from '../../src/reviews/corrections.js';
import { writeScores } from '../../src/reviews/scoring.js';
import type { ScoredReview as EngineResult } from '../../src/reviews/sentiment/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews, type ScoredReview } from '../ratings/helpers.js';

describe('corrected aspects and their labels', () => {
  const model = [
    {
      aspect: 'service_attitude' as const,
      agentControllable: true,
      sentiment: 'positive' as const,
      probability: 0.9,
      span: { start: 0, end: 4, text: '客服很好' },
    },
  ];
  it('a polarity given is certain; without one the model clause (or the review) gives the probability', () => {
    const hits = correctedAspects(
      [
        { aspect: 'service_attitude' },
        { aspect: 'logistics', polarity: 'negative' },
        { aspect: 'price' },
        { aspect: 'logistics', polarity: 'neutral' },
      ],
      model,
      0.3,
      '客服很好，物流慢',
    );
    expect(hits).toEqual([
      { ...model[0], probability: 0.9, corrected: true },
      {
        aspect: 'logistics',
        agentControllable: false,
        sentiment: 'neutral',
        probability: 0.5,
        span: { start: 0, end: 8, text: '客服很好，物流慢' },
        corrected: true,
      },
      {
        aspect: 'price',
        agentControllable: false,
        sentiment: 'negative',
        probability: 0.3,
        span: { start: 0, end: 8, text: '客服很好，物流慢' },
        corrected: true,
      },
    ]);
  });
  it("the agent's complaint: a negative agent aspect that still counts, or a negative review marked the agent's", () => {
    const neg = correctedAspects([{ aspect: 'response_speed', polarity: 'negative' }], [], null, 'x');
    expect(correctionLabels({ aspects: neg, attribution: 'auto' }, 'positive')).toEqual({
      aspects: { response_speed: 'negative' },
      agent_complaint: true,
    });
    expect(correctionLabels({ aspects: neg, attribution: 'not_agent' }, 'negative')?.agent_complaint).toBe(false);
    expect(correctionLabels({ aspects: [], attribution: 'agent' }, 'negative')?.agent_complaint).toBe(true);
    expect(correctionLabels({ aspects: null, attribution: 'agent' }, 'negative')).toBeNull();
  });
});

describeEachBackend('corrections and appeals', (get) => {
  let t: TestApp;
  const AGENTS = ['cr1', 'cr2', 'cr3', 'cr4', 'cr5'];
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, AGENTS, 'cs_agent', 'corr');
    const rows: ScoredReview[] = [];
    for (const [k, a] of AGENTS.entries())
      for (let i = 0; i < 12; i++) {
        const p = i < 4 + k ? 0.9 : 0.1;
        rows.push({
          id: `${a}-${i}`,
          agent: a,
          created: `2026-02-${String(2 + i).padStart(2, '0')}T03:00:00Z`,
          p,
          aspects: [['service_attitude', p]],
          text: p > 0.5 ? '客服态度很好' : '客服态度很差',
        });
      }
    rows.push({
      id: 'cr1-courier',
      agent: 'cr1',
      channel: 'taobao',
      created: '2026-02-20T03:00:00Z',
      p: 0.1,
      aspects: [],
      text: '等了三天，联系电话13812345678，收件人张三',
    });
    await addScoredReviews(db, rows);
    await recomputeRatings(db);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const send = (url: string, payload: object, scope: 'cs_lead' | 'scorer' | 'hr' = 'cs_lead') =>
    t.app.inject({ method: 'POST', url, headers: t.auth(scope), payload });
  const read = async (url: string) => {
    const r = await t.app.inject({ url, headers: t.auth('cs_lead') });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    return r.json();
  };
  const quarter = async (agent: string) =>
    (await read(`/v1/ratings/agents/${agent}?kind=quarter`)).ratings.find(
      (x: { period: string }) => x.period === '2026-Q1',
    ) as { n: number; not_attributable: { reviews: number }; aspects: Record<string, { n: number; share: number }> };
  const reviewIn = async (agent: string, id: string) =>
    (await read(`/v1/ratings/agents/${agent}/reviews?period=2026-Q1&explain=false&limit=200`)).items.find(
      (x: { id: string }) => x.id === id,
    );

  it('refuses a correction without a reason, of an unknown review, or from a key without cs_lead', async () => {
    expect((await send('/v1/reviews/cr1-0/corrections', { attribution: 'not_agent', reason: ' ' })).statusCode).toBe(
      400,
    );
    expect(
      (await send('/v1/reviews/nope/corrections', { attribution: 'not_agent', reason: 'no such' })).statusCode,
    ).toBe(404);
    expect(
      (await send('/v1/reviews/cr1-0/corrections', { attribution: 'not_agent', reason: 'a scorer' }, 'scorer'))
        .statusCode,
    ).toBe(403);
  });

  it("'not_agent' takes the review out of the rating at once, audited with before, after and why", async () => {
    const before = await quarter('cr1');
    const r = await send('/v1/reviews/cr1-0/corrections', {
      attribution: 'not_agent',
      reason: 'the chat log shows the customer meant the courier',
    });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.ratings_updated).toBeGreaterThan(0);
    expect(body.correction).toMatchObject({ review_id: 'cr1-0', attribution: 'not_agent', aspects: null });
    expect(body.correction.before).toMatchObject({ attribution: 'auto', corrected: false });
    const after = await quarter('cr1');
    expect(after.n).toBe(before.n - 1);
    expect(after.not_attributable.reviews).toBe(before.not_attributable.reviews + 1);
    expect(after.aspects.service_attitude!.n).toBe(before.aspects.service_attitude!.n - 1);
    expect(await reviewIn('cr1', 'cr1-0')).toMatchObject({
      attributable: false,
      basis: 'correction',
      weight: null,
      correction_id: body.correction.id,
    });
    const audit = await read('/v1/audit?action=review.correct&subject_id=cr1-0');
    expect(audit.entries[0]).toMatchObject({
      actor: expect.any(String),
      subject_type: 'review',
      employee_id: 'cr1',
      reason: 'the chat log shows the customer meant the courier',
      before: { attribution: 'auto', corrected: false },
      after: { attribution: 'not_agent', corrected: true },
    });
  });

  it('a corrected polarity counts as certain and survives rescoring by another model; auto gives it back', async () => {
    const before = await quarter('cr2');
    const r = await send('/v1/reviews/cr2-0/corrections', {
      aspects: [{ aspect: 'service_attitude', polarity: 'negative' }],
      reason: 'sarcasm: 客服态度很好 (not)',
    });
    expect(r.statusCode, r.body).toBe(201);
    const corrected = await quarter('cr2');
    expect(corrected.n).toBe(before.n);
    expect(corrected.aspects.service_attitude!.share).toBeLessThan(before.aspects.service_attitude!.share);
    expect(await reviewIn('cr2', 'cr2-0')).toMatchObject({ weight: 0, attributable: true, basis: 'agent_aspects' });

    // a new model rescores the review (the write path of score_reviews) and the ratings are recomputed
    const rescored = {
      language: 'zh',
      label: 'positive',
      probability: 0.97,
      modelVersion: 'sentiment-zh@next',
      aspects: [
        {
          aspect: 'service_attitude',
          agentControllable: true,
          sentiment: 'positive',
          probability: 0.97,
          span: { start: 0, end: 6, text: '客服态度很好' },
        },
      ],
    } as unknown as EngineResult;
    await writeScores(
      get().db,
      { aspectVersions: { zh: 'aspects-zh@next', en: 'aspects-en@next', other: 'aspects-keywords@3' } },
      ['cr2-0'],
      [rescored],
    );
    await recomputeRatings(get().db);
    expect(await reviewIn('cr2', 'cr2-0')).toMatchObject({ weight: 0, sentiment_model: 'sentiment-zh@next' });
    expect((await quarter('cr2')).aspects.service_attitude!.share).toBe(corrected.aspects.service_attitude!.share);

    const back = await send('/v1/reviews/cr2-0/corrections', { attribution: 'auto', reason: 'back to the model' });
    expect(back.statusCode).toBe(201);
    expect(back.json().correction.before).toMatchObject({ corrected: true });
    expect(await reviewIn('cr2', 'cr2-0')).toMatchObject({ weight: 0.97, correction_id: back.json().correction.id });
    const history = await read('/v1/reviews/cr2-0/corrections');
    expect(history.items.map((c: { attribution: string }) => c.attribution)).toEqual(['auto', 'auto']);
    expect(history.items[1].aspects[0]).toMatchObject({ aspect: 'service_attitude', probability: 0, corrected: true });
  });

  it("'excluded' leaves the review out of both the evidence and the not-attributable count; 'agent' charges a review with no aspect", async () => {
    const before = await quarter('cr3');
    expect((await send('/v1/reviews/cr3-0/corrections', { attribution: 'excluded', reason: 'spam' })).statusCode).toBe(
      201,
    );
    const after = await quarter('cr3');
    expect(after.n).toBe(before.n - 1);
    expect(after.not_attributable.reviews).toBe(before.not_attributable.reviews);

    // a store review (not a service channel, no aspect): the lead says the wait was the agent's slow answer
    const c1 = await quarter('cr1');
    const r = await send('/v1/reviews/cr1-courier/corrections', {
      attribution: 'agent',
      reason: 'the wait was for the agent’s answer',
    });
    expect(r.statusCode).toBe(201);
    expect((await quarter('cr1')).n).toBe(c1.n + 1);
    expect(await reviewIn('cr1', 'cr1-courier')).toMatchObject({
      attributable: true,
      basis: 'correction',
      weight: 0.1,
    });
  });

  it('appeals: one pending per review, decided once by a lead (audited); an accepted one applies its correction', async () => {
    const filed = await send('/v1/reviews/cr4-0/appeals', {
      requested: { attribution: 'not_agent', aspects: [{ aspect: 'logistics', polarity: 'negative' }] },
      reason: 'the agent says it was the courier',
    });
    expect(filed.statusCode, filed.body).toBe(201);
    expect(filed.json()).toMatchObject({ state: 'pending', agent_id: 'cr4', review_id: 'cr4-0' });
    const twice = await send('/v1/reviews/cr4-0/appeals', { requested: { attribution: 'auto' }, reason: 'again' });
    expect(twice.statusCode).toBe(409);
    expect((await read('/v1/appeals?state=pending&agent_id=cr4')).items).toHaveLength(1);

    const rejected = await send(`/v1/appeals/${filed.json().id}/decision`, {
      decision: 'reject',
      reason: 'the chat log shows a rude reply',
    });
    expect(rejected.statusCode, rejected.body).toBe(201);
    expect(rejected.json()).toMatchObject({ appeal: { state: 'rejected' }, correction: null, ratings_updated: 0 });
    expect(
      (await send(`/v1/appeals/${filed.json().id}/decision`, { decision: 'accept', reason: 'changed mind' }))
        .statusCode,
    ).toBe(409);
    expect((await send('/v1/appeals/999999/decision', { decision: 'accept', reason: 'none' })).statusCode).toBe(404);

    const before = await quarter('cr4');
    const second = await send('/v1/reviews/cr4-0/appeals', {
      requested: { attribution: 'not_agent', aspects: [{ aspect: 'logistics', polarity: 'negative' }] },
      reason: 'new evidence: the courier’s tracking',
    });
    expect(second.statusCode).toBe(201);
    const accepted = await send(`/v1/appeals/${second.json().id}/decision`, {
      decision: 'accept',
      reason: 'tracking shows the delay',
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    const a = accepted.json();
    expect(a.appeal).toMatchObject({
      state: 'accepted',
      correction_id: a.correction.id,
      decided_by: expect.any(String),
    });
    expect(a.correction).toMatchObject({ attribution: 'not_agent', appeal_id: second.json().id });
    const after = await quarter('cr4');
    expect(after.n).toBe(before.n - 1);
    const audit = await read(`/v1/audit?action=review_appeal.&subject_id=${second.json().id}`);
    expect(audit.entries.map((x: { action: string }) => x.action)).toEqual([
      'review_appeal.accept',
      'review_appeal.submit',
    ]);
  });

  it('exports the corrections in force with aspect labels as training rows, personal data masked', async () => {
    const made = await send('/v1/reviews/cr1-courier/corrections', {
      aspects: [{ aspect: 'response_speed', polarity: 'negative' }],
      attribution: 'agent',
      reason: 'labelled: a slow reply',
    });
    expect(made.statusCode, made.body).toBe(201);
    // the corrected aspect's span quotes the whole review: masked in the answer, the list and the audit
    const quoted = [
      made.body,
      JSON.stringify((await read('/v1/reviews/cr1-courier/corrections')).items),
      JSON.stringify((await t.app.inject({ url: '/v1/audit?action=review.correct', headers: t.auth('admin') })).json()),
    ];
    for (const body of quoted) {
      expect(body).toContain('等了三天');
      expect(body).not.toContain('13812345678');
      expect(body).not.toContain('张三');
    }
    const { items } = await read('/v1/corrections/export?language=zh');
    const row = items.find((x: { review_id: string }) => x.review_id === 'cr1-courier');
    expect(row).toMatchObject({ aspects: { response_speed: 'negative' }, agent_complaint: true, language: 'zh' });
    expect(row.text).not.toContain('13812345678');
    expect(row.text).not.toContain('张三');
    expect(row.text).toContain('等了三天');
    // attribution-only corrections teach the aspect model nothing: not exported
    expect(items.some((x: { review_id: string }) => x.review_id === 'cr1-0' || x.review_id === 'cr3-0')).toBe(false);
    // the accepted appeal's correction labels logistics, not the agent's
    expect(items.find((x: { review_id: string }) => x.review_id === 'cr4-0')).toMatchObject({
      aspects: { logistics: 'negative' },
      agent_complaint: false,
    });
    const listed = await read('/v1/corrections?agent_id=cr1&current=true');
    expect(listed.items.map((x: { review_id: string }) => x.review_id).sort()).toEqual(['cr1-0', 'cr1-courier']);
  });
});

describeEachBackend('a correction and a closed period', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, ['cp1', 'cp2'], 'cs_agent', 'closed');
    await addScoredReviews(
      db,
      ['cp1', 'cp2'].flatMap((a) =>
        Array.from({ length: 6 }, (_, i) => ({
          id: `${a}-${i}`,
          agent: a,
          created: `2026-05-${String(4 + i).padStart(2, '0')}T03:00:00Z`,
          p: i < 3 ? 0.9 : 0.2,
          aspects: [['service_attitude', i < 3 ? 0.9 : 0.2]] as Array<[string, number]>,
        })),
      ),
    );
    await recomputeRatings(db);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('the closed period answers from its snapshot; the live rows and the differences since close follow the correction', async () => {
    const url = '/v1/ratings?period=2026-Q2&role=cs_agent';
    const open = (await t.app.inject({ url, headers: t.auth('cs_lead') })).json();
    const closed = await t.app.inject({
      method: 'POST',
      url: '/v1/periods/cs_agent/2026-Q2/close',
      headers: t.auth('hr'),
      payload: { reason: 'Q2 signed off' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const frozen = (await t.app.inject({ url, headers: t.auth('cs_lead') })).body;
    expect(JSON.parse(frozen).items).toEqual(open.items);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews/cp1-3/corrections',
      headers: t.auth('cs_lead'),
      payload: { attribution: 'excluded', reason: 'a test order' },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().ratings_updated).toBeGreaterThan(0);
    expect((await t.app.inject({ url, headers: t.auth('cs_lead') })).body).toBe(frozen);
    // the open quarter's live row moved (cp1 lost one review of evidence)
    const live = await t.app.inject({ url: '/v1/ratings/agents/cp1?period=2026-05', headers: t.auth('cs_lead') });
    expect(live.json().ratings[0].n).toBe(5);
    const diff = await t.app.inject({ url: '/v1/periods/cs_agent/2026-Q2/differences', headers: t.auth('hr') });
    expect(diff.statusCode, diff.body).toBe(200);
    expect(JSON.stringify(diff.json())).toContain('cp1');
  });
});
