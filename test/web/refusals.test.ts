/**
 * The console's refusals in the page's language (inject, both backends): every form a console user
 * can send with bad input — periods, approvals, calendar, weights, overrides, payouts, keys, models,
 * jobs, corrections, uploads and the override import — answers in Chinese on a Chinese page (the
 * field by its label, the rule in words), and in the API's own English words on an English page;
 * so do a payout preview's warnings, a failed job's error and the 生意参谋 / workbook row reasons, a
 * running job's stage (and where a failed one stopped) and a successful upload's warnings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob, claimJob, failAttempt, insertJob, setProgress } from '../../src/jobs/record.js';
import type { Processor } from '../../src/jobs/types.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { CS_BONUS_PLAN } from './fixture.js';
import { Browser } from './session.js';

/** The text of a refusal: the page's first notice, tags dropped, entities read. */
const notice = (body: string): string =>
  (/<p class="notice[^"]*"[^>]*>([\s\S]*?)<\/p>/.exec(body)?.[1] ?? '')
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
/** The warnings of a payout preview's people. */
const warnings = (body: string): string[] => [...body.matchAll(/<div class="warn">([^<]*)<\/div>/g)].map((m) => m[1]!);
/** The reason cells of an upload's refused rows. */
const reasons = (body: string): string[] =>
  [...body.matchAll(/<tr data-row="\d+">[\s\S]*?<td>([^<]*)<\/td><\/tr>/g)].map((m) =>
    m[1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"'),
  );

const EVENT = {
  id: 'e1',
  name: '双十一',
  kind: 'promotion',
  starts_on: '2026-11-01',
  ends_on: '2026-11-11',
  profile: 'promotion',
};
const WEIGHTS = { id: 'p1', name: '方案', sales: '25', efficiency: '25', customer_experience: '25', innovation: '25' };
const OVERRIDE = {
  role: 'cs_agent',
  metric: 'gmv',
  period: '2026-10',
  employee_id: 'E0001',
  reason: '季度调整',
  value: '5',
};

describeEachBackend('console: refusals in the page language', (get) => {
  let t: TestApp;
  let hr: Browser;
  let admin: Browser;
  let lead: Browser;
  beforeAll(async () => {
    await loadDemo(get().db, { people: 6 });
    // a role with no KPI history: its training job fails
    await get().db.query(`insert into roles (id, name) values ('trainee', 'Trainee')`);
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as Processor });
    hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    admin = new Browser(t);
    await admin.signIn(t.keys.admin);
    lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  /** Sends `form` from `from` and returns the refusal's status and words. */
  const refuse = async (who: Browser, from: string, url: string, form: Record<string, string>) => {
    await who.get(from);
    const r = await who.post(url, form);
    return { status: r.statusCode, text: notice(r.body) };
  };

  describe('on a Chinese page', () => {
    it('words the period and approval forms', async () => {
      expect(await refuse(hr, '/hr/periods', '/hr/periods/close', { role: 'cs agent', period: '2026-Q3' })).toEqual({
        status: 400,
        text: '请求参数有误：岗位（格式不符（须匹配 /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/））',
      });
      expect(await refuse(hr, '/hr/periods', '/hr/periods/close', { role: 'cs_agent', period: '2026-13' })).toEqual({
        status: 400,
        text: '请求参数有误：“2026-13”不是考核周期（ISO 周如 2026-W07、月份如 2026-03 或季度如 2026-Q1）',
      });
      expect(
        await refuse(hr, '/hr/periods', '/hr/periods/reopen', {
          role: 'cs_agent',
          period: '2026-Q2',
          reason: '补录数据',
        }),
      ).toEqual({ status: 409, text: '请求参数有误：cs_agent 的 2026-Q2 尚未关账' });
      const payroll = await hr.get('/hr/periods/payroll?role=cs_agent&period=2026-Q2');
      expect(notice(payroll.body)).toBe('请求参数有误：cs_agent 的 2026-Q2 尚未关账：请先关账再导出薪酬文件');
      const version = await hr.get('/hr/periods/payroll?role=cs_agent&period=2026-Q2&version=0');
      expect(notice(version.body)).toBe('请求参数有误：快照版本（不小于 1）');
    });

    it('words the calendar and weights forms', async () => {
      expect((await refuse(hr, '/calendar', '/calendar/save', { ...EVENT, id: 'Bad Id' })).text).toBe(
        '请求参数有误：编号（须为小写编号（a–z, 0–9, _ . -））',
      );
      expect((await refuse(hr, '/calendar', '/calendar/save', { ...EVENT, starts_on: '2026-11-1' })).text).toBe(
        '请求参数有误：开始日期（须为 YYYY-MM-DD 格式的日期）',
      );
      // a date of the right form that is no day: refused (a server error before)
      expect(await refuse(hr, '/calendar', '/calendar/save', { ...EVENT, starts_on: '2026-02-31' })).toEqual({
        status: 400,
        text: '请求参数有误：开始日期（不是日历上的日期）',
      });
      expect((await refuse(hr, '/calendar', '/calendar/save', { ...EVENT, ends_on: '2026-13-45' })).text).toBe(
        '请求参数有误：结束日期（不是日历上的日期）',
      );
      expect((await refuse(hr, '/calendar', '/calendar/save', { ...EVENT, kind: 'x', profile: 'x' })).text).toBe(
        '请求参数有误：类型（须为以下之一：promotion、holiday、other）；权重方案（须为以下之一：promotion、ordinary）',
      );
      expect(notice((await hr.get('/calendar?edit=nope')).body)).toBe('未找到：营销活动 nope');
      expect(notice((await hr.get('/calendar?month=2026-1')).body)).toBe(
        '请求参数有误：月份（须为 YYYY-MM 格式的月份）',
      );
      expect((await refuse(hr, '/weights', '/weights/save', { ...WEIGHTS, id: 'Bad' })).text).toBe(
        '请求参数有误：编号（须为小写编号（a–z, 0–9, _ -））',
      );
      expect((await refuse(hr, '/weights', '/weights/save', { ...WEIGHTS, sales: 'x' })).text).toBe(
        '请求参数有误：销售权重（须为数字）',
      );
      expect((await refuse(hr, '/weights', '/weights/pin', { period: '2026', profile: 'promotion' })).text).toBe(
        '请求参数有误：周期（须为周、月或季度（如 2026-W07、2026-03、2026-Q1））',
      );
      expect(notice((await hr.get('/weights?period=soon')).body)).toBe('请求参数有误：周期（soon 不是周、月或季度）');
      expect(notice((await hr.get('/weights?edit=nope')).body)).toBe('未找到：权重方案 nope');
    });

    it('words the override and payout forms', async () => {
      expect(await refuse(hr, '/targets', '/targets/override', { ...OVERRIDE, value: '-5' })).toEqual({
        status: 422,
        text: '请求参数有误：-5 超出成交金额（GMV）的取值范围 0–∞',
      });
      expect((await refuse(hr, '/targets', '/targets/override', { ...OVERRIDE, period: 'soon' })).text).toBe(
        '请求参数有误：“soon”不是考核周期（ISO 周如 2026-W07、月份如 2026-03 或季度如 2026-Q1）',
      );
      expect(await refuse(hr, '/targets', '/targets/revert', OVERRIDE)).toEqual({
        status: 404,
        text: '未找到：目标调整：成交金额（GMV），E0001（cs_agent，2026-10）',
      });
      expect((await refuse(hr, '/appraisal/payouts', '/appraisal/payouts', { period: 'soon' })).text).toBe(
        '请求参数有误：须为周、月或季度：“soon”',
      );
    });

    it('words the key, model and job forms', async () => {
      const key = (form: Record<string, string>) => refuse(admin, '/keys', '/keys/create', form);
      expect((await key({ name: '', scopes: 'hr' })).text).toBe('请求参数有误：名称（必填）');
      expect((await key({ name: 'x'.repeat(201), scopes: 'hr' })).text).toBe('请求参数有误：名称（最多 200 个字符）');
      expect((await key({ name: '质检', scopes: 'root' })).text).toBe(
        '请求参数有误：权限（须为以下一项或多项：hr、cs_lead、scorer、admin、agent）',
      );
      expect((await key({ name: '客服', scopes: 'agent' })).text).toBe(
        '请求参数有误：agent 权限的密钥须填写绑定客服（该密钥所属的员工）',
      );
      expect((await key({ name: '人力', scopes: 'hr', agent_id: 'E0001' })).text).toBe(
        '请求参数有误：只有 agent 权限的密钥才能绑定客服',
      );
      expect((await key({ name: '客服', scopes: 'agent', agent_id: 'Z99' })).text).toBe(
        '请求参数有误：绑定客服（没有员工 Z99）',
      );
      expect((await refuse(admin, '/keys', '/keys/revoke', { id: 'nope' })).text).toBe('未找到：API 密钥 nope');
      expect((await refuse(admin, '/models', '/models/rollback', { reason: '回滚' })).text).toBe(
        '请求参数有误：类型、范围（必填）',
      );
      expect(notice((await admin.get('/jobs?before=zzz')).body)).toBe(
        '请求参数有误：翻页位置（列表中没有任务 zzz（请使用上一页的 next_before））',
      );
    });

    it('words the correction forms and the list filters', async () => {
      const form = { review: 'A01-q3-0', attribution: 'agent', reason: '客服无责' };
      expect((await refuse(lead, '/corrections', '/corrections/correct', { ...form, attribution: 'x' })).text).toBe(
        '请求参数有误：归属（须为 auto、agent、not_agent 或 excluded 之一）',
      );
      expect((await refuse(lead, '/corrections', '/corrections/correct', { ...form, reason: 'ab' })).text).toBe(
        '请求参数有误：原因（3–500 个字符）',
      );
      expect((await refuse(lead, '/corrections', '/corrections/decide', { appeal: 'x', reason: '不成立' })).text).toBe(
        '请求参数有误：申诉编号、处理（必填）',
      );
      expect(notice((await lead.get('/ratings?kind=day')).body)).toBe(
        '请求参数有误：类型（须为以下之一：week、month、quarter、year）',
      );
    });

    it('words the upload and override-import row reasons', async () => {
      await hr.get('/upload');
      const people = await hr.upload(
        '/upload',
        { kind: 'employees' },
        { name: 'p.csv', type: 'text/csv', body: 'id,name\nE1,x\n' },
      );
      expect(people.statusCode).toBe(422);
      expect(reasons(people.body)).toEqual(['表头缺少此列（表头为：id, name）']);
      const history = (body: string) =>
        hr.upload(
          '/upload',
          { kind: 'history' },
          { name: 'h.csv', type: 'text/csv', body: `employee_id,period,metric_id,value\n${body}\n` },
        );
      expect(reasons((await history('E0001,2026-13,gmv,x')).body)).toEqual([
        "须为 ISO 周（2026-W07）、月份（2026-03）或季度（2026-Q1），实际为 '2026-13'",
        "须为数字，实际为 'x'",
      ]);
      expect(reasons((await history('E0001,2026-05,nope,1')).body)).toEqual(['未知指标 nope（见 GET /v1/metrics）']);
      const sycm = await hr.upload(
        '/upload',
        { kind: 'sycm' },
        { name: 's.csv', type: 'text/csv', body: 'a,b\n1,2\n' },
      );
      expect(reasons(sycm.body)).toEqual(['员工工号（生意参谋导出必须填写）']);
      await hr.get('/targets/import');
      const header = 'employee_id,role,metric,period,override_value,override_reason';
      const rows = [
        `${header}`,
        'E0001,cs_agent,gmv,2026-13,5,调整',
        'E0001,cs_agent,gmv,2026-10,x,调整',
        'E0001,nobody,gmv,2026-10,5,',
      ];
      const imp = await hr.upload(
        '/targets/import',
        {},
        { name: 'o.csv', type: 'text/csv', body: `${rows.join('\n')}\n` },
      );
      expect(imp.statusCode).toBe(422);
      expect(reasons(imp.body)).toEqual([
        '“2026-13”不是考核周期（ISO 周如 2026-W07、月份如 2026-03 或季度如 2026-Q1）',
        '不是数字：x',
        '填写了调整值时必填',
      ]);
    });
    it("words a payout preview's warnings", async () => {
      const saved = await t.app.inject({
        method: 'POST',
        url: '/v1/incentive-plans',
        headers: t.auth('hr'),
        payload: CS_BONUS_PLAN,
      });
      expect(saved.statusCode, saved.body).toBe(201);
      await hr.get('/appraisal/payouts');
      const sent = await hr.post('/appraisal/payouts', { period: '2026-10', role: 'cs_agent' });
      expect(sent.statusCode, sent.body).toBe(303);
      const page = await hr.get(sent.headers.location as string);
      expect(page.statusCode).toBe(200);
      const said = warnings(page.body);
      expect(said.length).toBeGreaterThan(0);
      // every person of the demo: the bonus's driver has no attainment (no trained model, no target)
      expect(new Set(said)).toEqual(new Set(['提成项 service_bonus：客户满意度（CSAT）没有达成率']));
      // the API keeps its English words
      const api = await t.app.inject({
        url: `/v1/payouts/previews/${encodeURIComponent(new URL(sent.headers.location as string, 'http://x').searchParams.get('id')!)}`,
        headers: t.auth('hr'),
      });
      expect(api.json().payouts[0].warnings).toEqual(['component service_bonus: csat: no attainment']);
    });

    it("words a failed job's error", async () => {
      await admin.get('/jobs');
      const sent = await admin.post('/jobs/train', { role: 'trainee' });
      expect(sent.statusCode, sent.body).toBe(200);
      const id = /已提交任务 ([^。]+)。/.exec(sent.body)![1]!;
      const url = `/v1/jobs/${encodeURIComponent(id)}`;
      let state = '';
      for (let waited = 0; waited < 60_000 && state !== 'failed'; waited += 100) {
        state = (await t.app.inject({ url, headers: t.auth('admin') })).json().state;
        if (state !== 'failed') await new Promise((r) => setTimeout(r, 100));
      }
      expect(state).toBe('failed');
      const api = await t.app.inject({ url, headers: t.auth('admin') });
      expect(api.json().error).toBe('no KPI history for {"role":"trainee"}');
      const page = await admin.get('/jobs?state=failed');
      const row = new RegExp(`<tr data-job="${id}">[\\s\\S]*?</tr>`).exec(page.body)![0];
      expect(row).toContain(
        'data-state="failed">失败<br><small data-field="error">没有 KPI 历史数据（岗位 trainee），无法训练</small>',
      );
      // it failed before any progress: not "0% 排队中" (it waits no more), but that it never began
      expect(row).toContain('<td data-field="progress">未开始</td>');
      expect(row).not.toContain('<progress');
    }, 90_000);

    it("shows a running job's stage in words and where a failed one stopped", async () => {
      const { db } = get();
      // two jobs of the job store: one running (its processor's own progress text), one that failed mid-way
      for (const id of ['stage-running', 'stage-failed']) {
        await insertJob(db, id, 'train_baselines', { role: 'cs_agent' }, null);
        await claimJob(db, id, { worker: 'test' });
        await setProgress(db, id, 33, 'training cs_agent:gmv:month (2/3)');
      }
      await failAttempt(db, 'stage-failed', 'no KPI history for cs_agent:gmv:month', true);
      // and one cancelled while it still waited (no processor for its kind here: it stays waiting)
      await insertJob(db, 'stage-cancelled', 'compare_models', {}, null);
      expect(await cancelJob(db, 'stage-cancelled')).toBe(true);
      const api = await t.app.inject({ url: '/v1/jobs/stage-running', headers: t.auth('admin') });
      expect(api.json().progress).toEqual({ percent: 33, stage: 'training cs_agent:gmv:month (2/3)' });
      const page = await admin.get('/jobs');
      const cell = (id: string) =>
        new RegExp(`<tr data-job="${id}">[\\s\\S]*?<td data-field="progress">([\\s\\S]*?)</td>`).exec(page.body)![1]!;
      expect(cell('stage-running')).toBe(
        '<progress max="100" value="33" aria-label="stage-running">33%</progress> 33% 训练 客服专员 · 成交金额（GMV） · 月（2/3）',
      );
      expect(cell('stage-failed')).toBe('停在 33%：训练 客服专员 · 成交金额（GMV） · 月（2/3）');
      expect(cell('stage-cancelled')).toBe('未开始');
      const enAdmin = new Browser(t);
      await enAdmin.signIn(t.keys.admin);
      await enAdmin.get('/jobs');
      await enAdmin.post('/lang', { lang: 'en', back: '/jobs' });
      const en = await enAdmin.get('/jobs');
      expect(en.body).toContain('33% training cs_agent:gmv:month (2/3)</td>');
      expect(en.body).toContain('<td data-field="progress">stopped at 33%: training cs_agent:gmv:month (2/3)</td>');
      await failAttempt(db, 'stage-running', 'test over', true);
    });

    it("words a successful upload's warnings", async () => {
      await hr.get('/upload');
      const sent = await hr.upload(
        '/upload',
        { kind: 'sycm', employee_id: 'E0001', period_kind: 'month' },
        { name: 's.csv', type: 'text/csv', body: '统计日期,支付金额\n2026-03-01,100\n合计,100\n' },
      );
      expect(sent.statusCode, sent.body).toBe(200);
      const shown = [...sent.body.matchAll(/<li data-warning="([a-z_]+)">([^<]*)<\/li>/g)].map((m) => [m[1], m[2]]);
      expect(shown).toEqual([
        ['rows_skipped', '第 2 行：汇总行“合计”已跳过'],
        [
          'partial_period',
          '2026-03（E0001）不完整：已存的日数据覆盖 31 天中的 1 天（2026-03-01..2026-03-01）；待各天数据齐全后再导入',
        ],
      ]);
    });

    it('words the rarer importer row reasons (生意参谋, workbooks, a CSV not in UTF-8)', async () => {
      await hr.get('/upload');
      const sycm = await hr.upload(
        '/upload',
        { kind: 'sycm', employee_id: 'E0001', period_kind: 'month' },
        {
          name: 's.csv',
          type: 'text/csv',
          body: '统计日期,支付金额,访客数\n2026-03-01,-5,10\n2026-13-01,1,1.5\n2026-03-30~2026-04-02,1,1\n',
        },
      );
      expect(sycm.statusCode).toBe(422);
      expect(reasons(sycm.body)).toEqual([
        '不能为负数："-5"',
        '日期无效："2026-13-01"',
        '不是整数："1.5"',
        '2026-03-30~2026-04-02 跨越 2026-03 和 2026-04 两个周期：合计值无法拆分到各周期（请导出按日的数据）',
      ]);
      const shops = await hr.upload(
        '/upload',
        { kind: 'sycm', employee_id: 'E0001', period_kind: 'month' },
        { name: 's.csv', type: 'text/csv', body: '统计日期,店铺名称,支付金额\n2026-03-01,甲店,1\n2026-03-01,乙店,2\n' },
      );
      expect(reasons(shops.body)).toEqual(['导出文件含 2 个店铺（甲店, 乙店）：请在“店铺”中填写其中一个，逐个导入']);
      // a zip that is no workbook, as 生意参谋 and as the override import
      const broken = Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]);
      const zipped = await hr.upload(
        '/upload',
        { kind: 'sycm', employee_id: 'E0001', period_kind: 'month' },
        { name: 'x.xlsx', body: broken },
      );
      expect(reasons(zipped.body)).toEqual(['zip 文件损坏或不完整（找不到中央目录结尾）']);
      await hr.get('/targets/import');
      const imp = await hr.upload('/targets/import', {}, { name: 'o.xlsx', body: broken });
      expect(imp.statusCode).toBe(422);
      expect(reasons(imp.body)).toEqual(['zip 文件损坏或不完整（找不到中央目录结尾）']);
      // a GBK export sent as UTF-8: the whole file, row 0
      await hr.get('/upload');
      const gbk = await hr.upload(
        '/upload',
        { kind: 'employees', encoding: 'utf-8' },
        {
          name: 'p.csv',
          type: 'text/csv',
          body: Buffer.concat([
            Buffer.from('id,role,team\nE9,cs_agent,'),
            Buffer.from([0xbf, 0xcd]),
            Buffer.from('\n'),
          ]),
        },
      );
      expect(gbk.statusCode).toBe(400);
      expect(reasons(gbk.body)).toEqual([
        '第 2 行（字节位置 25）不是有效的 UTF-8；GBK 编码的文件请在“CSV 编码”中选择 GBK',
      ]);
    });
  });

  it("on an English page the words are the API's own", async () => {
    const enHr = new Browser(t);
    await enHr.signIn(t.keys.hr);
    await enHr.get('/hr');
    await enHr.post('/lang', { lang: 'en', back: '/hr' });
    expect((await refuse(enHr, '/targets', '/targets/override', { ...OVERRIDE, value: '-5' })).text).toBe(
      'Invalid request: -5 is outside 0–∞ for gmv',
    );
    expect(
      (
        await refuse(enHr, '/hr/periods', '/hr/periods/reopen', {
          role: 'cs_agent',
          period: '2026-Q2',
          reason: 'late data',
        })
      ).text,
    ).toBe('Invalid request: 2026-Q2 is not closed for cs_agent');
    expect((await refuse(enHr, '/calendar', '/calendar/save', { ...EVENT, id: 'Bad Id' })).text).toBe(
      'Invalid request: Id: expected a lower-case id (a–z, 0–9, _ . -)',
    );
    // the API itself: its English problem+json, unchanged
    const api = await t.app.inject({
      method: 'POST',
      url: '/v1/periods/cs_agent/2026-Q2/reopen',
      headers: t.auth('hr'),
      payload: { reason: 'late data' },
    });
    expect(api.statusCode).toBe(409);
    expect(api.json().detail).toBe('2026-Q2 is not closed for cs_agent');
  });
});
