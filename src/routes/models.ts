/**
 * Model registry (scope admin): list versions, shadow-compare a candidate with the active one
 * (a job), promote, roll back. Promote and roll back are single transactions; every process
 * serves the new active version within a few seconds.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobSchema } from './jobs.js';

const version = z.object({
  id: z.string(),
  kind: z.string(),
  scope: z.string(),
  status: z.enum(['candidate', 'active', 'retired']),
  metadata: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  data_range: z.record(z.string(), z.unknown()).nullable(),
  job_id: z.string().nullable(),
  created_at: z.date(),
  promoted_at: z.date().nullable(),
});
const reasonBody = z.object({ reason: z.string().max(500).optional() }).default({});
const switched = version.extend({
  rescore_job: z
    .string()
    .nullable()
    .optional()
    .describe(
      'after a sentiment switch: the score_reviews job that rescores every review with the new version and then recomputes every rating',
    ),
  rescore_error: z.string().optional().describe('why the rescore job could not be queued (the switch itself is done)'),
});

const modelRoutes: FastifyPluginAsyncZod = async (app) => {
  const { models } = app.services;
  const admin = { scopes: ['admin'] as const };
  const idParam = z.object({ id: z.string() });

  app.get(
    '/models',
    {
      config: admin,
      schema: {
        tags: ['models'],
        summary: 'Model versions (newest first per kind and scope)',
        querystring: z.object({ kind: z.string().optional(), scope: z.string().optional() }),
        response: { 200: z.array(version) },
      },
    },
    async (request) => models.list(request.query),
  );

  app.get(
    '/models/:id',
    {
      config: admin,
      schema: {
        tags: ['models'],
        summary: 'One model version, with its shadow report when compared',
        params: idParam,
        response: { 200: version },
      },
    },
    async (request) => models.get(request.params.id),
  );

  app.post(
    '/models/:id/compare',
    {
      config: admin,
      schema: {
        tags: ['models'],
        summary:
          'Shadow-compare a candidate with the active version (a compare_models job); the report lands in the job result and the version’s metadata.shadow',
        params: idParam,
        body: z
          .object({
            threshold: z.number().min(0).max(1).optional(),
            limit: z.number().int().min(1).optional(),
            eval_file: z.string().optional(),
          })
          .default({}),
        response: { 202: jobSchema },
      },
    },
    async (request, reply) => {
      const job = await models.compare(request.params.id, request.body, {
        scopes: request.apiKey!.scopes,
        actor: request.apiKey!.id,
      });
      return reply.status(202).send(job);
    },
  );

  app.post(
    '/models/:id/promote',
    {
      config: admin,
      schema: {
        tags: ['models'],
        summary:
          'Make this version active (the previous one is retired); one transaction. A sentiment switch starts a rescore and ratings recompute job',
        params: idParam,
        body: reasonBody,
        response: { 200: switched },
      },
    },
    async (request) => models.promote(request.params.id, request.apiKey!.id, request.body.reason ?? null),
  );

  app.post(
    '/models/:kind/:scope/rollback',
    {
      config: admin,
      schema: {
        tags: ['models'],
        summary:
          'Re-activate the version that was active before the current one; one transaction. A sentiment rollback starts a rescore and ratings recompute job',
        params: z.object({ kind: z.string(), scope: z.string() }),
        body: reasonBody,
        response: { 200: switched },
      },
    },
    async (request) =>
      models.rollback(request.params.kind, request.params.scope, request.apiKey!.id, request.body.reason ?? null),
  );
};

export default modelRoutes;
