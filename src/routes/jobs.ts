/**
 * Jobs: submit, read, cancel. Each kind says which scopes may use it (src/jobs/index.ts); admin
 * may use all. Reads come from the database, so they work on every API process and while Redis
 * is down; a submission while Redis is down answers 503 with Retry-After.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.enum(['waiting', 'active', 'completed', 'failed', 'cancelled']),
  progress: z.object({ percent: z.number(), stage: z.string() }),
  result: z.unknown(),
  error: z.string().nullable(),
  attempts: z.number(),
  created_at: z.date(),
  finished_at: z.date().nullable(),
  children: z.record(z.string(), z.number()).optional(),
});

const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs } = app.services;
  const anyKindScopes = [...new Set(jobs.kinds().flatMap((k) => k.scopes))];
  const kinds = jobs
    .kinds()
    .map((k) => `\`${k.kind}\` (${['admin', ...k.scopes].join(', ')}): ${k.summary}`)
    .join('; ');

  app.post(
    '/jobs',
    {
      config: { scopes: anyKindScopes },
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job; the same request under the same active models returns the same job',
        description: `Kinds: ${kinds}. 202 with the job; poll GET /v1/jobs/:id. 503 with Retry-After while the queue (Redis) is down.`,
        body: z.object({
          kind: z.string(),
          data: z.record(z.string(), z.unknown()).optional(),
          idempotency_key: z.string().max(200).optional(),
        }),
        response: { 202: jobSchema },
      },
    },
    async (request, reply) => {
      const job = await jobs.submit({
        kind: request.body.kind,
        data: request.body.data,
        idempotencyKey: request.body.idempotency_key,
        scopes: request.apiKey!.scopes,
        actor: request.apiKey!.id,
      });
      return reply.status(202).send(job);
    },
  );

  app.get(
    '/jobs/:id',
    {
      config: { scopes: anyKindScopes },
      schema: {
        tags: ['jobs'],
        summary: 'Job state, progress {percent, stage}, result or error',
        params: z.object({ id: z.string() }),
        response: { 200: jobSchema },
      },
    },
    async (request) => jobs.view(request.params.id, request.apiKey!.scopes),
  );

  app.delete(
    '/jobs/:id',
    {
      config: { scopes: anyKindScopes },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a waiting or running job',
        params: z.object({ id: z.string() }),
        response: { 200: z.object({ cancelled: z.boolean() }) },
      },
    },
    async (request) => ({ cancelled: await jobs.cancel(request.params.id, request.apiKey!.scopes) }),
  );
};

export default jobRoutes;
