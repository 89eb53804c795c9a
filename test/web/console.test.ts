import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireSessionAt } from '../../src/auth/sessions-store.js';
import { readWorkbook } from '../../src/lib/spreadsheet.js';
import { appealAcceptedReason, SYSTEM_REASONS } from '../../src/audit/reasons.js';
import { explainAttribution, REASON_CODES } from '../../src/ratings/attribution.js';
import { auditReasonText, formatter, pickLang, translator } from '../../src/web/messages.js';
import { reasonText } from '../../src/web/pages/agent.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { IMG_TEXT, loadDesk, SCRIPT_TEXT } from './fixture.js';
import { Browser } from './session.js';

type Scope = 'hr' | 'cs_lead' | 'scorer' | 'admin';

const row = {
  sentiment_model: 'm',
  w: null,
  agent_p: null,
  aspect_hits: 0,
  channel: 'chat',
  language: 'en',
  text: 'thanks',
  attribution_override: null,
} as const;

describe('console messages', () => {
  it('writes large numbers in 万/亿 in Chinese and with separators in English', () => {
    const zh = formatter('zh-CN');
    const en = formatter('en');
    expect(zh.count(9999)).toBe('9,999');
    expect(zh.count(12_345)).toBe('1.23万');
    expect(zh.count(250_000_000)).toBe('2.5亿');
    expect(en.count(12_345)).toBe('12,345');
    expect(zh.pct(0.834)).toBe('83%');
    expect(en.signed(-2.25)).toBe('−2.3');
  });
  it('says why a review does not count in the page language, the weather, platform and bank rule apart', () => {
    const base = { channel: 'chat', sentiment_model: 'm', language: 'zh' };
    const outside = explainAttribution({
      ...base,
      w: null,
      agent_p: null,
      aspect_hits: 0,
      text: '下暴雨了，平台规定超时自动取消',
    });
    expect(outside).toMatchObject({ attributable: false, reason_code: 'outside_control' });
    expect(reasonText(translator('zh-CN'), { ...base, ...outside })).toContain('客服不可控的因素');
    expect(reasonText(translator('en'), { ...base, ...outside })).toBe(outside.reason);
    const none = explainAttribution({ ...base, channel: 'web', w: null, agent_p: null, aspect_hits: 0, text: 'ok' });
    expect(none.reason_code).toBe('no_service');
    expect(reasonText(translator('zh-CN'), { ...base, ...none })).toBe('未提及服务维度，也不是服务互动渠道');
  });
  it('has words in both languages for every reason code, the English ones the API’s reason', () => {
    const rows: Parameters<typeof explainAttribution>[0][] = [
      { ...row, attribution_override: 'excluded' },
      { ...row, attribution_override: 'not_agent' },
      { ...row, sentiment_model: null },
      { ...row, attribution_override: 'agent', w: 0.4 },
      { ...row, agent_p: 0.9, w: 0.9 },
      { ...row, w: 0.7 },
      { ...row, aspect_hits: 2 },
      { ...row, language: 'other' },
      { ...row, text: 'the bank held my refund' },
      { ...row, channel: 'web' },
    ];
    const seen = rows.map((x) => {
      const why = explainAttribution(x);
      const zh = reasonText(translator('zh-CN'), { ...why, channel: x.channel });
      expect(zh).toMatch(/\p{Script=Han}/u);
      expect(zh).not.toMatch(/\{|reason\./);
      if (why.basis !== 'correction')
        expect(reasonText(translator('en'), { ...why, channel: x.channel })).toBe(why.reason);
      return why.reason_code;
    });
    expect(new Set(seen)).toEqual(new Set(REASON_CODES));
    // the channel by its name on a Chinese page
    const chat = explainAttribution({ ...row, w: 0.7 });
    expect(reasonText(translator('zh-CN'), { ...chat, channel: 'chat' })).toBe('在线咨询 渠道服务互动的整体情感');
  });
  it('words the reasons the service writes in the page language, the English ones as stored, a person’s own as typed', () => {
    for (const [code, english] of Object.entries(SYSTEM_REASONS)) {
      const zh = auditReasonText(translator('zh-CN'), english);
      expect(zh, code).toMatch(/\p{Script=Han}/u);
      expect(auditReasonText(translator('en'), english)).toBe(english);
    }
    const accepted = appealAcceptedReason(12, '核实为测试订单');
    expect(auditReasonText(translator('zh-CN'), accepted)).toBe('采纳申诉 12：核实为测试订单');
    expect(auditReasonText(translator('en'), accepted)).toBe(accepted);
    expect(auditReasonText(translator('zh-CN'), 'first version of the scope, said the lead')).toBe(
      'first version of the scope, said the lead',
    );
    expect(auditReasonText(translator('zh-CN'), null)).toBe('');
  });
  it('picks the language from the cookie, then Accept-Language, else Chinese', () => {
    expect(pickLang('en', 'zh-CN')).toBe('en');
    expect(pickLang(undefined, 'en-GB,en;q=0.9')).toBe('en');
    expect(pickLang(undefined, 'fr, en;q=0.5, zh;q=0.8')).toBe('zh-CN');
    expect(pickLang(undefined, undefined)).toBe('zh-CN');
    expect(pickLang('xx', 'de')).toBe('zh-CN');
  });
});

describeEachBackend('web console', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    await loadDesk(t);
  }, 120_000);
  afterAll(async () => {
    await t.app.close();
  });

  const signedIn = async (scope: Scope) => {
    const b = new Browser(t);
    const res = await b.signIn(t.keys[scope]);
    return { b, res };
  };

  it('sends / to the sign-in page without a session, and a page to sign-in with its path to come back to', async () => {
    const b = new Browser(t);
    const root = await b.get('/');
    expect(root.statusCode).toBe(303);
    expect(root.headers.location).toBe('/login');
    const page = await b.get('/ratings?kind=month');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent('/ratings?kind=month')}`);
  });

  it('serves the sign-in page with a strict CSP, a CSRF token and labelled fields, in Chinese by default', async () => {
    const b = new Browser(t);
    const res = await b.get('/login');
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.body).toContain('<html lang="zh-CN">');
    expect(res.body).toContain('<label for="key">API 密钥</label>');
    expect(b.csrf.length).toBeGreaterThan(20);
    expect(res.body).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i);
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string }[]).find(
      (c) => c.name === 'kpi_login_csrf',
    );
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
  });

  it('signs a cs_lead in with an httpOnly SameSite=Strict session cookie and lands on the ratings', async () => {
    const { b, res } = await signedIn('cs_lead');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ratings');
    const cookie = (res.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean }[]).find(
      (c) => c.name === 'kpi_session',
    );
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.secure).toBeFalsy();
    const page = await b.get('/ratings');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/reviews"');
    expect(page.body).toContain('href="/sla"');
    expect(page.body).not.toContain('href="/hr"');
  });

  it('refuses a wrong key and a scorer key; shows an hr key the HR desk only', async () => {
    const bad = await new Browser(t).signIn('kpi_nothing_here');
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain('密钥无效或已被吊销');
    const scorer = await signedIn('scorer');
    expect(scorer.res.statusCode).toBe(403);
    expect(scorer.res.body).toContain('scorer');
    expect(scorer.b.cookies.has('kpi_session')).toBe(false);
    const hr = await signedIn('hr');
    expect(hr.res.headers.location).toBe('/hr');
    const desk = await hr.b.get('/hr');
    expect(desk.statusCode).toBe(200);
    expect(desk.body).not.toContain('href="/ratings"');
    // the desk links every HR page, not only the target desk and the audit log
    for (const href of [
      '/targets',
      '/targets/audit',
      '/targets/import',
      '/upload',
      '/calendar',
      '/weights',
      '/appraisal/360',
      '/hr/periods',
      '/hr/approvals',
    ])
      expect(desk.body, href).toContain(`<li><a href="${href}">`);
    for (const path of ['/ratings', '/ratings/agents/A01', '/reviews', '/sla', '/ratings/export.csv'])
      expect((await hr.b.get(path)).statusCode, path).toBe(403);
  });

  it('shows an admin both desks', async () => {
    const { b } = await signedIn('admin');
    const page = await b.get('/ratings');
    expect(page.body).toContain('href="/hr"');
    expect(page.body).toContain('href="/sla"');
  });

  it('marks Secure on the session cookie behind an HTTPS proxy (TRUST_PROXY)', async () => {
    const p = await buildTestApp(get().db, { TRUST_PROXY: 'true' });
    try {
      const login = await p.app.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
      const cookie = (login.cookies as { name: string; value: string }[]).find((c) => c.name === 'kpi_login_csrf')!;
      const res = await p.app.inject({
        method: 'POST',
        url: '/login',
        payload: new URLSearchParams({ _csrf: csrf, key: p.keys.cs_lead }).toString(),
        headers: {
          'x-forwarded-proto': 'https',
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `kpi_login_csrf=${cookie.value}`,
        },
      });
      expect(res.statusCode).toBe(303);
      const session = (res.cookies as { name: string; secure?: boolean }[]).find((c) => c.name === 'kpi_session');
      expect(session?.secure).toBe(true);
    } finally {
      await p.app.close();
    }
  });

  it('refuses a form without or with a wrong CSRF token (sign-in, sign-out, language)', async () => {
    const b = new Browser(t);
    await b.get('/login');
    expect((await b.post('/login', { key: t.keys.cs_lead }, false)).statusCode).toBe(403);
    expect((await b.post('/login', { key: t.keys.cs_lead, _csrf: 'x'.repeat(32) }, false)).statusCode).toBe(403);
    const { b: lead } = await signedIn('cs_lead');
    await lead.get('/ratings');
    expect((await lead.post('/logout', {}, false)).statusCode).toBe(403);
    expect((await lead.post('/lang', { lang: 'en', _csrf: 'nope' }, false)).statusCode).toBe(403);
    // still signed in
    expect((await lead.get('/ratings')).statusCode).toBe(200);
  });

  it('ends the session on sign-out: the old cookie no longer opens a page', async () => {
    const { b } = await signedIn('cs_lead');
    await b.get('/ratings');
    const token = b.cookies.get('kpi_session')!;
    const out = await b.post('/logout', {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/login');
    const again = await t.app.inject({ url: '/ratings', headers: { cookie: `kpi_session=${token}` } });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toContain('/login');
  });

  it('sends an expired session to sign in again, saying so', async () => {
    const { b } = await signedIn('cs_lead');
    await expireSessionAt(get().db, b.cookies.get('kpi_session')!, new Date(Date.now() - 1000));
    const res = await b.get('/ratings');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('expired=1');
    const login = await b.get(res.headers.location as string);
    expect(login.body).toContain('会话已过期');
  });

  it('ends the sessions of a revoked key', async () => {
    const key = await t.app.services.keys.create('lead to revoke', ['cs_lead']);
    const b = new Browser(t);
    await b.signIn(key.key);
    expect((await b.get('/ratings')).statusCode).toBe(200);
    await t.app.services.keys.revoke(key.id);
    expect((await b.get('/ratings')).statusCode).toBe(303);
  });

  it('switches language with the cookie, which wins over Accept-Language', async () => {
    const { b } = await signedIn('cs_lead');
    const zh = await b.get('/ratings', { 'accept-language': 'en' });
    expect(zh.body).toContain('<html lang="en">');
    const b2 = (await signedIn('cs_lead')).b;
    const first = await b2.get('/ratings');
    expect(first.body).toContain('<html lang="zh-CN">');
    expect(first.body).toContain('客服服务能力评分');
    const sw = await b2.post('/lang', { lang: 'en', back: '/ratings?kind=month' });
    expect(sw.statusCode).toBe(303);
    expect(sw.headers.location).toBe('/ratings?kind=month');
    const en = await b2.get('/ratings', { 'accept-language': 'zh-CN' });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Service-ability ratings');
    // never back to another site
    const away = await b2.post('/lang', { lang: 'zh-CN', back: '//evil.example/x' });
    expect(away.headers.location).toBe('/');
  });

  it('renders review text with markup as text (reviews, drill-down)', async () => {
    const { b } = await signedIn('cs_lead');
    const pages = [
      await b.get('/reviews?agent=A02&from=2026-08-20&to=2026-08-22'),
      await b.get('/ratings/agents/A02?kind=month&period=2026-08'),
    ];
    for (const res of pages) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<script>window');
      expect(res.body).not.toContain('<img src=x');
      expect(res.body).not.toMatch(/<img[^>]*onerror/i);
    }
    for (const res of pages) {
      expect(res.body).toContain('&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
      // the aspect span may cut through it: each piece escaped
      expect(res.body).toContain('&lt;script');
      expect(res.body).toContain('&lt;/script&gt;');
      expect(res.body).toContain('X-script');
    }
    expect(SCRIPT_TEXT && IMG_TEXT).toBeTruthy();
  });

  it('lists the leaderboard with the API numbers, the insufficient-evidence state and the change', async () => {
    const { b } = await signedIn('cs_lead');
    const res = await b.get('/ratings?kind=quarter&period=2026-Q3&role=cs_agent');
    expect(res.statusCode).toBe(200);
    const api = (
      await t.app.inject({ url: '/v1/ratings?period=2026-Q3&role=cs_agent', headers: t.auth('cs_lead') })
    ).json() as { items: { agent_id: string; score: number; n: number; insufficient_evidence: boolean }[] };
    expect(api.items.length).toBe(6);
    for (const r of api.items) {
      const row = new RegExp(`<tr data-agent="${r.agent_id}"[\\s\\S]*?</tr>`).exec(res.body)?.[0] ?? '';
      expect(row, r.agent_id).toContain(`data-field="score">${r.score.toFixed(1)}<`);
      expect(row).toContain(`data-field="n">${r.n}<`);
      if (r.insufficient_evidence) expect(row).toContain('证据不足');
    }
    // effective n, which can exceed n, is explained under the table and tied to its header
    expect(res.body).toContain('aria-describedby="effn-note"');
    expect(res.body).toMatch(/<p class="hint" id="effn-note">有效样本数：[^<]*可以大于样本数/);
    // the API's order by score is the page's default order
    const order = [...res.body.matchAll(/<tr data-agent="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(api.items.map((r) => r.agent_id));
    expect(res.body).toContain('对比上期 2026-Q2');
  });

  it('sorts by the interval low end and by the biggest decline', async () => {
    const { b } = await signedIn('cs_lead');
    const api = (
      await t.app.inject({ url: '/v1/ratings?period=2026-Q3&sort=ci_low', headers: t.auth('cs_lead') })
    ).json() as { items: { agent_id: string }[] };
    const low = await b.get('/ratings?kind=quarter&period=2026-Q3&sort=ci_low');
    expect([...low.body.matchAll(/<tr data-agent="([^"]+)"/g)].map((m) => m[1])).toEqual(
      api.items.map((r) => r.agent_id),
    );
    const decline = await b.get('/ratings?kind=quarter&period=2026-Q3&sort=decline');
    const changes = [...decline.body.matchAll(/data-field="change">([^<]+)</g)].map((m) =>
      Number(m[1]!.replace('−', '-').replace('+', '')),
    );
    const known = changes.filter((x) => Number.isFinite(x));
    expect(known.length).toBeGreaterThan(2);
    expect(known).toEqual([...known].sort((x, y) => x - y));
    expect(decline.body).toMatch(/<tr data-agent="A01"/);
  });

  it('filters by team and paginates', async () => {
    const { b } = await signedIn('cs_lead');
    const res = await b.get(`/ratings?kind=quarter&period=2026-Q3&team=${encodeURIComponent('客服-二组')}`);
    const agents = [...res.body.matchAll(/<tr data-agent="([^"]+)"/g)].map((m) => m[1]);
    expect(agents.sort()).toEqual(['A04', 'A05', 'A06']);
    const weeks = await b.get('/ratings?kind=week');
    expect(weeks.statusCode).toBe(200);
  });

  it('exports the view as CSV with a BOM and as XLSX, same rows as the page', async () => {
    const { b } = await signedIn('cs_lead');
    const csv = await b.get('/ratings/export.csv?kind=quarter&period=2026-Q3&sort=ci_low');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('ratings-2026-Q3.csv');
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toContain('客服');
    expect(lines.length).toBe(7);
    const xlsx = await b.get('/ratings/export.xlsx?kind=quarter&period=2026-Q3&sort=ci_low');
    expect(xlsx.statusCode).toBe(200);
    const book = await readWorkbook(new Uint8Array(xlsx.rawPayload));
    expect(book.rows.length).toBe(7);
    expect(book.rows.slice(1).map((r) => r[0])).toEqual(lines.slice(1).map((l) => l.split(',')[0]));
  });

  it('answers a partial update with the main content only', async () => {
    const { b } = await signedIn('cs_lead');
    const res = await b.get('/ratings?kind=month', { 'x-partial': 'main' });
    expect(res.statusCode).toBe(200);
    expect(res.body.startsWith('<h1')).toBe(true);
    expect(res.body).not.toContain('<html');
  });

  it('drills down to an agent: numbers equal the API, charts as SVG with links to the reviews behind each bar', async () => {
    const { b } = await signedIn('cs_lead');
    const res = await b.get('/ratings/agents/A01?kind=quarter&period=2026-Q3');
    expect(res.statusCode).toBe(200);
    const api = (
      await t.app.inject({ url: '/v1/ratings/agents/A01?period=2026-Q3', headers: t.auth('cs_lead') })
    ).json() as { ratings: { score: number; n: number }[] };
    expect(res.body).toContain(`data-field="score">${api.ratings[0]!.score.toFixed(1)}<`);
    expect(res.body).toContain(`data-field="n">${api.ratings[0]!.n}<`);
    expect(res.body).toMatch(/<svg role="img" aria-label="[^"]+" class="chart"/);
    expect(res.body).toContain('href="/ratings/agents/A01?kind=quarter&amp;period=2026-Q2#reviews"');
    expect(res.body).toContain('href="/reviews?agent=A01&amp;aspect=logistics&amp;from=2026-07-01&amp;to=2026-10-01"');
    expect(res.body).not.toMatch(/ style="/);
    expect(res.body).toMatch(/<mark class="(pos|neg)?">/);
    expect(res.body).toContain('影响得分的词');
    expect(res.body).toMatch(/计入|不计入/);
    const reviews = (
      await t.app.inject({
        url: '/v1/ratings/agents/A01/reviews?period=2026-Q3&explain=false',
        headers: t.auth('cs_lead'),
      })
    ).json() as { total: number };
    expect(res.body).toContain(`共 ${reviews.total} 条评价`);
    const missing = await b.get('/ratings/agents/nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('text/html');
  });

  it('filters reviews by agent, aspect, sentiment, language, date and overdue', async () => {
    const { b } = await signedIn('cs_lead');
    const count = async (q: string) => {
      const res = await b.get(`/reviews?${q}`);
      expect(res.statusCode, q).toBe(200);
      return Number(/共 ([\d,]+) 条评价/.exec(res.body)?.[1]?.replace(',', '') ?? Number.NaN);
    };
    const all = await count('');
    expect(all).toBe(2 * (30 + 24 + 20 + 18 + 16 + 4) + 2);
    expect(await count('agent=A06')).toBe(8);
    expect(await count('agent=A02&aspect=logistics')).toBeGreaterThan(0);
    expect(await count('agent=A02&aspect=logistics')).toBeLessThan(await count('agent=A02'));
    expect(await count('sentiment=negative&agent=A03')).toBeGreaterThan(0);
    expect(await count('language=en')).toBeGreaterThan(0);
    expect(await count('language=en')).toBeLessThan(all);
    expect(await count('from=2026-08-01&to=2026-09-01')).toBe(all / 2 + 1);
    const overdue = await count('overdue=1');
    const api = (await t.app.inject({ url: '/v1/ratings/overdue-reviews', headers: t.auth('cs_lead') })).json() as {
      total: number;
    };
    expect(overdue).toBe(api.total);
    expect((await b.get('/reviews?sentiment=awful')).statusCode).toBe(400);
  });

  it('scores a pasted text with its explanation (CSRF-protected)', async () => {
    const { b } = await signedIn('cs_lead');
    await b.get('/reviews');
    const res = await b.post('/reviews/score', { text: '客服态度很好，但是快递太慢了' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('评分结果');
    expect(res.body).toMatch(/<mark class="(pos|neg)?">快递太慢了?|<mark/);
    expect(res.body).toContain('影响得分的词');
    expect((await b.post('/reviews/score', { text: 'x' }, false)).statusCode).toBe(403);
  });

  it('shows the SLA board: overdue reviews oldest first with the API total, team cards linking to the agents', async () => {
    const { b } = await signedIn('cs_lead');
    const res = await b.get('/sla?within=all');
    expect(res.statusCode).toBe(200);
    const api = (
      await t.app.inject({ url: '/v1/ratings/overdue-reviews?role=cs_agent', headers: t.auth('cs_lead') })
    ).json() as {
      total: number;
      items: { id: string }[];
    };
    expect(res.body).toContain(`共 ${api.total} 条评价`);
    const ids = [...res.body.matchAll(/<tr data-review="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(api.items.slice(0, 25).map((r) => r.id));
    expect(res.body).toContain('href="/ratings/agents/A03"');
    expect(res.body).toMatch(/href="\/ratings\?kind=month&amp;period=[^"]+&amp;team=/);
  });

  it('shows the last 30 days on the SLA board unless asked for more, the team cards counting the same reviews', async () => {
    const { b } = await signedIn('cs_lead');
    const db = t.app.services.db;
    const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();
    // one negative review left unanswered two days ago, beside the fixture's, all older than 30 days
    await db.query(
      `insert into reviews (id, agent_id, channel, text, rating, created_at) values ('X-recent', 'A03', 'chat', '客服一直不回复', 1, $1)`,
      [recent],
    );
    try {
      const board = await b.get('/sla');
      expect(board.statusCode).toBe(200);
      expect([...board.body.matchAll(/<tr data-review="([^"]+)"/g)].map((m) => m[1])).toEqual(['X-recent']);
      expect(board.body).toContain('共 1 条评价');
      expect(board.body).toMatch(/<option value="30" selected>最近 30 天<\/option>/);
      const perTeam = [...board.body.matchAll(/data-field="overdue">([^<]+)</g)].map((m) => Number(m[1]));
      expect(perTeam.reduce((a, c) => a + c, 0)).toBe(1);
      const all = await b.get('/sla?within=all');
      const api = (
        await t.app.inject({ url: '/v1/ratings/overdue-reviews?role=cs_agent&limit=1', headers: t.auth('cs_lead') })
      ).json() as { total: number };
      expect(all.body).toContain(`共 ${api.total} 条评价`);
      expect(api.total).toBeGreaterThan(1);
      expect((await b.get('/sla?within=365')).statusCode).toBe(400);
    } finally {
      await db.query(`delete from reviews where id = 'X-recent'`);
    }
  });

  it('keeps console pages out of the OpenAPI document and the API key check', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    const pages = ['/', '/login', '/logout', '/lang', '/hr', '/ratings', '/reviews', '/sla', '/ratings/agents/{id}'];
    expect(Object.keys(doc.paths).filter((p) => pages.includes(p) || p.startsWith('/static'))).toEqual([]);
    expect(Object.keys(doc.paths)).toContain('/v1/ratings');
    const css = await t.app.inject({ url: '/static/console.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });
});
