/**
 * A/B validation of targets and weights (issue 17 §3): compare two target policies (quantile choices,
 * two baseline model versions) or two weight profiles on stored history. One stored report per
 * comparison, computed by an `ab_compare` job; the statistics: src/appraisal/README.md §3.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { comparisonRequestSchema } from '../appraisal/ab-run.js';
import { route } from './define.js';

const HR = ['hr'] as const;
const num = z.number();
const interval = z.object({ level: num, low: num, high: num });
const groupRate = z.object({ group: z.string(), n: num, attained: num, rate: num, interval });
const fairness = z.object({
  by: z.enum(['team', 'tenure']),
  groups: z.array(groupRate),
  min_people: num,
  gap: z.object({ value: num, highest: z.string(), lowest: z.string() }).nullable(),
  chi_square: z
    .object({ statistic: num, df: num, p: num, min_expected: num })
    .nullable()
    .describe('Pearson chi-square on group × attained (person-periods as independent)'),
  permutation: z.object({ p: num, permutations: num }).nullable(),
  method: z.string(),
});
const summary = z.object({
  name: z.string(),
  rows: num,
  attainment: z.object({ all: groupRate.nullable(), by_role: z.array(groupRate), by_team: z.array(groupRate) }),
  warning: groupRate.nullable().describe('how often the warning line fired'),
  fairness: z.object({ team: fairness, tenure: fairness }),
  stability: z
    .object({
      pairs: z.array(
        z.object({ from: z.string(), to: z.string(), people: num, mean_abs_change: num, spearman: num.nullable() }),
      ),
      mean_abs_change: num.nullable(),
      spearman: num.nullable(),
    })
    .describe('period to period: mean absolute change of attainment, Spearman ρ'),
});
const pairedRate = z.object({
  a: num,
  b: num,
  difference: num,
  mcnemar: z.object({ discordant: z.tuple([num, num]), p: num }),
});
const report = z
  .object({
    request: z.looseObject({}),
    period_kind: z.enum(['week', 'month', 'quarter']),
    periods: z.array(z.string()),
    level: num,
    a: summary,
    b: summary,
    paired: z
      .object({
        rows: num,
        attainment_rate: pairedRate,
        warning_rate: pairedRate.nullable(),
      })
      .nullable()
      .describe('the same person-periods under both policies, McNemar tests'),
    split: z
      .unknown()
      .describe('where people were really split: Welch, permutation test, Hedges g, difference of shares'),
    notes: z.array(z.string()),
  })
  .meta({ id: 'AbReport' });

const comparison = z.object({
  id: z.string(),
  request: z.looseObject({}).describe('as submitted, without the id'),
  job_id: z.string().nullable(),
  state: z.enum(['waiting', 'active', 'completed', 'failed']),
  progress: z.object({ percent: num, stage: z.string() }).nullable(),
  report: report.nullable(),
  error: z.string().nullable(),
  actor: z.string().nullable().describe('the API key id that asked for it'),
  created_at: z.date(),
  finished_at: z.date().nullable(),
});

const exampleRequest = {
  id: 'weights-2026-autumn',
  kind: 'weights',
  role: 'cs_agent',
  from: '2026-08',
  to: '2026-10',
  a: { profile: 'default' },
  b: { profile: 'promotion' },
};
const { id: _id, ...storedRequest } = exampleRequest;
const exampleAnswer = {
  id: 'weights-2026-autumn',
  request: storedRequest,
  job_id: 'ab_compare:9c1d0e4b7a2f',
  state: 'waiting',
  progress: { percent: 0, stage: 'waiting' },
  report: null,
  error: null,
  actor: 'k_3f9a2c',
  created_at: '2026-11-02T08:00:00.000Z',
  finished_at: null,
};

const abRoutes: FastifyPluginAsyncZod = async (app) => {
  const { appraisal } = app.services;

  app.post(
    '/ab-comparisons',
    route({
      operationId: 'createAbComparison',
      tags: ['ab'],
      summary:
        'Compare two target policies (quantiles, model versions) or two weight profiles on history: attainment per role and team, warning rate, fairness, stability, a real split',
      description:
        'kind `quantiles`: a.target / b.target (and optional floor) as quantiles of the active model’s predictive distribution; kind `models`: a.model_version / b.model_version of the role’s scope; kind `weights`: a.profile / b.profile. The periods from … to follow the role’s declared cycle (tracked for targets, appraised for weights) unless period_kind says otherwise. Runs as an `ab_compare` job: 202 with the stored comparison, read it with GET /v1/ab-comparisons/{id}. The same id (default: a hash of the request) again answers 200 with the first one; with another request 409. Refusals name the field (422: unknown role, metric, version, profile; periods of another kind).',
      access: HR,
      body: comparisonRequestSchema,
      response: { 200: comparison, 202: comparison },
      errors: [409, 422],
      example: { body: exampleRequest, response: exampleAnswer },
    }),
    async (request, reply) => {
      const { comparison: c, created } = await appraisal.compare(request.body, request.apiKey?.id ?? null);
      return reply.status(created ? 202 : 200).send(c);
    },
  );

  app.get(
    '/ab-comparisons',
    route({
      operationId: 'listAbComparisons',
      tags: ['ab'],
      summary: 'A/B comparisons, newest first (without their reports)',
      access: HR,
      query: {
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      },
      response: { 200: z.array(comparison.omit({ report: true, progress: true })) },
      example: { query: { limit: 50, offset: 0 }, response: [] },
    }),
    async (request) => appraisal.comparisons(request.query),
  );

  app.get(
    '/ab-comparisons/:id',
    route({
      operationId: 'getAbComparison',
      tags: ['ab'],
      summary: 'One A/B comparison: its state while the job runs, then its report',
      access: HR,
      params: { id: z.string().max(128) },
      response: { 200: comparison },
      example: { params: { id: exampleAnswer.id }, response: exampleAnswer },
    }),
    async (request) => appraisal.comparison(request.params.id),
  );
};

export default abRoutes;
