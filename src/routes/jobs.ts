/**
 * Jobs: submit, read, cancel. Each kind says which scopes may use it (src/jobs/index.ts); admin
 * may use all. Reads come from the database, so they work on every API process and while Redis
 * is down; a submission while Redis is down answers 503 with Retry-After.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queryInt } from './components.js';
import { route } from './define.js';

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string().describe('the job kind (see POST /v1/jobs)'),
    state: z.enum(['waiting', 'active', 'completed', 'failed', 'cancelled']),
    progress: z.object({ percent: z.number(), stage: z.string() }),
    result: z
      .unknown()
      .describe("the kind's result once completed (an object; its members depend on the kind), else null"),
    error: z.string().nullable(),
    attempts: z.number().int(),
    created_at: z.date(),
    finished_at: z.date().nullable(),
    children: z
      .record(z.string(), z.number().int())
      .optional()
      .describe('for a job that fanned out: its jobs counted by state, and total'),
  })
  .meta({ id: 'Job', description: 'A job: state, progress {percent, stage}, result or error' });

/** A job as the examples show it. */
export const exampleJob = (kind: string, id: string) => ({
  id,
  kind,
  state: 'waiting',
  progress: { percent: 0, stage: 'queued' },
  result: null,
  error: null,
  attempts: 0,
  created_at: '2026-03-02T08:00:00.000Z',
  finished_at: null,
});

const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs } = app.services;
  const anyKindScopes = [...new Set(jobs.kinds().flatMap((k) => k.scopes))];
  const kinds = jobs
    .kinds()
    .map((k) => `\`${k.kind}\` (${['admin', ...k.scopes].join(', ')}): ${k.summary}`)
    .join('; ');
  const recompute = exampleJob('recompute_ratings', 'recompute_ratings-9c41d07be25a13f86d2e');
  // the body as the document shows it: one branch per kind, with the schema the service checks its
  // data by (the processors'); data may be left out where {} fits (the service reads none as {})
  const submission = z.discriminatedUnion(
    'kind',
    jobs.kinds().map((k) => {
      const data = k.data ?? z.record(z.string(), z.unknown());
      return z.object({
        kind: z.literal(k.kind),
        data: (data.safeParse({}).success ? data.optional() : data).describe(`the parameters of ${k.kind}`),
        idempotency_key: z.string().max(200).optional(),
      });
    }) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );

  app.post(
    '/jobs',
    route({
      operationId: 'submitJob',
      tags: ['jobs'],
      summary: 'Submit a job; the same request under the same active models returns the same job',
      description: `Kinds: ${kinds}. 202 with the job; poll GET /v1/jobs/{id}. 503 with Retry-After while the queue (Redis) is down.`,
      access: anyKindScopes,
      // The service checks the kind (an unknown one is a 400 listing the known ones), then the scope,
      // then the data by the kind's schema (a 400 naming each field): the route checks only the shape.
      body: z.object({
        kind: z.string(),
        data: z.record(z.string(), z.unknown()).optional(),
        idempotency_key: z.string().max(200).optional(),
      }),
      documentedBody: submission,
      response: { 202: jobSchema },
      queue: true,
      example: {
        body: { kind: 'recompute_ratings', idempotency_key: 'nightly-2026-03-02' },
        response: recompute,
      },
    }),
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
    '/jobs',
    route({
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: 'The jobs this key may read, newest first: of one kind or state when asked, in pages',
      description:
        'Each job without its result (GET /v1/jobs/{id} has it). A key sees the kinds its scopes may submit (admin: all); asking for another kind is a 403. Page with `before` = the `next_before` of the previous page.',
      access: anyKindScopes,
      query: {
        kind: z.string().min(1).max(100).optional().describe('one job kind'),
        state: jobSchema.shape.state.optional().describe('one state'),
        before: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('only jobs after this one in the list (`next_before` of the previous page)'),
        limit: queryInt({ min: 1, max: 500, default: 50, description: 'jobs per page' }),
      },
      response: {
        200: z.object({
          jobs: z.array(jobSchema.omit({ result: true, children: true })),
          next_before: z.string().nullable().describe('the `before` of the next page; null on the last'),
        }),
      },
      example: {
        query: { kind: 'recompute_ratings', limit: 20 },
        response: { jobs: [(({ result: _r, ...j }) => j)(recompute)], next_before: null },
      },
    }),
    async (request) => {
      const { kind, state, before, limit } = request.query;
      return jobs.list({ scopes: request.apiKey!.scopes, kind, state, before, limit });
    },
  );

  app.get(
    '/jobs/:id',
    route({
      operationId: 'getJob',
      tags: ['jobs'],
      summary: 'Job state, progress {percent, stage}, result or error',
      access: anyKindScopes,
      params: { id: z.string() },
      response: { 200: jobSchema },
      errors: [404],
      example: { params: { id: recompute.id }, response: recompute },
    }),
    async (request) => jobs.view(request.params.id, request.apiKey!.scopes),
  );

  app.delete(
    '/jobs/:id',
    route({
      operationId: 'cancelJob',
      tags: ['jobs'],
      summary: 'Cancel a waiting or running job',
      access: anyKindScopes,
      params: { id: z.string() },
      response: {
        200: z.object({ cancelled: z.boolean().describe('false: the job had already finished') }),
      },
      errors: [404],
      example: { params: { id: recompute.id }, response: { cancelled: true } },
    }),
    async (request) => ({ cancelled: await jobs.cancel(request.params.id, request.apiKey!.scopes) }),
  );
};

export default jobRoutes;
