import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeSchema } from '../auth/scopes.js';
import { route } from './define.js';

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
  const admin = ['admin'] as const;

  app.post(
    '/keys',
    route({
      operationId: 'createApiKey',
      tags: ['admin'],
      summary: 'Create an API key; the key is returned once and stored only as a hash',
      access: admin,
      body: z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(scopeSchema).min(1) }),
      response: { 201: z.object({ id: z.string(), key: z.string(), scopes: z.array(scopeSchema) }) },
      example: {
        body: { name: 'scoring system', scopes: ['scorer'] },
        response: { id: '5f2c9a1e7b30', key: 'kpi_5f2c9a1e7b30_3hV9qZ2mXf7LwR1tN8bC4yKd6sPa0uJe', scopes: ['scorer'] },
      },
    }),
    async (request, reply) =>
      reply.status(201).send(await keys.create(request.body.name, [...new Set(request.body.scopes)])),
  );

  app.get(
    '/keys',
    route({
      operationId: 'listApiKeys',
      tags: ['admin'],
      summary: 'List API keys (never the keys themselves)',
      access: admin,
      response: { 200: z.array(keyInfo) },
      example: {
        response: [
          {
            id: '5f2c9a1e7b30',
            name: 'scoring system',
            scopes: ['scorer'],
            created_at: '2026-03-02T08:00:00.000Z',
            revoked_at: null,
            last_used_at: '2026-03-02T09:15:00.000Z',
          },
        ],
      },
    }),
    async () => keys.list(),
  );

  app.delete(
    '/keys/:id',
    route({
      operationId: 'revokeApiKey',
      tags: ['admin'],
      summary: 'Revoke an API key',
      access: admin,
      params: { id: z.string() },
      response: { 204: z.null().describe('revoked') },
      errors: [404],
      example: { params: { id: '5f2c9a1e7b30' } },
    }),
    async (request, reply) => {
      await keys.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default adminRoutes;
