/**
 * Personal data is masked in every API answer that carries review text (issue 16): the reviews list,
 * the reviews behind a rating (text, aspect spans, explanation n-grams), the overdue reviews, the
 * sentiment score's spans and explanation — and in the log lines; zh and en, on both backends.
 * PII_RAW names the surfaces that show raw text instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPersonalText } from '../../src/privacy/index.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { buildTestApp, logSink, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const ZH =
  '收件人：王小明，电话13912345678，座机010-62345678，身份证11010519491231002X，订单号123456789012345678，地址北京市朝阳区建国路88号3单元502室。客服态度很差，一直不回复';
const EN =
  'Name: Jane Doe, call 13987654321 or mail jane.doe@example.com, ship to 221B Baker Street. The agent was rude and never replied';
/** What must never appear in a masked answer or log line. */
const RAW = [
  '13912345678',
  '13987654321',
  '62345678',
  '11010519491231002X',
  '123456789012345678',
  '王小明',
  'jane.doe@',
  'Jane Doe',
  '建国路88号',
  '502室',
  '221B Baker',
];
const MASKED = ['139****5678', '139****4321', '北京市朝阳区', '110105********002X', '王**', 'j***@example.com'];

const setUp = async (t: TestApp) => {
  await registerShippedSentiment(t.app.services.db, 'models');
  const e = await t.app.inject({
    method: 'POST',
    url: '/v1/employees',
    headers: t.auth('hr'),
    payload: [{ id: 'PA1', role: 'cs_agent', team: '隐私组', hire_date: '2024-01-01' }],
  });
  expect(e.statusCode, e.body).toBe(200);
  const r = await t.app.inject({
    method: 'POST',
    url: '/v1/reviews',
    headers: t.auth('cs_lead'),
    payload: [
      { id: 'PA-zh', agent_id: 'PA1', channel: 'chat', text: ZH, rating: 1, created_at: '2026-08-03T02:00:00Z' },
      { id: 'PA-en', agent_id: 'PA1', channel: 'chat', text: EN, rating: 1, created_at: '2026-08-04T02:00:00Z' },
    ],
  });
  expect(r.statusCode, r.body).toBe(200);
};

describeEachBackend('API answers mask personal data in review text', (get) => {
  let t: TestApp;
  const sink = logSink();
  const lines = sink.lines;
  beforeAll(async () => {
    t = await buildTestApp(get().db, {}, { level: 'info', stream: sink.stream });
    await setUp(t);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const read = async (url: string, scope: 'cs_lead' | 'scorer' = 'cs_lead') => {
    const res = await t.app.inject({ url, headers: t.auth(scope) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res.body;
  };
  const noRaw = (body: string) => {
    for (const r of RAW) expect(body, r).not.toContain(r);
  };

  it('GET /v1/reviews (zh and en)', async () => {
    const body = await read('/v1/reviews?agent_id=PA1', 'scorer');
    noRaw(body);
    for (const m of MASKED) expect(body).toContain(m);
    const rows = JSON.parse(body) as { id: string; text: string }[];
    expect(rows.find((r) => r.id === 'PA-zh')!.text).toContain('收件人：王**，电话139****5678');
    expect(rows.find((r) => r.id === 'PA-en')!.text).toContain('Name: J*******, call 139****4321');
  });

  it('the reviews behind a rating: text, aspect spans on the masked text, explanation n-grams', async () => {
    const body = await read('/v1/ratings/agents/PA1/reviews?period=2026-08&explain=true');
    noRaw(body);
    const page = JSON.parse(body) as {
      items: {
        text: string;
        aspects: { span: { start: number; end: number; text: string } }[];
        explanation: { token: string }[];
      }[];
    };
    expect(page.items).toHaveLength(2);
    let spans = 0;
    for (const it of page.items) {
      expect(it.explanation.length).toBeGreaterThan(0);
      for (const a of it.aspects) {
        spans++;
        // each span still marks its own words, now in the masked text the answer carries
        expect(it.text.slice(a.span.start, a.span.end)).toBe(a.span.text);
      }
    }
    expect(spans).toBeGreaterThan(0);
  });

  it('the overdue negative reviews', async () => {
    const body = await read('/v1/ratings/overdue-reviews?team=隐私组'.replace('隐私组', encodeURIComponent('隐私组')));
    const page = JSON.parse(body) as { total: number };
    expect(page.total).toBe(2);
    noRaw(body);
    expect(body).toContain('139****5678');
  });

  it('a sentiment score: the spans keep the caller’s offsets, their text and the n-grams are masked', async () => {
    const text = '电话13912345678的客服态度很差，13912345678打了十次都没人接';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/sentiment/score',
      headers: t.auth('scorer'),
      payload: { texts: [text, EN], explain: true },
    });
    expect(res.statusCode, res.body).toBe(200);
    noRaw(res.body);
    expect(res.body).not.toContain('1391234');
    const out = JSON.parse(res.body) as {
      results: {
        aspects: { span: { start: number; end: number; text: string } }[];
        explanation: { token: string }[];
      }[];
    };
    expect(out.results[0]!.explanation.length).toBeGreaterThan(0);
    const aspect = out.results[0]!.aspects.find((a) => a.span.text.includes('态度'));
    expect(aspect, JSON.stringify(out.results[0]!.aspects)).toBeDefined();
    // the offsets are the caller's; the text there is the same words with the phone number masked
    expect(maskPersonalText(text.slice(aspect!.span.start, aspect!.span.end))).toBe(aspect!.span.text);
  });

  it('log lines: the URL and error messages', async () => {
    lines.length = 0;
    await t.app.inject({ url: '/v1/reviews?agent_id=13912345678', headers: t.auth('scorer') });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews',
      headers: t.auth('cs_lead'),
      payload: [{ id: 'PA-bad', agent_id: 'PA1', text: ZH, rating: 9, created_at: 'not a date 13912345678' }],
    });
    expect(bad.statusCode).toBe(422);
    t.app.log.info(`a line that echoes a review: ${ZH}`);
    t.app.log.warn({ detail: EN }, 'an object member that echoes one');
    const all = lines.join('');
    expect(all).toContain('139****5678');
    expect(all).toContain('/v1/reviews?agent_id=139****5678');
    noRaw(all);
  });
});

describe('PII_RAW shows raw text only where configured', () => {
  describeEachBackend('api and logs raw, the console masked', (get) => {
    let t: TestApp;
    const sink = logSink();
    const lines = sink.lines;
    beforeAll(async () => {
      t = await buildTestApp(get().db, { PII_RAW: 'api,logs' }, { level: 'info', stream: sink.stream });
      await setUp(t);
    }, 120_000);
    afterAll(async () => {
      await t?.app.close();
    });

    it('answers and log lines carry the raw text; the console still masks', async () => {
      const res = await t.app.inject({ url: '/v1/reviews?agent_id=PA1', headers: t.auth('scorer') });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('13912345678');
      expect(res.body).toContain('jane.doe@example.com');
      t.app.log.info(`echo ${ZH}`);
      expect(lines.join('')).toContain('13912345678');
      expect(t.app.services.privacy.isRaw('console')).toBe(false);
      const s = await t.app.services.console.signIn(t.keys.cs_lead);
      const page = await t.app.inject({
        url: '/reviews?agent=PA1&from=2026-08-01&to=2026-08-31',
        headers: { cookie: `kpi_session=${s!.token}` },
      });
      expect(page.statusCode, page.body.slice(0, 200)).toBe(200);
      expect(page.body).toContain('139****5678');
      expect(page.body).not.toContain('13912345678');
    });
  });
});
