/**
 * The rate-limit store shared by every process of a fleet: fixed windows counted in Redis, so N API
 * processes give one budget per key or address, exact to the request. One Lua script per hit
 * (INCR, and PEXPIRE when the window opens) runs atomically in Redis: two processes counting the same
 * bucket at the same moment get consecutive counts, never the same one.
 *
 * When Redis does not answer (down, restarting) the request is not failed: that hit is counted in
 * this process's memory instead (a per-process budget until Redis answers again), and a warning is
 * logged once per outage.
 */
import { Redis } from 'ioredis';
import { memoryStore, type RateLimitHit, type RateLimitStore } from './rate-limit.js';

/** KEYS[1] the bucket, ARGV[1] the window in ms → { count, ms until the window ends }. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { n, ttl }`;

/** KEYS[1] → { count, ms left } or nil. */
const PEEK = `
local n = redis.call('GET', KEYS[1])
if not n then return nil end
return { tonumber(n), redis.call('PTTL', KEYS[1]) }`;

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every bucket (`kpi:rl:` by default; tests use their own). */
  prefix?: string;
  /** A Redis command slower than this counts in memory instead (ms). */
  commandTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export interface RedisRateLimitStore extends RateLimitStore {
  readonly redis: Redis;
  close(): Promise<void>;
}

export function redisStore({
  url,
  prefix = 'kpi:rl:',
  commandTimeoutMs = 1000,
  onError,
}: RedisStoreOptions): RedisRateLimitStore {
  const redis = new Redis(url, {
    // a hit waits for at most one reconnect attempt, then falls back to memory
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    lazyConnect: false,
  });
  let failing = false;
  redis.on('error', () => {}); // reported through the fallback below, once per outage
  const fallback = memoryStore();
  const degrade = (err: unknown) => {
    if (!failing) onError?.(err as Error);
    failing = true;
  };
  const ok = () => {
    failing = false;
  };
  const toHit = (r: [number, number]): RateLimitHit => ({ count: Number(r[0]), resetAt: Date.now() + Number(r[1]) });

  return {
    redis,
    async hit(bucket, windowMs) {
      try {
        const r = (await redis.eval(HIT, 1, prefix + bucket, windowMs)) as [number, number];
        ok();
        return toHit(r);
      } catch (err) {
        degrade(err);
        return fallback.hit(bucket, windowMs);
      }
    },
    async peek(bucket) {
      try {
        const r = (await redis.eval(PEEK, 1, prefix + bucket)) as [number, number] | null;
        ok();
        return r ? toHit(r) : null;
      } catch (err) {
        degrade(err);
        return fallback.peek(bucket);
      }
    },
    async reset(bucket) {
      await fallback.reset(bucket);
      try {
        await redis.del(prefix + bucket);
        ok();
      } catch (err) {
        degrade(err);
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
