/**
 * The console under the service's rate limits (src/plugins/rate-limit.ts):
 * - a signed-in browser counts against its session's API key, like a client sending that key;
 * - (sign-in failures are limited per client address by `app.rateLimit.signIn`, handed to the console
 *   plugin in app.ts.)
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Session } from '../services/console.js';
import { SESSION_COOKIE } from './index.js';

/** The session cookie's value from the raw header (the cookie plugin parses later, in the console's scope). */
export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  const value = fastifyCookie.parse(header)[SESSION_COOKIE];
  return value && value.length < 200 ? value : null;
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
