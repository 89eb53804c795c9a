/**
 * Model registry (scope admin): list versions, shadow-compare a candidate with the active one
 * (a job), promote, roll back. Promote and roll back are single transactions; every process
 * serves the new active version within a few seconds.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from './define.js';
import { exampleJob, jobSchema } from './jobs.js';

const version = z
  .object({
    id: z.string(),
    kind: z.string().describe('sentiment or baseline'),
    scope: z.string().describe('zh / en for sentiment; role:metric:period kind for a baseline'),
    status: z.enum(['candidate', 'active', 'retired']),
    metadata: z.record(z.string(), z.unknown()).describe("free-form: the kind's training settings, shadow report"),
    metrics: z.record(z.string(), z.unknown()).describe('free-form: the measured figures of this version'),
    data_range: z.record(z.string(), z.unknown()).nullable().describe('free-form: the data it was trained on'),
    job_id: z.string().nullable(),
    created_at: z.date(),
    promoted_at: z.date().nullable(),
  })
  .meta({ id: 'ModelVersion', description: 'A registered model version' });
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

const exampleVersion = {
  id: 'sentiment-zh@5e81c0a9d2f4',
  kind: 'sentiment',
  scope: 'zh',
  status: 'candidate',
  metadata: { trained_on: 'reviews-zh', epochs: 8 },
  metrics: { accuracy: 0.912, ece: 0.031 },
  data_range: { from: '2025-01-01', to: '2026-02-28', rows: 48210 },
  job_id: 'train_sentiment-7d0c2e91a4f3b5c86e10',
  created_at: '2026-03-01T22:10:00.000Z',
  promoted_at: null,
};

const modelRoutes: FastifyPluginAsyncZod = async (app) => {
  const { models } = app.services;
  const admin = ['admin'] as const;
  const idParam = { id: z.string() };

  app.get(
    '/models',
    route({
      operationId: 'listModelVersions',
      tags: ['models'],
      summary: 'Model versions (newest first per kind and scope)',
      access: admin,
      query: { kind: z.string().optional(), scope: z.string().optional() },
      response: { 200: z.array(version) },
      example: { query: { kind: 'sentiment', scope: 'zh' }, response: [exampleVersion] },
    }),
    async (request) => models.list(request.query),
  );

  app.get(
    '/models/:id',
    route({
      operationId: 'getModelVersion',
      tags: ['models'],
      summary: 'One model version, with its shadow report when compared',
      access: admin,
      params: idParam,
      response: { 200: version },
      errors: [404],
      example: { params: { id: exampleVersion.id }, response: exampleVersion },
    }),
    async (request) => models.get(request.params.id),
  );

  app.post(
    '/models/:id/compare',
    route({
      operationId: 'compareModelVersion',
      tags: ['models'],
      summary:
        'Shadow-compare a candidate with the active version (a compare_models job); the report lands in the job result and the version’s metadata.shadow',
      access: admin,
      params: idParam,
      body: z
        .object({
          threshold: z.number().min(0).max(1).optional(),
          limit: z.number().int().min(1).optional(),
          eval_file: z.string().optional(),
        })
        .default({}),
      response: { 202: jobSchema },
      errors: [404, 409],
      queue: true,
      example: {
        params: { id: exampleVersion.id },
        body: { threshold: 0.05 },
        response: exampleJob('compare_models', 'compare_models-0e5b7a2c9d41f8367b1a'),
      },
    }),
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
    route({
      operationId: 'promoteModelVersion',
      tags: ['models'],
      summary:
        'Make this version active (the previous one is retired); one transaction. A sentiment switch starts a rescore and ratings recompute job',
      access: admin,
      params: idParam,
      body: reasonBody,
      response: { 200: switched },
      errors: [404, 409],
      example: {
        params: { id: exampleVersion.id },
        body: { reason: 'better calibrated on the March evaluation set' },
        response: {
          ...exampleVersion,
          status: 'active',
          promoted_at: '2026-03-02T08:00:00.000Z',
          rescore_job: 'score_reviews-51c9e0a7b3d24f6e8a90',
        },
      },
    }),
    async (request) => models.promote(request.params.id, request.apiKey!.id, request.body.reason ?? null),
  );

  app.post(
    '/models/:kind/:scope/rollback',
    route({
      operationId: 'rollbackModel',
      tags: ['models'],
      summary:
        'Re-activate the version that was active before the current one; one transaction. A sentiment rollback starts a rescore and ratings recompute job',
      access: admin,
      params: { kind: z.string(), scope: z.string() },
      body: reasonBody,
      response: { 200: switched },
      errors: [404, 409],
      example: {
        params: { kind: 'sentiment', scope: 'zh' },
        body: { reason: 'more complaints about misread sarcasm' },
        response: {
          ...exampleVersion,
          id: 'sentiment-zh@b0861cd7e04d',
          status: 'active',
          promoted_at: '2026-03-03T08:00:00.000Z',
          rescore_job: 'score_reviews-c2a80f4e6b19d3577e02',
        },
      },
    }),
    async (request) =>
      models.rollback(request.params.kind, request.params.scope, request.apiKey!.id, request.body.reason ?? null),
  );
};

export default modelRoutes;
