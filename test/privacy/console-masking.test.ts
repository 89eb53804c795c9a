/**
 * Personal data in review texts is masked on the console's pages (issue 16; ROUND: the console's
 * spans work on masked text): phone numbers, addresses cut to the district, order numbers, names,
 * e-mails — in zh and en — while the aspect highlights still mark the same words.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maskedOffset, maskPersonalData, maskPersonalText, maskWithSpans } from '../../src/privacy/index.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { SESSION_COOKIE } from '../../src/web/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const ZH = '收件人：王小明，电话13912345678，地址北京市朝阳区建国路88号3单元502室。客服态度很差，一直不回复';
const EN = 'Contact me at jane.doe@example.com or 13987654321. The agent was rude and never replied';

it('moves spans onto the masked text: before, after and around a masked piece', () => {
  const text = '电话13912345678，客服态度很差';
  const at = text.indexOf('客服');
  const { text: masked, items } = maskWithSpans(text, [{ span: { start: at, end: at + 2 }, name: 'service' }]);
  expect(masked).toBe('电话139****5678，客服态度很差');
  expect(masked.slice(items[0]!.span.start, items[0]!.span.end)).toBe('客服');
  // an address cut to the district shortens the text: a later span moves left by the difference
  const addr = '北京市朝阳区建国路88号3单元502室，客服很好';
  const { text: out, found } = maskPersonalData(addr);
  const k = addr.indexOf('客服');
  expect(out.slice(maskedOffset(found, k, 'start'), maskedOffset(found, k + 2, 'end'))).toBe('客服');
  // a span edge inside a masked piece takes the whole replacement
  const inside = maskWithSpans('电话13912345678', [{ span: { start: 4, end: 13 } }]);
  expect(inside.items[0]!.span).toEqual({ start: 2, end: 13 });
  // nothing to mask: the same text, the same spans
  const none = maskWithSpans('客服很好', [{ span: { start: 0, end: 2 } }]);
  expect(none).toEqual({ text: '客服很好', items: [{ span: { start: 0, end: 2 } }], masked: 0 });
});

describeEachBackend('the console masks personal data in review texts', (get) => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    await registerShippedSentiment(t.app.services.db, 'models');
    const e = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: [{ id: 'P01', role: 'cs_agent', team: '隐私组', hire_date: '2024-01-01' }],
    });
    expect(e.statusCode).toBe(200);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews',
      headers: t.auth('cs_lead'),
      payload: [
        { id: 'PII-zh', agent_id: 'P01', channel: 'chat', text: ZH, rating: 1, created_at: '2026-08-03T02:00:00Z' },
        { id: 'PII-en', agent_id: 'P01', channel: 'chat', text: EN, rating: 1, created_at: '2026-08-04T02:00:00Z' },
      ],
    });
    expect(r.statusCode).toBe(200);
    const s = await t.app.services.console.signIn(t.keys.cs_lead);
    cookie = `${SESSION_COOKIE}=${s!.token}`;
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const page = async (url: string) => {
    const res = await t.app.inject({ url, headers: { cookie } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res.body;
  };
  const raw = ['13912345678', '13987654321', '王小明', 'jane.doe@', '建国路88号', '502室'];

  it('on the review search, with the aspect highlights kept on the masked text (zh and en)', async () => {
    const body = await page('/reviews?agent=P01&from=2026-08-01&to=2026-08-31');
    for (const r of raw) expect(body).not.toContain(r);
    expect(body).toContain('139****5678');
    expect(body).toContain('139****4321');
    expect(body).toContain('王**');
    expect(body).toMatch(/j\*+@example\.com/);
    expect(body).toContain('北京市朝阳区');
    // the highlights mark pieces of the masked text (moved with it), the complaint among them
    const marks = [...body.matchAll(/<mark[^>]*>([^<]*)<span class="tag">/g)].map((m) => m[1]!);
    expect(marks.length).toBeGreaterThan(0);
    const masked = `${maskPersonalText(ZH)}\n${maskPersonalText(EN)}`;
    for (const m of marks) expect(masked).toContain(m);
    expect(marks.some((m) => m.includes('态度很差') || m.includes('rude'))).toBe(true);
  });

  it('on the SLA board of overdue reviews', async () => {
    const body = await page('/sla?within=all');
    expect(body).toContain('139****5678');
    for (const r of raw) expect(body).not.toContain(r);
  });
});
