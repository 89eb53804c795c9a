/**
 * Authentication and scopes. Every route needs an API key unless its config says
 * `public: true`; a route lists the scopes it accepts in `config.scopes` (admin is accepted
 * everywhere). The key comes in `Authorization: Bearer <key>` or `X-API-Key`, never in the URL.
 */
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type KeyRepository, type Scope, scopeAllows, type VerifiedKey } from '../auth/keys.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { PROBES } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes that may call the route (admin always may). */
    scopes?: readonly Scope[];
    /** No key needed (health, docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** the verified key: id, scopes and (an `agent` key) the agent it is bound to */
    apiKey: VerifiedKey | null;
  }
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const header = request.headers['x-api-key'];
  return Array.isArray(header) ? header[0] : header;
}

export default fp(
  async function auth(app: FastifyInstance, opts: { keys: KeyRepository }) {
    app.decorateRequest('apiKey', null);
    // one hook: who is calling (a verified key, or nobody), then the rate limit of that bucket
    // (every route, so 401s and 404s count too), then the route's access rule
    const identify = async (request: FastifyRequest, reply: FastifyReply, config: FastifyContextConfig) => {
      const key = presentedKey(request);
      const info = key ? await opts.keys.verify(key) : null;
      request.apiKey = info;
      await app.rateLimit.countRequest(request, reply, info?.id ?? null);
      if (config.public || request.is404) return;
      if (!key) throw new UnauthorizedError();
      if (!info) throw new UnauthorizedError('the API key is unknown or revoked');
      const allowed = config.scopes ?? [];
      if (!scopeAllows(info.scopes, allowed))
        throw new ForbiddenError(['admin', ...allowed.filter((s) => s !== 'admin')]);
    };
    app.addHook('onRequest', (request, reply, done) => {
      const config = request.routeOptions.config;
      // the probes are public and never counted (src/plugins/rate-limit.ts PROBES): no key to look up
      if (PROBES.has(config.url)) return done();
      identify(request, reply, config).then(() => done(), done);
    });
  },
  { name: 'auth', dependencies: ['rate-limit'] },
);
