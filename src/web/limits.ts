/**
 * The console under the service's rate limits (src/plugins/rate-limit.ts):
 * - a signed-in browser counts against its session's API key, like a client sending that key;
 * - sign-in attempts are limited per client address (`SIGN_IN_DEFAULTS`: 10 per 15 minutes), in the
 *   same pluggable store as every other bucket, and a successful sign-in clears the address's count.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Session } from '../services/console.js';
import { SESSION_COOKIE } from './index.js';
import type { SignInLimiter } from './signin-limit.js';

/** The session cookie's value from the raw header (the cookie plugin parses later, in the console's scope). */
export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value.length > 0 && value.length < 200 ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

/** Counts requests that carry a console session against the session's key. */
export function countSessionsAgainstTheirKey(app: FastifyInstance): void {
  const { console: svc } = app.services;
  app.rateLimit.addIdentity(async (request) => {
    const token = sessionToken(request);
    if (!token) return null;
    const session: Session | null = await svc.session(token).catch(() => null);
    return session?.keyId ?? null;
  });
}

/** The console's sign-in limiter over the rate limit's store and its sign-in limit. */
export function signInLimiterOf(app: FastifyInstance): SignInLimiter {
  const { store, signIn } = app.rateLimit;
  const bucket = (address: string) => `signin:${address}`;
  return {
    async check(address) {
      const { count, resetAt } = await store.hit(bucket(address), signIn.limit.windowMs);
      if (count <= signIn.limit.max) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)) };
    },
    async record(address, ok) {
      if (ok) await store.reset(bucket(address));
    },
  };
}
