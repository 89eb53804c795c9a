import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeSchema } from '../auth/scopes.js';

const keyInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  created_at: z.date(),
  revoked_at: z.date().nullable(),
  last_used_at: z.date().nullable(),
});

/** API key management (scope admin). The CLI (`kpi keys …`) does the same offline. */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { keys } = app.services;
  const admin = { scopes: ['admin'] as const };

  app.post(
    '/keys',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the key is returned once and stored only as a hash',
        body: z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(scopeSchema).min(1) }),
        response: { 201: z.object({ id: z.string(), key: z.string(), scopes: z.array(scopeSchema) }) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await keys.create(request.body.name, [...new Set(request.body.scopes)])),
  );

  app.get(
    '/keys',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never the keys themselves)',
        response: { 200: z.array(keyInfo) },
      },
    },
    async () => keys.list(),
  );

  app.delete(
    '/keys/:id',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key',
        params: z.object({ id: z.string() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await keys.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default adminRoutes;
