import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

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
    {
      config: { public: true },
      schema: {
        tags: ['service'],
        summary: 'Liveness and dependencies (no key needed)',
        security: [],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const health = await app.services.health();
      return reply.status(health.db.ok ? 200 : 503).send(health);
    },
  );

  app.get(
    '/metrics',
    {
      config: { scopes: ['scorer'] },
      schema: { tags: ['service'], summary: 'Prometheus metrics (scopes: scorer, admin)', hide: false },
    },
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default healthRoutes;
