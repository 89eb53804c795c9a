/**
 * The console under the service's rate limits: sign-in attempts limited per address (a success
 * clears the count), and a signed-in browser counted against its session's key, not a fresh bucket.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('console rate limits', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db, { RATE_LIMIT_MAX: '40' });
  }, 120_000);
  afterAll(async () => {
    await t.app.close();
  });

  /** GET /login for its CSRF cookie and token, then POST the key, from `address`. */
  async function attempt(key: string, address: string) {
    const page = await t.app.inject({ url: '/login', remoteAddress: address });
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return t.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: address,
      payload: new URLSearchParams({ _csrf: csrf, key }).toString(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  it('limits sign-in attempts per address: the 11th within 15 minutes is refused, even with a good key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(`kpi_made_up_${i}`, '10.0.0.1')).statusCode);
    expect(statuses).toEqual(Array(10).fill(401));
    const refused = await attempt(t.keys.cs_lead, '10.0.0.1');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toContain('登录尝试过多');
    // another address is not affected
    expect((await attempt(t.keys.cs_lead, '10.0.0.2')).statusCode).toBe(303);
  });

  it('starts the count again after a successful sign-in', async () => {
    for (let i = 0; i < 9; i++) expect((await attempt('kpi_wrong', '10.0.0.3')).statusCode).toBe(401);
    expect((await attempt(t.keys.cs_lead, '10.0.0.3')).statusCode).toBe(303);
    for (let i = 0; i < 9; i++) expect((await attempt('kpi_wrong', '10.0.0.3')).statusCode).toBe(401);
  });

  it("counts a signed-in browser against its session's key, wherever the key is also used", async () => {
    const key = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: t.auth('admin'),
        payload: { name: 'lead for limits', scopes: ['cs_lead'] },
      })
    ).json().key as string;
    const signedIn = await attempt(key, '10.0.0.4');
    expect(signedIn.statusCode).toBe(303);
    const session = signedIn.cookies.find((c) => c.name === 'kpi_session')!;
    const page = () =>
      t.app.inject({ url: '/ratings', remoteAddress: '10.0.0.5', headers: { cookie: `kpi_session=${session.value}` } });
    const first = await page();
    expect(first.statusCode).toBe(200);
    const remaining = Number(first.headers['x-ratelimit-remaining']);
    // the same key over the API, from yet another address, draws on the same bucket
    const api = await t.app.inject({
      url: '/v1/ratings/overdue-reviews',
      remoteAddress: '10.0.0.6',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(Number(api.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
    for (let i = 0; i < remaining - 1; i++) await page();
    const limited = await page();
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('请求过于频繁');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the address the browser used still has its own bucket for requests without a key
    expect((await t.app.inject({ url: '/live', remoteAddress: '10.0.0.5' })).statusCode).toBe(200);
  });
});
