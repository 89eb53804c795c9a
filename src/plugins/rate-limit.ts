/**
 * Rate limits. Every request counts against one bucket: the verified API key (`key:<id>`), else the
 * key of the signed-in console session (an identity resolver the console registers), else the
 * client address (`ip:<address>`). A key the store does not know (made up, revoked) is no key: it
 * counts against its address, so inventing keys never buys a fresh bucket. Every route counts,
 * public ones and 401/403/404 answers included, except the probes /live and /ready (`PROBES`); the auth plugin (src/plugins/auth.ts) calls
 * `limit()` after identifying the caller and before answering 401/403.
 *
 * Sign-in attempts (the web console's POST /login) have their own limiter per address
 * (`SIGN_IN_DEFAULTS`: 10 failures per 15 minutes): app.ts hands `app.rateLimit.signIn` to the console
 * as its `signInLimiter` (`check(address)` before the key is looked at, `record(address, ok)` after:
 * failures count, a success clears them). `attempt(request, reply)` / `succeeded(request)` do the same
 * for a route that counts every attempt and answers the 429 itself.
 *
 * The store is pluggable (`RateLimitStore`): fixed windows in this process's memory (the embedded
 * default), or in Redis shared by every process of a fleet (rate-limit-redis.ts, RATE_LIMIT_STORE).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

/** One hit counted: the bucket's count in the current window and when the window ends (epoch ms). */
export interface RateLimitHit {
  count: number;
  resetAt: number;
}

/** Where the counts live. `hit` adds one to the bucket's current window (starting one when none is open). */
export interface RateLimitStore {
  hit(bucket: string, windowMs: number): RateLimitHit | Promise<RateLimitHit>;
  /** The bucket's open window, without counting (null when none is open). */
  peek(bucket: string): RateLimitHit | null | Promise<RateLimitHit | null>;
  /** Forgets a bucket (a successful sign-in clears its failures). */
  reset(bucket: string): void | Promise<void>;
  close?(): void | Promise<void>;
}

/**
 * Fixed windows in a Map. Bounded: expired windows are swept once per window, and past `maxBuckets`
 * open buckets the oldest are dropped (a flood of addresses cannot grow the process).
 */
export function memoryStore({ maxBuckets = 100_000 } = {}): RateLimitStore {
  const buckets = new Map<string, RateLimitHit>();
  let nextSweep = 0;
  const sweep = (now: number) => {
    for (const [k, v] of buckets) if (v.resetAt <= now) buckets.delete(k);
  };
  return {
    hit(bucket, windowMs) {
      const now = Date.now();
      if (now >= nextSweep) {
        sweep(now);
        nextSweep = now + windowMs;
      }
      let b = buckets.get(bucket);
      if (!b || b.resetAt <= now) {
        if (buckets.size >= maxBuckets) {
          sweep(now);
          // still full: drop the oldest windows (insertion order)
          for (const k of buckets.keys()) {
            if (buckets.size < maxBuckets) break;
            buckets.delete(k);
          }
        }
        b = { count: 0, resetAt: now + windowMs };
        buckets.delete(bucket);
        buckets.set(bucket, b);
      }
      b.count++;
      return b;
    },
    peek(bucket) {
      const b = buckets.get(bucket);
      return b && b.resetAt > Date.now() ? b : null;
    },
    reset(bucket) {
      buckets.delete(bucket);
    },
  };
}

/** `RATE_LIMIT_WINDOW` as milliseconds: 60000, `30 s`, `1 minute`, `500 ms`. */
export function windowMs(w: string | number): number {
  if (typeof w === 'number') return w;
  const m = /^(\d+)\s*(ms|s|second|seconds|m|minute|minutes)?$/.exec(w.trim());
  if (!m) throw new Error(`not a rate-limit window: ${w}`);
  const unit = m[2] ?? 'ms';
  return Number(m[1]) * (unit === 'ms' ? 1 : unit.startsWith('s') ? 1000 : 60_000);
}

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super(429, 'rate_limited', `${what}; retry in ${retryAfterSeconds} s`);
  }
}

export interface Limit {
  max: number;
  windowMs: number;
}

/**
 * The probes are never counted nor limited: a load balancer checks every backend from one address
 * several times a second, and with the counts shared across a fleet (Redis) a 429 there would take
 * every backend out of rotation at once. /live answers a constant; /ready costs two pings.
 */
export const PROBES: ReadonlySet<string> = new Set(['/live', '/ready']);

/** Sign-in attempts per address: 10 per 15 minutes unless the app is built with other figures. */
export const SIGN_IN_DEFAULTS: Limit = { max: 10, windowMs: 15 * 60_000 };

/** Counts one hit and sets the rate-limit headers; throws RateLimitedError (429, Retry-After) past the limit. */
async function count(store: RateLimitStore, bucket: string, limit: Limit, reply: FastifyReply, what: string) {
  const { count: n, resetAt } = await store.hit(bucket, limit.windowMs);
  const reset = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
  reply.header('x-ratelimit-limit', limit.max);
  reply.header('x-ratelimit-remaining', Math.max(0, limit.max - n));
  reply.header('x-ratelimit-reset', reset);
  if (n > limit.max) {
    reply.header('retry-after', reset);
    throw new RateLimitedError(reset, what);
  }
}

/** Resolves the API key id behind a request without an API key (the console's session cookie), or null. */
export type IdentityResolver = (request: FastifyRequest) => string | null | Promise<string | null>;

export interface RateLimiter {
  /** The request's limit: `max` requests per `windowMs` per bucket. */
  readonly limit: Limit;
  /** Counts the request against its bucket (the verified key `keyId`, else the session's key, else the address). */
  countRequest(request: FastifyRequest, reply: FastifyReply, keyId: string | null): Promise<void>;
  /** The console registers how a session names its key, so a signed-in browser counts against that key. */
  addIdentity(resolve: IdentityResolver): void;
  signIn: {
    readonly limit: Limit;
    /** Counts one sign-in attempt of the request's address; throws the 429 (problem+json, Retry-After) past the limit. */
    attempt(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** A successful sign-in: the address's attempts start again from zero. */
    succeeded(request: FastifyRequest): Promise<void>;
    /**
     * The console's limiter (src/web/signin-limit.ts `SignInLimiter`): `check(address)` before looking
     * at the key, `record(address, ok)` after; failed attempts count, a success clears them.
     */
    check(address: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
    record(address: string, ok: boolean): Promise<void>;
  };
  store: RateLimitStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimit: RateLimiter;
  }
}

export interface RateLimitOptions {
  max: number;
  timeWindow: string | number;
  store?: RateLimitStore;
  signIn?: Partial<Limit>;
}

export default fp(
  async function rateLimit(app: FastifyInstance, opts: RateLimitOptions) {
    const store = opts.store ?? memoryStore();
    const limit: Limit = { max: opts.max, windowMs: windowMs(opts.timeWindow) };
    const signInLimit: Limit = { ...SIGN_IN_DEFAULTS, ...opts.signIn };
    const identities: IdentityResolver[] = [];
    const perWindow = `rate limit exceeded: ${limit.max} requests per ${limit.windowMs / 1000} s`;
    const limiter: RateLimiter = {
      limit,
      async countRequest(request, reply, keyId) {
        if (PROBES.has(request.routeOptions.url ?? '')) return;
        let bucket = keyId === null ? null : `key:${keyId}`;
        for (const resolve of identities) {
          if (bucket) break;
          const id = await resolve(request);
          if (id) bucket = `key:${id}`;
        }
        await count(store, bucket ?? `ip:${request.ip}`, limit, reply, perWindow);
      },
      addIdentity: (resolve) => {
        identities.push(resolve);
      },
      signIn: {
        limit: signInLimit,
        attempt: (request, reply) =>
          count(
            store,
            `signin:${request.ip}`,
            signInLimit,
            reply,
            `too many sign-in attempts from this address: ${signInLimit.max} per ${signInLimit.windowMs / 60_000} min`,
          ),
        succeeded: async (request) => {
          await store.reset(`signin:${request.ip}`);
        },
        check: async (address) => {
          const open = await store.peek(`signin:${address}`);
          if (!open || open.count < signInLimit.max) return { allowed: true };
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((open.resetAt - Date.now()) / 1000)) };
        },
        record: async (address, ok) => {
          if (ok) await store.reset(`signin:${address}`);
          else await store.hit(`signin:${address}`, signInLimit.windowMs);
        },
      },
      store,
    };
    app.decorate('rateLimit', limiter);
    app.addHook('onClose', async () => {
      await store.close?.();
    });
  },
  { name: 'rate-limit' },
);
