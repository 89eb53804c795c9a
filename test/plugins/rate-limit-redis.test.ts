/**
 * The rate-limit store in Redis: two app instances (two processes' worth of Fastify, each with its
 * own Redis connection) on one real Redis share one budget per key and per address, exact to the
 * request, sequential or concurrent. Without Redis answering, hits count in memory (no 500).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { redisStore } from '../../src/plugins/rate-limit-redis.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const { redis, redisUrl } = inject('services');
if (!redis && process.env.CI !== 'true') console.warn('!! Redis rate-limit tests SKIPPED: no Redis');

const MAX = 10;

describe('config: the rate-limit store', () => {
  it('is Redis by default when REDIS_URL is set, memory otherwise; redis without REDIS_URL is refused', () => {
    expect(loadConfig({}).rateLimit.store).toBe('memory');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).rateLimit.store).toBe('redis');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_STORE: 'memory' }).rateLimit.store).toBe(
      'memory',
    );
    expect(() => loadConfig({ RATE_LIMIT_STORE: 'redis' })).toThrow(/RATE_LIMIT_STORE: redis needs REDIS_URL/);
    expect(() => loadConfig({ RATE_LIMIT_PREFIX: 'bad prefix!' })).toThrow(/RATE_LIMIT_PREFIX/);
  });
});

describe.skipIf(!redis)('rate limit in Redis', () => {
  describeEachBackend('two app instances share one budget', (get) => {
    const prefix = `kpi-test:rl:${process.pid}:${randomBytes(4).toString('hex')}:`;
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = {
        REDIS_URL: redisUrl,
        RATE_LIMIT_STORE: 'redis',
        RATE_LIMIT_PREFIX: prefix,
        RATE_LIMIT_MAX: String(MAX),
        RATE_LIMIT_WINDOW: '1 minute',
      };
      a = await buildTestApp(get().db, env);
      b = await buildTestApp(get().db, env);
    });
    afterAll(async () => {
      await a?.app.close();
      await b?.app.close();
      const r = redisStore({ url: redisUrl });
      const keys = await r.redis.keys(`${prefix}*`);
      if (keys.length) await r.redis.del(...keys);
      await r.close();
    });

    const newKey = async () =>
      (
        (
          await a.app.inject({
            method: 'POST',
            url: '/v1/admin/keys',
            headers: a.auth('admin'),
            payload: { name: 'fleet-limited', scopes: ['scorer'] },
          })
        ).json() as { key: string }
      ).key;

    it('a key: requests alternating between the two instances get MAX answers in all, then 429 on both', async () => {
      const key = await newKey();
      const codes: number[] = [];
      for (let i = 0; i < MAX + 6; i++) {
        const app = i % 2 === 0 ? a.app : b.app;
        const r = await app.inject({ url: '/v1/metrics', headers: { authorization: `Bearer ${key}` } });
        codes.push(r.statusCode);
        if (i < MAX) expect(r.headers['x-ratelimit-remaining']).toBe(String(MAX - 1 - i));
      }
      expect(codes.filter((c) => c === 200)).toHaveLength(MAX);
      expect(codes.slice(MAX).every((c) => c === 429)).toBe(true);
    });

    it('concurrent requests through both instances: exactly MAX succeed', async () => {
      const key = await newKey();
      const all = await Promise.all(
        Array.from({ length: 3 * MAX }, (_, i) =>
          (i % 2 ? a : b).app.inject({ url: '/v1/metrics', headers: { authorization: `Bearer ${key}` } }),
        ),
      );
      const ok = all.filter((r) => r.statusCode === 200).length;
      expect(ok).toBe(MAX);
      expect(all.filter((r) => r.statusCode === 429)).toHaveLength(2 * MAX);
    });

    it('an address without a key: one budget across the instances', async () => {
      const remoteAddress = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const codes: number[] = [];
      for (let i = 0; i < MAX + 2; i++)
        codes.push((await (i % 2 ? a : b).app.inject({ url: '/health', remoteAddress })).statusCode);
      expect(codes).toEqual([...Array(MAX).fill(200), 429, 429]);
    });

    it('sign-in failures recorded by one instance block the address on the other; a success clears them', async () => {
      const address = `10.78.0.${Math.floor(Math.random() * 250)}`;
      const limit = a.app.rateLimit.signIn.limit.max;
      for (let i = 0; i < limit; i++) await a.app.rateLimit.signIn.record(address, false);
      const blocked = await b.app.rateLimit.signIn.check(address);
      expect(blocked.allowed).toBe(false);
      await b.app.rateLimit.signIn.record(address, true);
      expect((await a.app.rateLimit.signIn.check(address)).allowed).toBe(true);
    });
  });

  it('the window ends in Redis: counting starts again after it', async () => {
    const prefix = `kpi-test:rlw:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const s1 = redisStore({ url: redisUrl, prefix });
    const s2 = redisStore({ url: redisUrl, prefix });
    try {
      expect((await s1.hit('b', 400)).count).toBe(1);
      const second = await s2.hit('b', 400);
      expect(second.count).toBe(2);
      expect(second.resetAt - Date.now()).toBeLessThanOrEqual(400);
      expect((await s2.peek('b'))?.count).toBe(2);
      await new Promise((r) => setTimeout(r, 500));
      expect(await s1.peek('b')).toBeNull();
      expect((await s2.hit('b', 400)).count).toBe(1);
    } finally {
      await s1.redis.del(`${prefix}b`);
      await s1.close();
      await s2.close();
    }
  });
});

it('Redis not answering: hits count in this process instead of failing the request', async () => {
  const errors: Error[] = [];
  const s = redisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300, onError: (e) => errors.push(e) });
  try {
    expect((await s.hit('x', 60_000)).count).toBe(1);
    expect((await s.hit('x', 60_000)).count).toBe(2);
    expect((await s.peek('x'))?.count).toBe(2);
    await s.reset('x');
    expect(await s.peek('x')).toBeNull();
    expect(errors).toHaveLength(1);
  } finally {
    await s.close();
  }
});
