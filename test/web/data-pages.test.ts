/**
 * Console part 2's data pages over HTTP (inject), on both backends: /upload (a good file → the counts
 * the API answers; one bad row → the row errors as a table, nothing written; escaping; CSRF; each
 * kind only for its scope), /calendar (add, edit, delete after a confirmation, equal to the API's
 * list) and /weights (a profile saved only when its weights sum to 100; a period's profile and why;
 * pin and unpin).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { Browser } from './session.js';

const count = (body: string, what: string) => Number(new RegExp(`data-count="${what}">([\\d,]+)<`).exec(body)?.[1]);

describeEachBackend('console: uploads, calendar and weights', (get) => {
  let t: TestApp;
  let hr: Browser;
  let lead: Browser;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  describe('/upload', () => {
    it('imports employees and KPI history from CSV and JSON files with the API’s counts', async () => {
      const page = await hr.get('/upload');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('enctype="multipart/form-data"');
      expect(page.body).toContain('value="sycm"');
      expect(page.body).not.toContain('value="reviews"');
      const csv =
        '\uFEFFid,role,team,hire_date\nU001,cs_agent,客服-一组,2025-01-06\nU002,cs_agent,客服-一组,2025-02-03\n';
      const r = await hr.upload('/upload', { kind: 'employees' }, { name: 'people.csv', type: 'text/csv', body: csv });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.body).toContain('data-upload-result="ok"');
      expect([count(r.body, 'inserted'), count(r.body, 'updated'), count(r.body, 'unchanged')]).toEqual([2, 0, 0]);
      // the same file again: unchanged, as the API answers
      const again = await hr.upload('/upload', { kind: 'employees' }, { name: 'people.csv', body: csv });
      expect(count(again.body, 'unchanged')).toBe(2);
      const json = JSON.stringify([
        { employee_id: 'U001', metric_id: 'csat', period: '2026-09', value: 0.91 },
        { employee_id: 'U002', metric_id: 'csat', period: '2026-09', value: 0.88 },
      ]);
      const h = await hr.upload('/upload', { kind: 'history' }, { name: 'history.json', body: json });
      expect(h.statusCode, h.body).toBe(200);
      expect(count(h.body, 'inserted')).toBe(2);
      const api = await t.app.inject({ url: '/v1/history?metric_id=csat&kind=month', headers: t.auth('hr') });
      expect(api.json().filter((x: { employee_id: string }) => x.employee_id.startsWith('U0'))).toHaveLength(2);
    });

    it('one bad row: the row errors as a table (row, field, reason), nothing written', async () => {
      const before = (
        await t.app.inject({ url: '/v1/history?employee_id=U001&limit=1000', headers: t.auth('hr') })
      ).json().length;
      const csv = [
        'employee_id,metric_id,period,value',
        'U001,csat,2026-10,0.93',
        'U001,csat,2026-13,<script>x</script>',
        'U002,csat,2026-10,0.9',
        '',
      ].join('\n');
      const r = await hr.upload('/upload', { kind: 'history' }, { name: 'bad.csv', type: 'text/csv', body: csv });
      expect(r.statusCode).toBe(422);
      expect(r.body).toContain('data-upload-result="refused"');
      expect(r.body).toContain('<table class="row-errors">');
      expect(r.body).toMatch(/<tr data-row="2"><td class="num">2<\/td><td><code>period<\/code><\/td>/);
      expect(r.body).not.toContain('<script>x</script>');
      const after = (
        await t.app.inject({ url: '/v1/history?employee_id=U001&limit=1000', headers: t.auth('hr') })
      ).json().length;
      expect(after).toBe(before);
      // the API refuses the same body with the same rows
      const api = await t.app.inject({
        method: 'POST',
        url: '/v1/history',
        headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(api.statusCode).toBe(422);
      for (const e of api.json().errors as { row: number; field: string }[])
        expect(r.body).toContain(`<tr data-row="${e.row}">`);
    });

    it('refuses a form without its token, a kind outside the key’s scope, and no file', async () => {
      const csv = 'id,role,team,hire_date\nU009,cs_agent,x,2025-01-06\n';
      expect(
        (await hr.upload('/upload', { kind: 'employees', _csrf: 'nope' }, { name: 'a.csv', body: csv })).statusCode,
      ).toBe(403);
      expect((await hr.upload('/upload', { kind: 'reviews' }, { name: 'a.csv', body: csv })).statusCode).toBe(403);
      expect((await lead.upload('/upload', { kind: 'employees' }, { name: 'a.csv', body: csv })).statusCode).toBe(403);
      expect((await hr.upload('/upload', { kind: 'employees' }, { name: 'a.csv', body: '' })).statusCode).toBe(400);
      const e = await t.app.inject({ url: '/v1/employees/U009', headers: t.auth('hr') });
      expect(e.statusCode).toBe(404);
      const leadPage = await lead.get('/upload');
      expect(leadPage.body).toContain('value="returns"');
      expect(leadPage.body).not.toContain('value="employees"');
    });

    it('imports returns for the quality lead', async () => {
      const csv =
        'id,agent_id,order_id,opened_at,closed_at\nRT-U1,U001,O-1,2026-10-13T09:00:00+08:00,2026-10-14T15:00:00+08:00\n';
      const r = await lead.upload('/upload', { kind: 'returns' }, { name: 'returns.csv', body: csv });
      expect(r.statusCode, r.body).toBe(200);
      expect(count(r.body, 'inserted')).toBe(1);
    });

    it('imports a 生意参谋 export, refusing one without its employee', async () => {
      const sycm = [
        '统计日期,访客数,支付买家数,支付金额',
        '2026-03-02,1000,30,3000.00',
        '2026-03-03,1200,40,4100.00',
        '',
      ].join('\n');
      const none = await hr.upload('/upload', { kind: 'sycm' }, { name: 'shop.csv', body: sycm });
      expect(none.statusCode).toBe(422);
      expect(none.body).toContain('employee_id');
      const r = await hr.upload(
        '/upload',
        { kind: 'sycm', employee_id: 'U001', period_kind: 'week', partial: 'include' },
        { name: 'shop.csv', body: sycm },
      );
      expect(r.statusCode, r.body).toBe(200);
      expect(count(r.body, 'periods')).toBeGreaterThan(0);
    });
  });

  describe('/calendar', () => {
    it('adds, edits and deletes a promotion window, as the API lists it', async () => {
      const page = await hr.get('/calendar?month=2026-11');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<table class="calendar">');
      expect(
        (
          await hr.post(
            '/calendar/save',
            {
              id: 'x',
              name: 'y',
              kind: 'promotion',
              starts_on: '2026-11-01',
              ends_on: '2026-11-02',
              profile: 'promotion',
            },
            false,
          )
        ).statusCode,
      ).toBe(403);
      const saved = await hr.post('/calendar/save', {
        id: 'test-sale-2026',
        name: '<b>测试大促</b>',
        kind: 'promotion',
        starts_on: '2026-11-20',
        ends_on: '2026-11-22',
        profile: 'promotion',
        month: '2026-11',
      });
      expect(saved.statusCode).toBe(303);
      const shown = await hr.get(saved.headers.location as string);
      expect(shown.body).toContain('data-event="test-sale-2026"');
      expect(shown.body).toContain('&lt;b&gt;测试大促&lt;/b&gt;');
      expect(shown.body).not.toContain('<b>测试大促</b>');
      // three days of the grid carry it
      expect(shown.body.match(/class="event promotion" title="&lt;b&gt;测试大促/g)).toHaveLength(3);
      const bad = await hr.post('/calendar/save', {
        id: 'test-sale-2026',
        name: 'x',
        kind: 'promotion',
        starts_on: '2026-11-22',
        ends_on: '2026-11-20',
        profile: 'promotion',
      });
      expect(bad.statusCode).toBe(400);
      await hr.get('/calendar?month=2026-11&edit=test-sale-2026');
      const edited = await hr.post('/calendar/save', {
        id: 'test-sale-2026',
        name: '测试大促',
        kind: 'promotion',
        starts_on: '2026-11-20',
        ends_on: '2026-11-25',
        profile: 'promotion',
        month: '2026-11',
      });
      expect(edited.statusCode).toBe(303);
      const api = await t.app.inject({ url: '/v1/calendar?from=2026-11-20&to=2026-11-20', headers: t.auth('hr') });
      const ev = api.json().find((e: { id: string }) => e.id === 'test-sale-2026');
      expect(ev).toMatchObject({ name: '测试大促', ends_on: '2026-11-25' });
      const confirm = await hr.get('/calendar?month=2026-11&confirm=test-sale-2026');
      expect(confirm.body).toContain('id="h-confirm"');
      const gone = await hr.post('/calendar/delete', { id: 'test-sale-2026', month: '2026-11' });
      expect(gone.statusCode).toBe(303);
      const after = await t.app.inject({ url: '/v1/calendar?from=2026-11-20&to=2026-11-20', headers: t.auth('hr') });
      expect(after.json().some((e: { id: string }) => e.id === 'test-sale-2026')).toBe(false);
      expect((await lead.get('/calendar')).statusCode).toBe(403);
    });
  });

  describe('/weights', () => {
    it('saves a profile only when its weights sum to 100; pins it to a period and unpins it', async () => {
      const page = await hr.get('/weights?period=2026-11');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-weights');
      expect(page.body).toContain('<tr data-period="2026-11">');
      const bad = await hr.post('/weights/save', {
        id: 'peak',
        name: '旺季',
        sales: '60',
        efficiency: '20',
        customer_experience: '10',
        innovation: '0',
      });
      expect(bad.statusCode).toBe(422);
      // said in the page's language, not the service's English
      expect(bad.body).toContain('权重合计必须为 100（当前 90）');
      expect(
        (await t.app.inject({ url: '/v1/weight-profiles', headers: t.auth('hr') }))
          .json()
          .some((p: { id: string }) => p.id === 'peak'),
      ).toBe(false);
      const ok = await hr.post('/weights/save', {
        id: 'peak',
        name: '旺季',
        sales: '60',
        efficiency: '20',
        customer_experience: '10',
        innovation: '10',
      });
      expect(ok.statusCode).toBe(303);
      const listed = await hr.get('/weights?period=2026-11');
      expect(listed.body).toContain('data-profile="peak"');
      // the shipped profiles under their shipped names read in Chinese; a new one as typed
      expect(listed.body).toContain('大促期（618、双11 等）：偏重销售');
      expect(listed.body).not.toContain('leans to sales');
      expect(listed.body).toContain('<td>旺季</td>');
      const pinned = await hr.post('/weights/pin', { period: '2026-11', profile: 'peak' });
      expect(pinned.statusCode).toBe(303);
      const api = await t.app.inject({ url: '/v1/weight-profiles/periods/2026-11', headers: t.auth('hr') });
      expect(api.json()).toMatchObject({ chosen_by: 'pinned', profile: { id: 'peak' } });
      const shown = await hr.get(pinned.headers.location as string);
      expect(shown.body).toMatch(
        /<tr data-period="2026-11">[\s\S]*?<code>peak<\/code>[\s\S]*?data-field="why">人力资源已固定</,
      );
      const unpinned = await hr.post('/weights/pin', { period: '2026-11', profile: '' });
      expect(unpinned.statusCode).toBe(303);
      const back = await t.app.inject({ url: '/v1/weight-profiles/periods/2026-11', headers: t.auth('hr') });
      expect(back.json().chosen_by).toBe('calendar');
      const why = await hr.get('/weights?period=2026-11');
      expect(why.body).toMatch(/<tr data-period="2026-11">[\s\S]*?data-field="why">日历：/);
      expect((await hr.post('/weights/pin', { period: '2026-11', profile: 'peak' }, false)).statusCode).toBe(403);
      expect((await lead.get('/weights')).statusCode).toBe(403);
    });
  });
});
