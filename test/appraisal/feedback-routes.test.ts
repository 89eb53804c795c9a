/** 360° feedback over HTTP: import (JSON and CSV), calibrated scores, raters, the score in /v1/kpi-inputs. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const pick = (p: unknown) => {
  const { score, interval, reliability, raw_mean, n, n_raters, self_score } = p as Record<string, unknown>;
  return { score, interval, reliability, raw_mean, n, n_raters, self_score };
};

const PEOPLE = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];

/** The README's example: two managers (mB harsh), two peers linking the teams. */
const R = (ratee: string, rater: string, score: number) => ({
  ratee,
  rater,
  relation: rater.startsWith('m') ? 'manager' : 'peer',
  period: '2026-10',
  item: 'overall',
  score,
  scale: { min: 1, max: 5 },
});
const EXAMPLE = [
  R('ann', 'mA', 5),
  R('bob', 'mA', 5),
  R('cat', 'mA', 4),
  R('dan', 'mB', 3),
  R('eve', 'mB', 2),
  R('fay', 'mB', 3),
  R('ann', 'p1', 4),
  R('dan', 'p1', 4),
  R('bob', 'p1', 4),
  R('eve', 'p1', 3),
  R('cat', 'p2', 3),
  R('fay', 'p2', 4),
  R('bob', 'p2', 4),
  R('dan', 'p2', 4),
];

describeEachBackend('360° feedback over HTTP', (get) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: PEOPLE.map((id, i) => ({ id, role: 'cs_agent', team: i < 3 ? 'A' : 'B' })),
    });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/360/ratings',
      headers: { ...t.auth('hr'), ...headers },
      payload: payload as string,
    });

  it('imports ratings, calibrates the period and answers idempotently', async () => {
    const r = await post(EXAMPLE);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      received: 14,
      inserted: 14,
      updated: 0,
      unchanged: 0,
      calibrated: [{ period: '2026-10', people: 6, raters: 4, flagged: 0 }],
      warnings: [],
    });
    const again = await post({ rows: EXAMPLE });
    expect(again.json()).toMatchObject({ received: 14, inserted: 0, updated: 0, unchanged: 14 });
  });

  it('answers calibrated scores: the harsh manager taken out (the README example)', async () => {
    const r = await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('scorer') });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    const by = new Map(body.people.map((p: { ratee: string }) => [p.ratee, p]));
    expect(by.get('ann')).toMatchObject({ score: 75, raw_mean: 87.5, n: 2, n_raters: 2, role: 'cs_agent', team: 'A' });
    expect(by.get('dan')).toMatchObject({ score: 75, raw_mean: 66.67, team: 'B' });
    expect(by.get('cat')).toMatchObject({ score: 50, interval: { level: 0.9, low: 24.56, high: 75.44 } });
    expect(body.ratings).toBe(14);
    const team = await t.app.inject({ url: '/v1/360/scores?period=2026-10&team=B', headers: t.auth('hr') });
    expect(team.json().people.map((p: { ratee: string }) => p.ratee)).toEqual(['dan', 'eve', 'fay']);

    const raters = await t.app.inject({ url: '/v1/360/raters?period=2026-10', headers: t.auth('scorer') });
    expect(raters.statusCode, raters.body).toBe(200);
    const lenient = new Map(
      raters.json().raters.map((x: { rater: string; leniency: number }) => [x.rater, x.leniency]),
    );
    expect(lenient.get('mA')).toBe(25);
    expect(lenient.get('mB')).toBe(-25);
    const flagged = await t.app.inject({ url: '/v1/360/raters?period=2026-10&flagged=true', headers: t.auth('hr') });
    expect(flagged.json().raters).toEqual([]);
    const periods = await t.app.inject({ url: '/v1/360/periods', headers: t.auth('hr') });
    expect(periods.json()).toEqual([{ period: '2026-10', ratings: 14, ratees: 6, raters: 4 }]);
  });

  it('imports CSV (BOM, text scale) and recalibrates when ratings change', async () => {
    const csv =
      '\uFEFFratee,rater,relation,period,item,score,scale\nann,p1,peer,2026-10,overall,5,1-5\ncat,C-9,customer,2026-10,overall,8,1–10\n';
    const r = await post(csv, { 'content-type': 'text/csv' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ received: 2, inserted: 1, updated: 1, calibrated: [{ period: '2026-10' }] });
    const scores = await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('hr') });
    expect(scores.json().ratings).toBe(15);
    expect(scores.json().scale).toBeNull(); // mixed scales: 0–100 only
    // back to the example's values
    const back = await post([R('ann', 'p1', 4)]);
    expect(back.json()).toMatchObject({ updated: 1 });
  });

  it('refuses bad rows naming the row and field, and writes nothing', async () => {
    const r = await post([
      { ...R('ann', 'mA', 4), item: '' },
      { ...R('ann', 'mA', 7) },
      { ...R('ann', 'mC', 4), relation: 'Boss!' },
      { ratee: 'bob', rater: 'mC', relation: 'manager', period: '2026-10', item: 'overall', score: 3 },
      { ...R('bob', 'mD', 3), period: '2026-13' },
      { ...R('bob', 'bob', 3) },
      { ...R('cat', 'p1', 3), relation: 'manager' },
    ]);
    expect(r.statusCode, r.body).toBe(422);
    const fields = r.json().errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`);
    expect(fields).toEqual(['1:item', '2:score', '3:relation', '4:scale', '5:period', '6:relation']);
    // the checks against stored data run once the rows themselves are sound
    const unknown = await post([R('zed', 'mA', 4)]);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors).toEqual([expect.objectContaining({ row: 1, field: 'ratee' })]);
    const stored = await post([{ ...R('cat', 'p2', 3), relation: 'manager' }]);
    expect(stored.statusCode).toBe(422);
    expect(stored.json().errors).toEqual([
      expect.objectContaining({ row: 1, field: 'relation', reason: expect.stringContaining("'peer' (stored)") }),
    ]);
    const csv = await post('ratee,rater,period,item,score\nann,mA,2026-10,overall,4\n', { 'content-type': 'text/csv' });
    expect(csv.statusCode).toBe(422);
    expect(csv.json().errors).toEqual([expect.objectContaining({ row: 0, field: 'relation' })]);
    const scores = await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('hr') });
    expect(scores.json().ratings).toBe(15);
  });

  it('refuses bad queries and scopes, and answers 404 for a period without ratings', async () => {
    const bad = await t.app.inject({ url: '/v1/360/scores?period=2026-1', headers: t.auth('hr') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('querystring.period');
    const month13 = await t.app.inject({ url: '/v1/360/raters?period=2026-13', headers: t.auth('hr') });
    expect(month13.statusCode).toBe(400);
    expect(month13.json()).toMatchObject({ code: 'bad_period', field: 'period' });
    const flag = await t.app.inject({ url: '/v1/360/raters?period=2026-10&flagged=yes', headers: t.auth('hr') });
    expect(flag.statusCode).toBe(400);
    expect(flag.json().errors[0].field).toBe('querystring.flagged');
    const none = await t.app.inject({ url: '/v1/360/scores?period=2026-09', headers: t.auth('hr') });
    expect(none.statusCode).toBe(404);
    const scope = await t.app.inject({
      method: 'POST',
      url: '/v1/360/ratings',
      headers: t.auth('scorer'),
      payload: EXAMPLE,
    });
    expect(scope.statusCode).toBe(403);
    const lead = await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('cs_lead') });
    expect(lead.statusCode).toBe(403);
  });

  it('shows the 360 score in /v1/kpi-inputs', async () => {
    const history = await t.app.inject({
      method: 'POST',
      url: '/v1/history',
      headers: t.auth('hr'),
      payload: ['ann', 'dan'].map((id) => ({ employee_id: id, metric_id: 'csat', period: '2026-10', value: 0.9 })),
    });
    expect(history.statusCode, history.body).toBe(200);
    const r = await t.app.inject({ url: '/v1/kpi-inputs?period=2026-10', headers: t.auth('scorer') });
    expect(r.statusCode, r.body).toBe(200);
    const people = r.json().people as { employee_id: string; feedback_360: { score: number; n: number } | null }[];
    const scores = await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('scorer') });
    const of = new Map(scores.json().people.map((p: { ratee: string }) => [p.ratee, p]));
    expect(people.map((p) => p.employee_id)).toEqual(['ann', 'dan']);
    for (const p of people) expect(p.feedback_360).toMatchObject(pick(of.get(p.employee_id)));
    const other = await t.app.inject({ url: '/v1/kpi-inputs?period=2026-11', headers: t.auth('scorer') });
    expect(other.statusCode, other.body).toBe(200);
  });
});
