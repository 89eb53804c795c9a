/**
 * The override import (console part 2, issue 13), on both backends: the desk's own export (CSV with
 * BOM, XLSX) edited and sent back through the console (/targets/import) and the API
 * (POST /v1/targets/overrides/import): overrides set and reverted, each audited with its actor; a
 * file with one bad row refused whole with its row errors and nothing changed; the same file twice
 * changes nothing the second time; CSRF and scopes. With an approval threshold: the rows beyond it
 * filed as override requests (maker–checker) while the rest applies, in one transaction; shown on the
 * page with the link to /hr/approvals; a bad row still refuses everything (no request filed); a second
 * HR key approves a filed row.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { toXlsx } from '../../src/lib/spreadsheet.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { Browser } from './session.js';

const ROLE = 'product_ops';
const METRIC = 'gmv';
const PERIOD = '2026-Q4';
const count = (body: string, what: string) => Number(new RegExp(`data-count="${what}">([\\d,]+)<`).exec(body)?.[1]);

/** The export's CSV as rows of cells (no quoted commas in these values). */
const parseCsv = (text: string) =>
  text
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));
const toCsv = (rows: string[][]) => `\uFEFF${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;

describeEachBackend('console: the override import', (get) => {
  let t: TestApp;
  let hr: Browser;
  let exported: string[][];
  const overrides = async () =>
    (
      await t.app.inject({ url: `/v1/targets/overrides?role=${ROLE}&period=${PERIOD}`, headers: t.auth('hr') })
    ).json() as {
      employee_id: string;
      value: number;
      reason: string;
      set_by: string;
    }[];
  const auditRows = async () =>
    (
      await t.app.inject({ url: `/v1/targets/audit?role=${ROLE}&period=${PERIOD}&limit=1000`, headers: t.auth('hr') })
    ).json() as { action: string; employee_id: string; actor: string }[];

  beforeAll(async () => {
    await loadDemo(get().db, { people: 24 });
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(t, { role: ROLE, metric: METRIC, network: false });
    hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    const csv = await hr.get(`/targets/export.csv?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(csv.statusCode, csv.body).toBe(200);
    exported = parseCsv(csv.body);
    expect(exported.length).toBeGreaterThan(4);
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  it('the desk links to the import; the page has a file form with its token', async () => {
    const desk = await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(desk.body).toContain('href="/targets/import?back=');
    const page = await hr.get('/targets/import');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/targets/import" enctype="multipart/form-data"');
  });

  it('sets overrides from the edited export, audited with the actor; the same file again changes nothing', async () => {
    const [header, ...rows] = exported;
    const col = (name: string) => header!.indexOf(name);
    const edited = rows.map((r) => [...r]);
    edited[0]![col('override_value')] = '123456';
    edited[0]![col('override_reason')] = '批量调整：新品上线';
    edited[1]![col('override_value')] = '98765.5';
    edited[1]![col('override_reason')] = 'ramp-up';
    const file = toCsv([header!, ...edited]);
    const auditBefore = (await auditRows()).length;
    const r = await hr.upload('/targets/import', {}, { name: 'targets.csv', type: 'text/csv', body: file });
    expect(r.statusCode, r.body).toBe(200);
    expect([count(r.body, 'set'), count(r.body, 'cleared'), count(r.body, 'unchanged')]).toEqual([
      2,
      0,
      rows.length - 2,
    ]);
    const now = await overrides();
    const a = now.find((o) => o.employee_id === edited[0]![0]);
    expect(a).toMatchObject({ value: 123456, reason: '批量调整：新品上线' });
    expect(now.find((o) => o.employee_id === edited[1]![0])?.value).toBe(98765.5);
    const audit = await auditRows();
    expect(audit.length).toBe(auditBefore + 2);
    expect(audit.slice(0, 2).every((x) => x.action === 'set' && x.actor === a!.set_by)).toBe(true);
    // again: retry-safe
    const again = await hr.upload('/targets/import', {}, { name: 'targets.csv', body: file });
    expect(again.statusCode).toBe(200);
    expect([count(again.body, 'set'), count(again.body, 'unchanged')]).toEqual([0, rows.length]);
    expect((await auditRows()).length).toBe(auditBefore + 2);
    // the desk shows the override at once
    const desk = await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&q=${edited[0]![0]}`);
    expect(desk.body).toMatch(/data-field="target"><strong>123,456/);
  });

  it('one bad row refuses the whole file with a table of row errors; nothing changes', async () => {
    const [header, ...rows] = exported;
    const col = (name: string) => header!.indexOf(name);
    const edited = rows.slice(0, 3).map((r) => [...r]);
    edited[0]![col('override_value')] = '5000';
    edited[0]![col('override_reason')] = 'fine';
    edited[1]![col('override_value')] = '6000';
    edited[1]![col('override_reason')] = '';
    edited[2]![0] = 'NOPE<b>';
    edited[2]![col('override_value')] = '7000';
    edited[2]![col('override_reason')] = 'x';
    const before = await overrides();
    const auditBefore = (await auditRows()).length;
    const r = await hr.upload('/targets/import', {}, { name: 'bad.csv', body: toCsv([header!, ...edited]) });
    expect(r.statusCode).toBe(422);
    expect(r.body).toContain('<table class="row-errors">');
    expect(r.body).toMatch(/<tr data-row="2"><td class="num">2<\/td><td><code>override_reason<\/code><\/td>/);
    expect(r.body).toMatch(
      /<tr data-row="3"><td class="num">3<\/td><td><code>employee_id<\/code><\/td><td>未知员工 NOPE&lt;b&gt;/,
    );
    expect(await overrides()).toEqual(before);
    expect((await auditRows()).length).toBe(auditBefore);
  });

  it('reverts with an empty value and a reason; reads the XLSX layout too; through the API as well', async () => {
    const [header, ...rows] = exported;
    const col = (name: string) => header!.indexOf(name);
    const revert = rows.slice(0, 1).map((r) => {
      const x = [...r];
      x[col('override_value')] = '';
      x[col('override_reason')] = '恢复建议值';
      return x;
    });
    const xlsx = await toXlsx(header!, revert, { sheetName: 'targets' });
    const r = await hr.upload('/targets/import', {}, { name: 'targets.xlsx', body: Buffer.from(xlsx) });
    expect(r.statusCode, r.body).toBe(200);
    expect(count(r.body, 'cleared')).toBe(1);
    expect((await overrides()).some((o) => o.employee_id === rows[0]![0])).toBe(false);
    expect((await auditRows())[0]).toMatchObject({ action: 'clear', employee_id: rows[0]![0] });
    // the API: the same layout as CSV text
    const body = toCsv([
      header!,
      rows.slice(2, 3).map((r) => {
        const x = [...r];
        x[col('override_value')] = '4321';
        x[col('override_reason')] = 'api import';
        return x;
      })[0]!,
    ]);
    const api = await t.app.inject({
      method: 'POST',
      url: '/v1/targets/overrides/import',
      headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
      payload: body,
    });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json()).toEqual({ received: 1, set: 1, cleared: 0, unchanged: 0, requested: 0, requests: [] });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/targets/overrides/import',
      headers: { ...t.auth('cs_lead'), 'content-type': 'text/csv' },
      payload: body,
    });
    expect(refused.statusCode).toBe(403);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/targets/overrides/import',
      headers: { ...t.auth('hr'), 'content-type': 'text/csv' },
      payload: 'employee_id,role\nx,y\n',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().error_count).toBe(4);
  });

  it('refuses a form without its token and keys without hr', async () => {
    const file = toCsv(exported);
    expect((await hr.upload('/targets/import', { _csrf: 'x' }, { name: 'a.csv', body: file })).statusCode).toBe(403);
    const lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
    expect((await lead.get('/targets/import')).statusCode).toBe(403);
    expect((await lead.upload('/targets/import', {}, { name: 'a.csv', body: file })).statusCode).toBe(403);
  });

  it('with an approval threshold: files the rows beyond it for a second approver and applies the rest, all or nothing', async () => {
    // the same data, served with OVERRIDE_APPROVAL_THRESHOLD=0.1 (a change of more than 10 % needs a checker)
    const ta = await buildTestApp(get().db, { OVERRIDE_APPROVAL_THRESHOLD: '0.1' });
    try {
      const maker = new Browser(ta);
      await maker.signIn(ta.keys.hr);
      await maker.get('/targets/import');
      const [header, ...rows] = exported;
      const col = (name: string) => header!.indexOf(name);
      const suggested = (r: string[]) => Number(r[col('suggested_target')]);
      // rows 0 and 1: reverted and set by the tests above; 3: untouched
      const [near, far, farToo] = [3, 0, 1].map((i) => [...rows[i]!]);
      for (const r of [near, far, farToo]) expect(suggested(r!)).toBeGreaterThan(0);
      near![col('override_value')] = String(Math.round(suggested(near!) * 1.05));
      near![col('override_reason')] = '小幅调整';
      far![col('override_value')] = String(Math.round(suggested(far!) * 2));
      far![col('override_reason')] = '大促翻倍 <b>';
      farToo![col('override_value')] = String(Math.round(suggested(farToo!) * 0.5));
      farToo![col('override_reason')] = 'halved';
      const requests = async () =>
        (await ta.app.inject({ url: `/v1/override-requests?role=${ROLE}&period=${PERIOD}`, headers: ta.auth('hr') }))
          .json()
          .filter((x: { state: string }) => x.state === 'pending') as { id: number; employee_id: string }[];
      const before = { overrides: await overrides(), audit: (await auditRows()).length, requests: await requests() };

      // a bad row beside them: nothing applied, nothing filed
      const bad = [...rows[2]!];
      bad[col('override_value')] = 'abc';
      bad[col('override_reason')] = 'x';
      const refused = await maker.upload(
        '/targets/import',
        {},
        { name: 'bad.csv', body: toCsv([header!, near!, far!, farToo!, bad]) },
      );
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toMatch(/<tr data-row="4">/);
      expect(await overrides()).toEqual(before.overrides);
      expect(await requests()).toEqual(before.requests);
      expect((await auditRows()).length).toBe(before.audit);

      const file = toCsv([header!, near!, far!, farToo!]);
      const r = await maker.upload('/targets/import', {}, { name: 'targets.csv', body: file });
      expect(r.statusCode, r.body).toBe(200);
      expect([count(r.body, 'set'), count(r.body, 'requested'), count(r.body, 'unchanged')]).toEqual([1, 2, 0]);
      expect(r.body).toContain('已导入：设置 1 项，撤销 0 项，提交审批 2 项，未变 0 项。');
      expect(r.body).toContain('href="/hr/approvals" data-link="approvals"');
      const filed = [
        ...r.body.matchAll(/<tr data-request="(\d+)" data-row="(\d+)"><td class="num">\d+<\/td><td>([^<]+)</g),
      ];
      expect(filed.map((m) => [Number(m[2]), m[3]])).toEqual([
        [2, far![0]],
        [3, farToo![0]],
      ]);
      // the reason in the page's language (the API answers it in English: src/kpi/approval.ts)
      expect(r.body).toContain('超过审批阈值 10%');
      expect(r.body).not.toContain('over the approval threshold');
      // in force: the row within the threshold only; the others wait as pending requests
      const now = await overrides();
      expect(now.find((o) => o.employee_id === near![0])).toMatchObject({ reason: '小幅调整' });
      expect(now.some((o) => o.employee_id === far![0])).toBe(false);
      expect(now.find((o) => o.employee_id === farToo![0])).toEqual(
        before.overrides.find((o) => o.employee_id === farToo![0]),
      );
      const pending = await requests();
      expect(pending.length).toBe(before.requests.length + 2);
      const mine = pending.filter((x) => x.employee_id === far![0] || x.employee_id === farToo![0]);
      expect(mine.map((x) => x.id).sort()).toEqual(filed.map((m) => Number(m[1])).sort());
      // the targets' audit lists the override set (the requests' own audit rows are on /v1/override-requests' side)
      const audit = await auditRows();
      expect(audit.length).toBe(before.audit + 1);
      expect(audit[0]).toMatchObject({ action: 'set', employee_id: near![0] });

      // the same file again: nothing new (the requests are pending already), listed as filed before
      const again = await maker.upload('/targets/import', {}, { name: 'targets.csv', body: file });
      expect(again.statusCode).toBe(200);
      expect([count(again.body, 'set'), count(again.body, 'requested'), count(again.body, 'unchanged')]).toEqual([
        0, 0, 3,
      ]);
      expect(again.body).toContain('此前已提交，仍在等待');
      expect((await requests()).length).toBe(pending.length);
      expect((await auditRows()).length).toBe(before.audit + 1);

      // the API answers the requests too; a second HR key approves one and it takes effect
      const api = await ta.app.inject({
        method: 'POST',
        url: '/v1/targets/overrides/import',
        headers: { ...ta.auth('hr'), 'content-type': 'text/csv' },
        payload: file,
      });
      expect(api.statusCode, api.body).toBe(200);
      expect(api.json()).toMatchObject({ set: 0, requested: 0, unchanged: 3 });
      expect(api.json().requests.map((x: { row: number; filed: boolean }) => [x.row, x.filed])).toEqual([
        [2, false],
        [3, false],
      ]);
      const checker = await ta.app.services.keys.create('checker', ['hr']);
      const ok = await ta.app.inject({
        method: 'POST',
        url: `/v1/override-requests/${filed[0]![1]}/approve`,
        headers: { authorization: `Bearer ${checker.key}` },
        payload: { reason: '同意调整' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await overrides()).find((o) => o.employee_id === far![0])?.value).toBe(
        Number(far![col('override_value')]),
      );
    } finally {
      await ta.app.close();
    }
  });
});
