/**
 * The HR console's closed periods and approvals over HTTP (inject, issue 25): close a quarter (its
 * months with it), download its payroll file, reopen only with a reason; the pending override requests
 * with approve / reject, the maker's own request refused (403) and decided by a second HR key; every
 * form CSRF-checked; zh by default, en by the switch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKeyRepository } from '../../src/auth/keys.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { Browser } from './session.js';

const ROLE = 'cs_agent';

/** The row of the first pending request on the approvals page. */
const pending0 = (body: string) => /<tr data-request="\d+">[\s\S]*?<\/tr>/.exec(body)?.[0] ?? '';

describeEachBackend('console: closed periods and approvals', (get) => {
  let t: TestApp;
  let maker: Browser;
  let checker: Browser;
  let checkerId = '';
  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 6 });
    t = await buildTestApp(db, { OVERRIDE_APPROVAL_THRESHOLD: '0.1' });
    maker = new Browser(t);
    await maker.signIn(t.keys.hr);
    const second = await createKeyRepository(db).create('second hr', ['hr']);
    checkerId = second.key.split('_')[1]!;
    checker = new Browser(t);
    await checker.signIn(second.key);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  it('closes a quarter with its months, exports its payroll, reopens it only with a reason', async () => {
    const empty = await maker.get('/hr/periods');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('考核期间关账');
    expect(empty.body).toContain('暂无已关账的期间');
    expect((await maker.post('/hr/periods/close', { role: ROLE, period: '2026-Q3' }, false)).statusCode).toBe(403);

    const closed = await maker.post('/hr/periods/close', { role: ROLE, period: '2026-Q3', reason: 'Q3 签字' });
    expect(closed.statusCode, closed.body).toBe(303);
    expect(closed.headers.location).toBe('/hr/periods?done=closed');
    const list = await maker.get('/hr/periods?done=closed');
    expect(list.body).toContain('已关账。');
    for (const p of ['2026-Q3', '2026-07', '2026-08', '2026-09'])
      expect(list.body).toContain(`data-period="${ROLE}/${p}"`);
    expect(list.body).toContain('随 2026-Q3 关账');
    // the API reads the quarter from the snapshot now
    const inputs = await t.app.inject({ url: `/v1/kpi-inputs?period=2026-Q3&role=${ROLE}`, headers: t.auth('scorer') });
    expect(inputs.json().closed).toMatchObject({ version: 1 });

    const csv = await maker.get(`/hr/periods/payroll?role=${ROLE}&period=2026-Q3&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.headers['x-snapshot-version']).toBe('1');
    expect(csv.body).toContain('snapshot_kpi_inputs_sha256');
    const xlsx = await maker.get(`/hr/periods/payroll?role=${ROLE}&period=2026-Q3&format=xlsx`);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');

    // a month closed with its quarter has no reopen form of its own
    expect(list.body).not.toMatch(/name="period" value="2026-08"/);
    expect((await maker.post('/hr/periods/reopen', { role: ROLE, period: '2026-Q3' })).statusCode).toBe(400);
    const reopened = await maker.post('/hr/periods/reopen', { role: ROLE, period: '2026-Q3', reason: '补录退货数据' });
    expect(reopened.statusCode, reopened.body).toBe(303);
    const after = await maker.get('/hr/periods?done=reopened');
    expect(after.body).toContain('暂无已关账的期间');
    const audit = await t.app.inject({ url: '/v1/audit?action=period.reopen', headers: t.auth('hr') });
    expect(audit.json().entries).toHaveLength(4);
    expect(audit.json().entries[0]).toMatchObject({ reason: '补录退货数据' });
  });

  it('lists pending overrides; the maker cannot decide their own, a second HR key approves or rejects', async () => {
    const file = async (value: number) => {
      const r = await t.app.inject({
        method: 'PUT',
        url: '/v1/targets/overrides',
        headers: t.auth('hr'),
        payload: { role: ROLE, metric: 'csat', period: '2026-12', employee_id: '*', value, reason: '全岗调整' },
      });
      expect(r.statusCode, r.body).toBe(202);
      return r.json().request.id as number;
    };
    const first = await file(0.8);
    const own = await maker.get('/hr/approvals');
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain(`data-request="${first}"`);
    expect(own.body).toContain('本人提交，须由另一把密钥审批');
    // the reason the service stored (English, as the API answers it) worded in the page's language
    expect(pending0(own.body)).toContain('整岗调整须审批');
    expect(pending0(own.body)).not.toContain('a role-wide override');
    expect(own.body).not.toContain(`action="/hr/approvals/${first}/approve"`);
    // posting anyway: refused by the service (403), the request stays pending
    const refused = await maker.post(`/hr/approvals/${first}/approve`, { reason: 'self' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('提交这项调整的密钥不能批准或驳回它，须由另一把人力资源密钥审批');
    const pending = await t.app.inject({ url: `/v1/override-requests/${first}`, headers: t.auth('hr') });
    expect(pending.json().state).toBe('pending');

    const seen = await checker.get('/hr/approvals');
    expect(seen.body).toContain(`action="/hr/approvals/${first}/approve"`);
    expect((await checker.post(`/hr/approvals/${first}/approve`, {}, false)).statusCode).toBe(403);
    const approved = await checker.post(`/hr/approvals/${first}/approve`, { reason: '同意调整' });
    expect(approved.statusCode, approved.body).toBe(303);
    const decided = (await t.app.inject({ url: `/v1/override-requests/${first}`, headers: t.auth('hr') })).json();
    expect(decided).toMatchObject({ state: 'approved', decided_by: checkerId, decision_reason: '同意调整' });

    const second = await file(0.7);
    expect((await checker.post(`/hr/approvals/${second}/reject`, {})).statusCode).toBe(400);
    expect((await checker.post(`/hr/approvals/${second}/reject`, { reason: '依据不足' })).statusCode).toBe(303);
    const rejected = (await t.app.inject({ url: `/v1/override-requests/${second}`, headers: t.auth('hr') })).json();
    expect(rejected).toMatchObject({ state: 'rejected', decided_by: checkerId });
    const none = await checker.get('/hr/approvals');
    expect(none.body).toContain('没有待审批的调整');

    const audit = await t.app.inject({ url: '/v1/audit?action=override_request.', headers: t.auth('hr') });
    expect(
      audit
        .json()
        .entries.map((e: { action: string }) => e.action)
        .sort(),
    ).toEqual([
      'override_request.approve',
      'override_request.create',
      'override_request.create',
      'override_request.reject',
    ]);
  });

  it('speaks English after the switch; other desks may not see the pages', async () => {
    await checker.post('/lang', { lang: 'en', back: '/hr/periods' });
    const en = await checker.get('/hr/periods');
    expect(en.body).toContain('Closed appraisal periods');
    expect(en.body).toContain('<html lang="en"');
    expect((await checker.get('/hr/approvals')).body).toContain('Override approvals');
    const lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
    expect((await lead.get('/hr/periods')).statusCode).toBe(403);
    expect((await lead.get('/hr/approvals')).statusCode).toBe(403);
  });
});
