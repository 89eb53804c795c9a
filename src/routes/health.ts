import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JSON_UTF8, LIVE_BODY } from '../plugins/live-probe.js';
import { SECURITY_HEADERS } from '../plugins/security-headers.js';
import { route } from './define.js';

const component = z.object({ kind: z.string(), ok: z.boolean(), detail: z.string().optional() });
const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  version: z.string(),
  db: component,
  queue: component,
});

const liveSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({
  ready: z.boolean(),
  /** Start-up work (migrations, first-run setup, the demo) is done and the server listens. */
  started: z.boolean(),
  /** The process is shutting down: it finishes in-flight requests and takes no new work. */
  closing: z.boolean(),
  db: component,
  queue: component,
});
/** A constant answer, sent as bytes: /live depends on nothing, not even the serializer. */
const LIVE = LIVE_BODY as unknown as { status: 'ok' };

/**
 * Kubernetes' liveness probe. On a listening server `GET`/`HEAD /live` is answered before Fastify
 * (src/plugins/live-probe.ts) except while the process drains; what reaches Fastify — the drain,
 * `app.inject` — is answered by the first hook of every request (app.ts registers it before any plugin):
 * `GET /live` exactly gets the constant answer with the security headers, and skips what follows in the
 * chain (key lookup, rate limit, query validation, the handler), none of which can change it. The
 * answer's own hooks still run: onSend (`Connection: close` while draining) and onResponse (the
 * Prometheus counters; the log line is left out for a successful probe, app.ts). Any other form
 * (`HEAD`, a query string) goes through the route below.
 */
export function answerLiveFirst(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url !== '/live' || request.method !== 'GET') return done();
    reply.headers(SECURITY_HEADERS).type(JSON_UTF8).send(LIVE);
  });
}

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/live',
    route({
      operationId: 'getLive',
      tags: ['service'],
      summary: 'Liveness probe: the process answers (no dependency is called; no key needed)',
      access: 'public',
      response: { 200: liveSchema },
      example: { response: { status: 'ok' } },
    }),
    async (_request, reply) => reply.type(JSON_UTF8).send(LIVE),
  );

  app.get(
    '/ready',
    route({
      operationId: 'getReady',
      tags: ['service'],
      summary:
        'Readiness probe: the database and the queue answer, start-up work is done and the process is not shutting down (no key needed)',
      access: 'public',
      response: { 200: readySchema, 503: readySchema.describe('not ready: see which part') },
      // a probe: the answer is built here from typed values, JSON.stringify writes it
      plain: true,
      example: {
        response: {
          ready: true,
          started: true,
          closing: false,
          db: { kind: 'pglite', ok: true },
          queue: { kind: 'inline', ok: true },
        },
      },
    }),
    async (_request, reply) => {
      const r = await app.services.readiness();
      return reply.status(r.ready ? 200 : 503).send(r);
    },
  );

  app.get(
    '/health',
    route({
      operationId: 'getHealth',
      tags: ['service'],
      summary: 'Liveness and dependencies (no key needed)',
      access: 'public',
      response: { 200: healthSchema, 503: healthSchema.describe('the database is down') },
      plain: true,
      example: {
        response: {
          status: 'ok',
          version: '0.1.0',
          db: { kind: 'pglite', ok: true },
          queue: { kind: 'inline', ok: true },
        },
      },
    }),
    async (_request, reply) => {
      const health = await app.services.health();
      return reply.status(health.db.ok ? 200 : 503).send(health);
    },
  );

  app.get(
    '/metrics',
    route({
      operationId: 'getMetrics',
      tags: ['service'],
      summary: 'Prometheus metrics (scopes: scorer, admin)',
      access: ['scorer'],
      response: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
      },
      example: {
        response:
          '# HELP kpi_http_requests_total HTTP requests\n# TYPE kpi_http_requests_total counter\nkpi_http_requests_total{method="GET",route="/v1/ratings",status="200"} 1024\n',
      },
    }),
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default healthRoutes;
