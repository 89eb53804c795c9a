/**
 * Model registry (scope admin): list versions, shadow-compare a candidate with the active one
 * (a job), promote, roll back. Promote and roll back are single transactions; every process
 * serves the new active version within a few seconds.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, UnavailableError } from '../lib/errors.js';
import { submitJob } from '../jobs/service.js';
import { activeModelsFor } from '../registry/active.js';
import { getVersion, listVersions, promote, rollback, type ModelVersion } from '../registry/index.js';
import { SENTIMENT_KIND } from '../registry/sentiment.js';
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
  const { db, queue, config } = app.services;
  const active = activeModelsFor(db, config);
  const admin = { scopes: ['admin'] as const };
  const idParam = z.object({ id: z.string() });

  /** A sentiment switch rescores the stored reviews and then recomputes the ratings, as jobs. */
  const afterSwitch = async (v: ModelVersion, actor: string) => {
    if (v.kind !== SENTIMENT_KIND) return v;
    const data = { rescore: true, then_recompute: true };
    try {
      const job = await submitJob(
        { queue, activeIds: active.activeIds },
        // one job per switch: the promotion time tells a rollback to an earlier version from the first promote
        {
          kind: 'score_reviews',
          data,
          idempotencyKey: `${v.id}@${v.promoted_at?.toISOString() ?? ''}`,
          scopes: ['admin'],
          actor,
        },
      );
      return { ...v, rescore_job: job.id };
    } catch (err) {
      // the switch is committed; answering an error would invite a retry (a second rollback goes back further)
      if (!(err instanceof UnavailableError)) throw err;
      return {
        ...v,
        rescore_job: null,
        rescore_error: `${err.message}; submit POST /v1/jobs {"kind": "score_reviews", "data": ${JSON.stringify(data)}} when the queue is back`,
      };
    }
  };

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
    async (request) => listVersions(db, request.query),
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
    async (request) => {
      const v = await getVersion(db, request.params.id);
      if (!v) throw new NotFoundError(`model version ${request.params.id}`);
      return v;
    },
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
      if (!(await getVersion(db, request.params.id))) throw new NotFoundError(`model version ${request.params.id}`);
      const job = await submitJob(
        { queue, activeIds: active.activeIds },
        {
          kind: 'compare_models',
          data: { candidate: request.params.id, ...request.body },
          scopes: request.apiKey!.scopes,
          actor: request.apiKey!.id,
        },
      );
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
    async (request) =>
      afterSwitch(
        await promote(db, request.params.id, request.apiKey!.id, request.body.reason ?? null),
        request.apiKey!.id,
      ),
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
      afterSwitch(
        await rollback(db, request.params.kind, request.params.scope, request.apiKey!.id, request.body.reason ?? null),
        request.apiKey!.id,
      ),
  );
};

export default modelRoutes;
