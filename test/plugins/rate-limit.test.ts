import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore, windowMs } from '../../src/plugins/rate-limit.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const MAX = 5;
let address = 0;
/** A fresh client address per test, so tests do not share buckets. */
const nextAddress = () => `10.0.0.${++address}`;

describeEachBackend('rate limit: verified key, else address, on every route', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db, { RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_WINDOW: '1 minute' });
  });
  afterAll(async () => {
    await t.app.close();
  });

  const call = (url: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({ url, remoteAddress, headers });

  it('a valid key gets MAX answers, then 429 with Retry-After and the rate-limit headers', async () => {
    const ip = nextAddress();
    const { key } = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: t.auth('admin'),
        payload: { name: 'limited', scopes: ['scorer'] },
      })
    ).json() as { key: string };
    for (let i = 0; i < MAX; i++) {
      const r = await call('/v1/metrics', ip, { authorization: `Bearer ${key}` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-ratelimit-limit']).toBe(String(MAX));
      expect(r.headers['x-ratelimit-remaining']).toBe(String(MAX - 1 - i));
    }
    const over = await call('/v1/metrics', ip, { authorization: `Bearer ${key}` });
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.headers['x-ratelimit-remaining']).toBe('0');
    // the key's bucket is its own: the same address without a key is not limited by it
    expect((await call('/health', ip)).statusCode).toBe(200);
  });

  it('requests without a key count against the address, 401 answers included', async () => {
    const ip = nextAddress();
    for (let i = 0; i < MAX; i++) {
      const r = await call('/v1/metrics', ip);
      expect(r.statusCode).toBe(401);
      expect(r.headers['x-ratelimit-remaining']).toBe(String(MAX - 1 - i));
    }
    const over = await call('/v1/metrics', ip);
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    // the address is limited on public routes and unknown paths too
    expect((await call('/health', ip)).statusCode).toBe(429);
    expect((await call('/no/such/route', ip)).statusCode).toBe(429);
  });

  it('wrong keys share their address bucket: inventing a key per request buys nothing', async () => {
    const ip = nextAddress();
    for (let i = 0; i < MAX; i++) {
      const r = await call('/v1/metrics', ip, { authorization: `Bearer kpi_${Math.random().toString(36).slice(2)}` });
      expect(r.statusCode).toBe(401);
    }
    const r = await call('/v1/metrics', ip, { 'x-api-key': 'kpi_yet_another_made_up_key' });
    expect(r.statusCode).toBe(429);
  });

  it('an address limited on a public route stays limited whatever made-up key it sends', async () => {
    const ip = nextAddress();
    for (let i = 0; i < MAX; i++) expect((await call('/health', ip)).statusCode).toBe(200);
    expect((await call('/health', ip)).statusCode).toBe(429);
    for (let i = 0; i < 3; i++) {
      const r = await call('/health', ip, { authorization: `Bearer kpi_${Math.random().toString(36).slice(2)}` });
      expect(r.statusCode).toBe(429);
      expect(r.headers['x-ratelimit-remaining']).toBe('0');
    }
    expect((await call('/docs/json', ip)).statusCode).toBe(429);
    // the probes are never limited (a load balancer checks from one address): /live and /ready answer
    expect((await call('/live', ip)).statusCode).toBe(200);
    expect((await call('/ready', ip)).statusCode).toBe(200);
    // a verified key from the same address has its own bucket
    expect((await call('/health', ip, t.auth('scorer'))).statusCode).toBe(200);
  });

  it("a signed-in console session counts against its key (the console's identity resolver)", async () => {
    const ip = nextAddress();
    const keyId = 'console-session-key';
    t.app.rateLimit.addIdentity((request) => (request.headers.cookie === 'session=s1' ? keyId : null));
    for (let i = 0; i < MAX; i++) expect((await call('/health', ip, { cookie: 'session=s1' })).statusCode).toBe(200);
    expect((await call('/health', ip, { cookie: 'session=s1' })).statusCode).toBe(429);
    // the address itself is untouched
    expect((await call('/health', ip)).statusCode).toBe(200);
  });

  it('sign-in attempts are limited per address, and a success starts the count again', async () => {
    const ip = nextAddress();
    const { max } = t.app.rateLimit.signIn.limit;
    // a stand-in for the console's POST /login: count the attempt, then check the password
    const attempt = async (from: string) => {
      let status = 200;
      const reply = { header: () => reply } as never;
      try {
        await t.app.rateLimit.signIn.attempt({ ip: from } as never, reply);
      } catch (err) {
        status = (err as { status: number }).status;
      }
      return status;
    };
    for (let i = 0; i < max; i++) expect(await attempt(ip)).toBe(200);
    expect(await attempt(ip)).toBe(429);
    expect(await attempt(nextAddress())).toBe(200);
    await t.app.rateLimit.signIn.succeeded({ ip } as never);
    expect(await attempt(ip)).toBe(200);
    // sign-in attempts do not use up the address's request bucket
    expect((await call('/health', ip)).statusCode).toBe(200);
  });
});

describe('the console sign-in limiter (check before, record after)', () => {
  it('counts failures per address, refuses past the limit with a retry time, and a success clears them', async () => {
    const { default: plugin } = await import('../../src/plugins/rate-limit.js');
    const Fastify = (await import('fastify')).default;
    const app = Fastify();
    await app.register(plugin, { max: 100, timeWindow: '1 minute', signIn: { max: 3, windowMs: 60_000 } });
    await app.ready();
    const limiter = app.rateLimit.signIn;
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check('10.1.0.1')).toEqual({ allowed: true });
      await limiter.record('10.1.0.1', false);
    }
    const refused = await limiter.check('10.1.0.1');
    expect(refused.allowed).toBe(false);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await limiter.check('10.1.0.2')).toEqual({ allowed: true });
    await limiter.record('10.1.0.1', true);
    expect(await limiter.check('10.1.0.1')).toEqual({ allowed: true });
    await app.close();
  });
});

describe('rate-limit store and window', () => {
  it('reads windows as RATE_LIMIT_WINDOW does', () => {
    expect(windowMs('1 minute')).toBe(60_000);
    expect(windowMs('30 s')).toBe(30_000);
    expect(windowMs('60000')).toBe(60_000);
    expect(windowMs(2500)).toBe(2500);
  });

  it('the memory store counts per bucket and stays bounded under a flood of buckets', async () => {
    const store = memoryStore({ maxBuckets: 100 });
    expect((await store.hit('a', 60_000)).count).toBe(1);
    expect((await store.hit('a', 60_000)).count).toBe(2);
    for (let i = 0; i < 1000; i++) await store.hit(`flood:${i}`, 60_000);
    // `a` was the oldest window and went; a new window starts at 1
    expect((await store.hit('a', 60_000)).count).toBe(1);
    await store.reset('a');
    expect((await store.hit('a', 60_000)).count).toBe(1);
  });

  it('a window that has ended starts again', async () => {
    const store = memoryStore();
    const first = await store.hit('w', 1);
    expect(first.count).toBe(1);
    const until = Date.now() + 5;
    while (Date.now() < until) {
      // wait past the 1 ms window
    }
    expect((await store.hit('w', 1)).count).toBe(1);
  });
});
