/**
 * HR API for baselines: train (as a job), models and their backtest figures, suggested targets
 * per role and per person, overrides with their audit log, and weight profiles.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_WIDE } from '../services/targets.js';
import {
  auditEntry,
  documented,
  periodProfile,
  personTargets as personTargetsSchema,
  roleTargets as roleTargetsSchema,
  storedOverride,
  weightProfile,
} from './kpi-schemas.js';

const HR = { scopes: ['hr'] as const };
const HR_READ = { scopes: ['hr', 'scorer'] as const };
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'expected an id');
const kind = z.enum(['week', 'month', 'quarter']);
const period = z.string().min(4).max(10).describe('ISO week 2026-W07, month 2026-03 or quarter 2026-Q1');
const weights = {
  sales: z.number().min(0).max(100),
  efficiency: z.number().min(0).max(100),
  customer_experience: z.number().min(0).max(100),
  innovation: z.number().min(0).max(100),
};

const baselineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { targets } = app.services;

  app.post(
    '/baselines/train',
    {
      config: HR,
      schema: {
        tags: ['baselines'],
        summary: 'Train baseline models (one per role × metric × period kind) as a job',
        description:
          'Trains every scope with history that matches the filters and registers a model version per scope with its measured backtest coverage. The first version of a scope becomes active; later ones stay candidates unless promote=true. Same request on the same data = the same job.',
        body: z
          .object({
            role: id.optional(),
            metric: id.optional(),
            kind: kind.optional(),
            network: z
              .boolean()
              .default(true)
              .describe('false: classical ensemble + conformal calibration only (seconds)'),
            steps: z.number().int().min(10).max(2000).optional(),
            horizon: z.number().int().min(1).max(26).optional(),
            promote: z.boolean().default(false),
          })
          .default({ network: true, promote: false }),
      },
    },
    async (request, reply) => reply.status(202).send(await targets.train(request.body, request.apiKey?.id ?? null)),
  );

  app.get(
    '/baselines/jobs/:id',
    {
      config: HR,
      schema: {
        tags: ['baselines'],
        summary: 'A training job: state, progress, result',
        params: z.object({ id: z.string() }),
      },
    },
    async (request) => targets.trainingJob(request.params.id),
  );

  app.get(
    '/baselines/models',
    {
      config: HR,
      schema: {
        tags: ['baselines'],
        summary:
          'Baseline model versions with their backtest figures (coverage of the 80/95 % intervals, MASE) and data range',
        querystring: z.object({
          role: z.string().optional(),
          metric: z.string().optional(),
          kind: kind.optional(),
          status: z.enum(['candidate', 'active', 'retired']).optional(),
        }),
      },
    },
    async (request) => targets.models(request.query),
  );

  app.get(
    '/targets',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: 'Suggested targets and warning lines for a role and period, per person',
        description:
          'floor (warning line) = P10, baseline = P50, target = P70, stretch = P90 of the calibrated predictive distribution; mirrored when lower is better (floor = P90, target = P30, stretch = P10). Every answer carries the model version and its measured backtest coverage.',
        querystring: z.object({
          role: id,
          period,
          metric: id.optional(),
          below_floor: z
            .enum(['true', 'false'])
            .default('false')
            .describe('true: only people whose actual is below the warning line (past periods)'),
        }),
        response: { 200: roleTargetsSchema },
      },
    },
    async (request) => targets.roleTargets({ ...request.query, belowFloorOnly: request.query.below_floor === 'true' }),
  );

  app.get(
    '/targets/employees/:id',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: "One person's targets for a period, per metric",
        params: z.object({ id: z.string() }),
        querystring: z.object({ period, metric: id.optional() }),
        response: { 200: personTargetsSchema },
      },
    },
    async (request) => targets.personTargets(request.params.id, request.query),
  );

  const overrideKey = {
    role: id,
    metric: id,
    period,
    employee_id: z
      .string()
      .min(1)
      .max(64)
      .describe(`an employee of the role, or '${ROLE_WIDE}' for everyone without a personal override`),
  };

  app.put(
    '/targets/overrides',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: 'Override a suggested target (audited: who, when, before, after, why)',
        body: z.object({ ...overrideKey, value: z.number().finite(), reason: z.string().trim().min(3).max(500) }),
        response: { 200: z.object({ override: storedOverride, audit: auditEntry }) },
      },
    },
    async (request) => targets.setOverride(request.body, request.apiKey?.id ?? null),
  );

  app.delete(
    '/targets/overrides',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: 'Remove an override (back to the suggested target); audited',
        querystring: z.object({ ...overrideKey, reason: z.string().trim().min(3).max(500) }),
        response: { 200: auditEntry },
      },
    },
    async (request) => targets.clearOverride(request.query, request.apiKey?.id ?? null),
  );

  const filter = z.object({
    role: z.string().optional(),
    metric: z.string().optional(),
    period: z.string().optional(),
    employee_id: z.string().optional(),
  });
  app.get(
    '/targets/overrides',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: 'Overrides in force',
        querystring: filter,
        response: { 200: z.array(storedOverride) },
      },
    },
    async (request) => targets.overrides(request.query),
  );
  app.get(
    '/targets/audit',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['targets'],
        summary: 'Audit log of target overrides, newest first',
        querystring: filter.extend({
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.array(auditEntry) },
      },
    },
    async (request) => targets.audit(request.query),
  );

  app.get(
    '/weight-profiles',
    {
      config: HR_READ,
      ...documented,
      schema: {
        tags: ['weights'],
        summary: 'Weight profiles of the indicator groups (percent)',
        response: { 200: z.array(weightProfile) },
      },
    },
    async () => targets.profiles(),
  );
  app.put(
    '/weight-profiles/:id',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['weights'],
        summary: 'Create or edit a weight profile (weights sum to 100)',
        params: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/) }),
        body: z.object({ name: z.string().trim().min(1).max(100), ...weights }),
        response: { 200: weightProfile },
      },
    },
    async (request) => targets.saveProfile({ id: request.params.id, ...request.body }, request.apiKey?.id ?? null),
  );
  app.get(
    '/weight-profiles/periods/:period',
    {
      config: HR_READ,
      ...documented,
      schema: {
        tags: ['weights'],
        summary: "A period's weight profile and why (pinned by HR or chosen by the calendar)",
        params: z.object({ period }),
        response: { 200: periodProfile },
      },
    },
    async (request) => targets.periodProfile(request.params.period),
  );
  app.put(
    '/weight-profiles/periods/:period',
    {
      config: HR,
      ...documented,
      schema: {
        tags: ['weights'],
        summary: 'Pin a profile to a period (null: back to the calendar)',
        params: z.object({ period }),
        body: z.object({ profile: z.string().nullable() }),
        response: { 200: periodProfile },
      },
    },
    async (request) => targets.pinProfile(request.params.period, request.body.profile, request.apiKey?.id ?? null),
  );
};

export default baselineRoutes;
