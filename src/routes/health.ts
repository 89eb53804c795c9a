import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from './define.js';

const component = z.object({ kind: z.string(), ok: z.boolean(), detail: z.string().optional() });
const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  version: z.string(),
  db: component,
  queue: component,
});

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    route({
      operationId: 'getHealth',
      tags: ['service'],
      summary: 'Liveness and dependencies (no key needed)',
      access: 'public',
      response: { 200: healthSchema, 503: healthSchema.describe('the database is down') },
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
