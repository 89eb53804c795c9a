/**
 * Maker–checker (issue 25): with OVERRIDE_APPROVAL_THRESHOLD set, an override further than it from
 * the suggested target (or role-wide) is pending until a second HR key approves it; the maker cannot
 * decide on their own request; each step is in the audit log; a retried request is one request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKeyRepository } from '../../src/auth/keys.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const ROLE = 'cs_agent';
const PERIOD = '2026-12';

describeEachBackend('override approvals', (get) => {
  let t: TestApp;
  let checker = { authorization: '' };
  let someone = '';
  let suggested = 0;

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 8 });
    t = await buildTestApp(
      db,
      { JOB_THREADS: 'false', FORECAST_THREAD: 'false', OVERRIDE_APPROVAL_THRESHOLD: '0.1' },
      false,
      { train_baselines: trainBaselinesProcessor as never },
    );
    checker = { authorization: `Bearer ${(await createKeyRepository(db).create('second hr', ['hr'])).key}` };
    await trainBaselines(t, { role: ROLE, metric: 'csat', kind: 'month', network: false });
    someone = (
      await db.query<{ id: string }>(`select id from employees where role_id = $1 order by id limit 1`, [ROLE])
    ).rows[0]!.id;
    const mine = await t.app.inject({
      url: `/v1/targets/employees/${someone}?period=${PERIOD}&metric=csat`,
      headers: t.auth('hr'),
    });
    suggested = mine.json().metrics[0].person.suggested_target;
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const put = (body: object, headers = t.auth('hr')) =>
    t.app.inject({ method: 'PUT', url: '/v1/targets/overrides', headers, payload: body });
  const key = () => ({ role: ROLE, metric: 'csat', period: PERIOD, employee_id: someone });
  const inForce = async () =>
    (
      await t.app.inject({ url: `/v1/targets/overrides?role=${ROLE}&period=${PERIOD}`, headers: t.auth('hr') })
    ).json() as { employee_id: string; value: number }[];

  it('an override within the threshold takes effect at once', async () => {
    const r = await put({ ...key(), value: suggested * 0.95, reason: 'a small correction' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().override.value).toBeCloseTo(suggested * 0.95);
  });

  it('one over the threshold is pending until a second key approves; self-approval is refused', async () => {
    const body = { ...key(), value: suggested * 0.7, reason: 'long sick leave in the period' };
    const r = await put(body);
    expect(r.statusCode, r.body).toBe(202);
    const request = r.json().request;
    expect(request).toMatchObject({ state: 'pending', employee_id: someone, suggested });
    expect(request.why).toMatch(/over the approval threshold of 10 %/);
    // a retry is the same request
    expect((await put(body)).json().request.id).toBe(request.id);
    // not in force yet: the small override stands
    expect((await inForce()).find((o) => o.employee_id === someone)?.value).toBeCloseTo(suggested * 0.95);
    const pending = await t.app.inject({ url: '/v1/override-requests?state=pending', headers: t.auth('hr') });
    expect(pending.json().map((x: { id: number }) => x.id)).toEqual([request.id]);

    const self = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${request.id}/approve`,
      headers: t.auth('hr'),
      payload: {},
    });
    expect(self.statusCode, self.body).toBe(403);
    expect(self.json().code).toBe('self_approval');

    const ok = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${request.id}/approve`,
      headers: checker,
      payload: { reason: 'agreed' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().request).toMatchObject({ state: 'approved', decision_reason: 'agreed' });
    expect((await inForce()).find((o) => o.employee_id === someone)?.value).toBeCloseTo(suggested * 0.7);
    // approving again (a retry) answers the approved request; rejecting it now is a conflict
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${request.id}/approve`,
      headers: checker,
      payload: { reason: 'agreed' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().request.state).toBe('approved');
    const late = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${request.id}/reject`,
      headers: checker,
      payload: { reason: 'changed my mind' },
    });
    expect(late.statusCode).toBe(409);

    const audit = await t.app.inject({
      url: `/v1/audit?subject_type=override_request&subject_id=${request.id}`,
      headers: t.auth('hr'),
    });
    expect(audit.json().entries.map((e: { action: string }) => e.action)).toEqual([
      'override_request.approve',
      'override_request.create',
    ]);
  });

  it('a role-wide override waits for approval; a rejection leaves it out, audited', async () => {
    const r = await put({ ...key(), employee_id: '*', value: suggested, reason: 'one target for the team' });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().request.id;
    expect(r.json().request.why).toBe('a role-wide override');
    const noReason = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${id}/reject`,
      headers: checker,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    const rejected = await t.app.inject({
      method: 'POST',
      url: `/v1/override-requests/${id}/reject`,
      headers: checker,
      payload: { reason: 'targets stay personal' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json().request.state).toBe('rejected');
    expect((await inForce()).some((o) => o.employee_id === '*')).toBe(false);
    const one = await t.app.inject({ url: `/v1/override-requests/${id}`, headers: t.auth('hr') });
    expect(one.json()).toMatchObject({ state: 'rejected', decision_reason: 'targets stay personal' });
    const audit = await t.app.inject({ url: '/v1/audit?action=override_request.reject', headers: t.auth('hr') });
    expect(audit.json().entries).toHaveLength(1);
    expect((await t.app.inject({ url: '/v1/override-requests/999999', headers: t.auth('hr') })).statusCode).toBe(404);
  });
});
