/**
 * The HR target desk over HTTP (inject), console part 2: numbers equal the API's, search, filter,
 * sort and pages on the server, "why this number", override and revert with a required reason
 * (CSRF-checked, audited, shown at once), the audit page and its exports, the desk's exports
 * (CSV with BOM, XLSX, same filters), escaping of a reason, and the scopes (hr and admin only).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setOverride } from '../../src/kpi/overrides.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { readWorkbook } from '../../src/lib/spreadsheet.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { Browser } from './session.js';

const ROLE = 'product_ops';
const METRIC = 'gmv';
const PERIOD = '2026-Q4';
const numOf = (s: string) => Number(s.replace(/,/g, ''));

interface ApiPerson {
  employee_id: string;
  target: number;
  floor: number;
  suggested_target: number;
  override: { value: number; reason: string } | null;
}

describeEachBackend('console: the HR target desk', (get) => {
  let t: TestApp;
  let hr: Browser;
  let people: ApiPerson[];
  beforeAll(async () => {
    await loadDemo(get().db, { people: 24 });
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(t, { role: ROLE, metric: METRIC, network: false });
    hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    const api = await t.app.inject({
      url: `/v1/targets?role=${ROLE}&period=${PERIOD}&metric=${METRIC}&limit=1000`,
      headers: t.auth('hr'),
    });
    expect(api.statusCode, api.body).toBe(200);
    people = api.json().metrics[0].people;
    expect(people.length).toBeGreaterThan(3);
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const rowsOf = (body: string) =>
    [...body.matchAll(/<tr data-employee="([^"]+)">[\s\S]*?data-field="target"><strong>([^<]+)<\/strong>/g)].map(
      (m) => ({ id: m[1]!, target: numOf(m[2]!) }),
    );

  it('shows the role at its cycle with the API numbers, the coverage and direction, sorted and searched on the server', async () => {
    const res = await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const rows = rowsOf(res.body);
    expect(rows.map((r) => r.id)).toEqual(people.map((p) => p.employee_id).sort());
    for (const r of rows) {
      const p = people.find((x) => x.employee_id === r.id)!;
      expect(Math.abs(r.target - p.target)).toBeLessThanOrEqual(Math.max(1, Math.abs(p.target) * 1e-3));
    }
    expect(res.body).toContain('数值越高越好');
    expect(res.body).toMatch(/data-field="coverage">80% 区间的实测覆盖率：\d/);
    expect(res.body).toContain('class="spark"');
    // the period picker offers quarters (the role's cycle)
    expect([...res.body.matchAll(/<option value="(\d{4}-Q\d)"/g)].length).toBeGreaterThan(4);
    // sort by target, descending
    const sorted = rowsOf(
      (await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&sort=target&dir=desc`)).body,
    );
    expect(sorted.map((r) => r.id)).toEqual(
      [...people]
        .sort((a, b) => b.target - a.target || (a.employee_id < b.employee_id ? -1 : 1))
        .map((p) => p.employee_id),
    );
    // search by part of an id
    const one = people[2]!.employee_id;
    const found = rowsOf(
      (await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&q=${one.toLowerCase()}`)).body,
    );
    expect(found.map((r) => r.id)).toContain(one);
    expect(found.every((r) => r.id.toLowerCase().includes(one.toLowerCase()))).toBe(true);
    // a period not of the role's cycle is a 400 page
    expect((await hr.get(`/targets?role=${ROLE}&period=2026-11`)).statusCode).toBe(400);
  });

  it('explains one number: the fan, the drivers waterfall, the lines and the promotions', async () => {
    const p = people[0]!;
    const res = await hr.get(`/targets/why?employee=${p.employee_id}&metric=${METRIC}&period=${PERIOD}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('P10–P90');
    expect(res.body).toContain('P30–P70');
    expect((res.body.match(/<svg role="img"/g) ?? []).length).toBe(2);
    expect(numOf(/data-field="target">([^<]+)</.exec(res.body)![1]!)).toBeCloseTo(p.target, -1);
    expect((await hr.get(`/targets/why?employee=NOBODY&metric=${METRIC}&period=${PERIOD}`)).statusCode).toBe(404);
  });

  it('overrides with a reason (CSRF-checked) — shown at once and in the audit — then reverts', async () => {
    const p = people[1]!;
    const why = `/targets/why?employee=${p.employee_id}&metric=${METRIC}&period=${PERIOD}`;
    await hr.get(why);
    const form = { role: ROLE, metric: METRIC, period: PERIOD, employee_id: p.employee_id, back: why };
    // no token: refused, nothing stored
    const forged = await hr.post('/targets/override', { ...form, value: '123456', reason: 'x' }, false);
    expect(forged.statusCode).toBe(403);
    // no reason: refused
    const noReason = await hr.post('/targets/override', { ...form, value: '123456', reason: '  ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('原因（必填）');
    // an empty value is no value (not an override of 0)
    const noValue = await hr.post('/targets/override', { ...form, value: '', reason: '空值' });
    expect(noValue.statusCode).toBe(400);
    const stored = await t.app.inject({ url: `/v1/targets/overrides?role=${ROLE}`, headers: t.auth('hr') });
    expect(stored.json()).toEqual([]);
    const reason = '<script>alert(1)</script> 新人爬坡';
    const set = await hr.post('/targets/override', { ...form, value: '123456', reason });
    expect(set.statusCode, set.body).toBe(303);
    expect(set.headers.location).toBe(`${why}&saved=set`);
    const after = await hr.get(set.headers.location as string);
    expect(after.body).toContain('已保存调整。');
    expect(numOf(/data-field="target">([^<]+)</.exec(after.body)![1]!)).toBe(123456);
    expect(after.body).not.toContain('<script>alert(1)');
    expect(after.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 新人爬坡');
    const desk = rowsOf((await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&flag=overridden`)).body);
    expect(desk).toEqual([{ id: p.employee_id, target: 123456 }]);
    // the audit page lists it with who, before, after and why; filtered by the person
    const audit = await hr.get(`/targets/audit?employee_id=${p.employee_id}`);
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('target_override.set');
    expect(audit.body).toContain('data-action="target_override.set">设定目标调整<');
    expect(audit.body).toContain('&lt;script&gt;');
    expect(audit.body).toMatch(/data-field="after">123,456</);
    // revert needs a reason too
    expect((await hr.post('/targets/revert', { ...form, reason: '' })).statusCode).toBe(400);
    const revert = await hr.post('/targets/revert', { ...form, reason: '恢复建议值' });
    expect(revert.statusCode).toBe(303);
    const back = await hr.get(revert.headers.location as string);
    expect(numOf(/data-field="target">([^<]+)</.exec(back.body)![1]!)).toBeCloseTo(p.suggested_target, -1);
    const both = await hr.get(`/targets/audit?employee_id=${p.employee_id}&action=target_override.`);
    expect([...both.body.matchAll(/<tr data-audit=/g)].length).toBe(2);
    expect(both.body.indexOf('target_override.clear')).toBeLessThan(both.body.indexOf('target_override.set'));
    // the audit export: CSV with BOM, XLSX
    const csv = await hr.get(`/targets/audit/export.csv?employee_id=${p.employee_id}`);
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.body.trim().split('\r\n')).toHaveLength(3);
    const xlsx = await hr.get(`/targets/audit/export.xlsx?employee_id=${p.employee_id}`);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  });

  it('sets and reverts a role-wide override (*)', async () => {
    const desk = `/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`;
    await hr.get(desk);
    const form = { role: ROLE, metric: METRIC, period: PERIOD, employee_id: '*', back: desk };
    expect((await hr.post('/targets/override', { ...form, value: '777', reason: '统一目标' })).statusCode).toBe(303);
    const all = rowsOf((await hr.get(desk)).body);
    expect(all.every((r) => r.target === 777)).toBe(true);
    expect((await hr.post('/targets/revert', { ...form, reason: '撤回' })).statusCode).toBe(303);
    expect(rowsOf((await hr.get(desk)).body).some((r) => r.target !== 777)).toBe(true);
  });

  it('exports the table with the same filters: CSV (UTF-8 with BOM) and XLSX', async () => {
    const q = `role=${ROLE}&metric=${METRIC}&period=${PERIOD}&sort=target&dir=desc`;
    const csv = await hr.get(`/targets/export.csv?${q}`);
    expect(csv.statusCode).toBe(200);
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^employee_id,role,metric,period,direction,floor,baseline,suggested_target,target/);
    expect(lines).toHaveLength(people.length + 1);
    const top = [...people].sort((a, b) => b.target - a.target)[0]!;
    expect(lines[1]!.startsWith(`${top.employee_id},`)).toBe(true);
    const one = people[3]!.employee_id;
    const searched = await hr.get(`/targets/export.csv?${q}&q=${one}`);
    expect(searched.body.trim().split('\r\n').length).toBeLessThan(lines.length);
    const xlsx = await hr.get(`/targets/export.xlsx?${q}`);
    expect(xlsx.headers['content-disposition']).toMatch(/targets-product_ops-gmv-2026-Q4\.xlsx/);
    const book = await readWorkbook(xlsx.rawPayload);
    expect(book.rows.length).toBe(people.length + 1);
  });

  it('is for hr and admin only: cs_lead and scorer are refused, and cannot post an override', async () => {
    const lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
    expect((await lead.get('/targets')).statusCode).toBe(403);
    expect((await lead.get('/targets/audit')).statusCode).toBe(403);
    expect((await lead.get(`/targets/export.csv?role=${ROLE}`)).statusCode).toBe(403);
    const refused = await lead.post('/targets/override', {
      role: ROLE,
      metric: METRIC,
      period: PERIOD,
      employee_id: people[0]!.employee_id,
      value: '1',
      reason: 'no',
    });
    expect(refused.statusCode).toBe(403);
    const admin = new Browser(t);
    await admin.signIn(t.keys.admin);
    expect((await admin.get(`/targets?role=${ROLE}`)).statusCode).toBe(200);
    const anon = await t.app.inject({ url: '/targets' });
    expect(anon.statusCode).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login/);
  });

  it('pages over the stored table equal the uncached computation, in every sort, both directions and each filter', async () => {
    // uncached: the service's computation, not the stored answer
    const live = await t.app.services.targets.roleTargets({
      role: ROLE,
      period: PERIOD,
      metric: METRIC,
      belowFloorOnly: false,
      limit: Number.MAX_SAFE_INTEGER,
      offset: 0,
    });
    const all = live.metrics[0]!.people;
    const desk = await t.app.services.desk.desk({
      role: ROLE,
      metric: METRIC,
      period: PERIOD,
      sort: 'employee',
      dir: 'asc',
      limit: 5,
      offset: 0,
    });
    expect(desk.answer?.summary).toEqual(live.metrics[0]!.summary);
    const key = (p: (typeof all)[number], sort: string) =>
      sort === 'target'
        ? p.target
        : sort === 'suggested'
          ? p.suggested_target
          : sort === 'floor'
            ? p.floor
            : sort === 'actual'
              ? p.actual
              : sort === 'attainment'
                ? p.attainment
                : p.interval80[1] - p.interval80[0];
    for (const sort of ['employee', 'target', 'suggested', 'floor', 'actual', 'attainment', 'width'] as const)
      for (const dir of ['asc', 'desc'] as const)
        for (const flag of [undefined, 'cold_start', 'below_floor', 'overridden'] as const) {
          const kept = all.filter(
            (p) =>
              !flag ||
              (flag === 'cold_start' && p.cold_start) ||
              (flag === 'below_floor' && p.below_floor === true) ||
              (flag === 'overridden' && p.override !== null),
          );
          const byId = (a: { employee_id: string }, b: { employee_id: string }) =>
            a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0;
          const sign = dir === 'desc' ? -1 : 1;
          const want = [...kept].sort((a, b) => {
            if (sort === 'employee') return sign * byId(a, b);
            const [x, y] = [key(a, sort), key(b, sort)];
            if (x === null || y === null) return x === y ? byId(a, b) : x === null ? 1 : -1;
            return sign * (x - y) || byId(a, b);
          });
          const got: typeof all = [];
          for (let offset = 0; offset < kept.length + 5; offset += 5) {
            const page = await t.app.services.desk.desk({
              role: ROLE,
              metric: METRIC,
              period: PERIOD,
              sort,
              dir,
              flag,
              limit: 5,
              offset,
            });
            expect(page.total).toBe(kept.length);
            got.push(...page.rows.map(({ recent: _recent, ...p }) => p));
          }
          // the stored rows are the answer's JSON (as /v1/targets sends it)
          expect(got, `${sort} ${dir} ${flag}`).toEqual(JSON.parse(JSON.stringify(want)));
        }
  });

  it('names the metric tabs from the catalogue in Chinese and in English, never by their ids', async () => {
    const zh = await hr.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(zh.body).toMatch(/<a data-partial data-metric="gmv" href="[^"]+" aria-current="page">成交金额（GMV）<\/a>/);
    expect(zh.body).toContain('· 成交金额（GMV） · 2026-Q4</caption>');
    const en = new Browser(t);
    en.cookies.set('kpi_lang', 'en');
    await en.signIn(t.keys.hr);
    const page = await en.get(`/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(page.body).toMatch(/data-metric="gmv" href="[^"]+" aria-current="page">GMV<\/a>/);
    expect(page.body).toContain('Higher is better');
    const why = await en.get(`/targets/why?employee=${people[0]!.employee_id}&metric=${METRIC}&period=${PERIOD}`);
    expect(why.body).toMatch(/<title>[^<]*· GMV ·/);
    const whyZh = await hr.get(`/targets/why?employee=${people[0]!.employee_id}&metric=${METRIC}&period=${PERIOD}`);
    expect(whyZh.body).toMatch(/<title>[^<]*· 成交金额（GMV） ·/);
  });

  it('reads a closed period from its snapshot with the closed badge (who, when) and offers no override', async () => {
    const desk = `/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`;
    const before = rowsOf((await hr.get(desk)).body);
    const { snapshot } = await t.app.services.periods.close(ROLE, PERIOD, 'hr-closer', 'quarter paid');
    // a change behind the close's back (the service refuses overrides of a closed period): the live
    // answer moves, the snapshot does not
    await setOverride(get().db, {
      role: ROLE,
      metric: METRIC,
      period: PERIOD,
      employeeId: '*',
      value: 4242,
      reason: 'after close',
      actor: null,
    });
    const live = await t.app.services.targets.live.roleTargets(ROLE, PERIOD);
    expect(live.metrics[0]!.people.every((p) => p.target === 4242)).toBe(true);
    const page = await hr.get(desk);
    expect(page.statusCode).toBe(200);
    expect(rowsOf(page.body)).toEqual(before);
    expect(page.body).toMatch(
      /data-field="closed"><span class="badge neu">已关账（快照第 1 版）：hr-closer 于 [^<]+ 关闭<\/span>/,
    );
    expect(page.body).not.toContain('action="/targets/override"');
    const api = await t.app.inject({
      url: `/v1/targets?role=${ROLE}&period=${PERIOD}&metric=${METRIC}&limit=1000`,
      headers: t.auth('hr'),
    });
    expect(api.json().closed).toMatchObject({ version: snapshot.version, closed_by: 'hr-closer' });
    const why = await hr.get(`/targets/why?employee=${before[0]!.id}&metric=${METRIC}&period=${PERIOD}`);
    expect(numOf(/data-field="target">([^<]+)</.exec(why.body)![1]!)).toBe(before[0]!.target);
    expect(why.body).toContain('data-field="closed"');
    expect(why.body).not.toContain('action="/targets/override"');
    const csv = await hr.get(`/targets/export.csv?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`);
    expect(csv.body).not.toContain(',4242,');
    const en = new Browser(t);
    en.cookies.set('kpi_lang', 'en');
    await en.signIn(t.keys.hr);
    expect((await en.get(desk)).body).toMatch(/Closed \(snapshot version 1\) by hr-closer on [^<]+<\/span>/);
    // reopened: the live answer, and the forms again
    await t.app.services.periods.reopen(ROLE, PERIOD, 'hr-closer', 'fix');
    const open = await hr.get(desk);
    expect(open.body).not.toContain('data-field="closed"');
    expect(rowsOf(open.body).every((r) => r.target === 4242)).toBe(true);
    expect(open.body).toContain('action="/targets/override"');
  });
});
