/**
 * HR API for baselines: train (as a job), models and their backtest figures, suggested targets
 * per role and per person, overrides with their audit log, and weight profiles.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_WIDE } from '../services/targets.js';
import { sendJsonText, page, peoplePage, periodParam } from './components.js';
import { route } from './define.js';
import { exampleJob, jobSchema } from './jobs.js';
import * as ex from './kpi-examples.js';
import {
  auditEntry,
  overrideRequest,
  periodProfile,
  personTargets as personTargetsSchema,
  roleTargets as roleTargetsSchema,
  storedOverride,
  weightProfile,
} from './kpi-schemas.js';

const HR = ['hr'] as const;
const HR_READ = ['hr', 'scorer'] as const;
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'expected an id');
const kind = z.enum(['week', 'month', 'quarter']);
const period = periodParam({ year: false });
const weights = {
  sales: z.number().min(0).max(100),
  efficiency: z.number().min(0).max(100),
  customer_experience: z.number().min(0).max(100),
  innovation: z.number().min(0).max(100),
};
const modelSummary = z.object({
  id: z.string(),
  scope: z.string().describe('role:metric:period kind'),
  role: z.string(),
  metric: z.string(),
  kind: z.string(),
  status: z.enum(['candidate', 'active', 'retired']),
  created_at: z.date(),
  promoted_at: z.date().nullable(),
  job_id: z.string().nullable(),
  metrics: z
    .record(z.string(), z.unknown())
    .describe('free-form backtest figures: coverage80, coverage95 (measured), mase_model, mase_naive, …'),
  data_range: z.record(z.string(), z.unknown()).nullable().describe('free-form: the history it was trained on'),
});
const trainJob = exampleJob('train_baselines', 'train_baselines-5a0e3c9b71d24f86a1c3');

const baselineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { targets } = app.services;

  app.post(
    '/baselines/train',
    route({
      operationId: 'trainBaselines',
      tags: ['baselines'],
      summary: 'Train baseline models (one per role × metric × period kind) as a job',
      description:
        'Trains every scope with history that matches the filters and registers a model version per scope with its measured backtest coverage. The first version of a scope becomes active; later ones stay candidates unless promote=true. Same request on the same data = the same job: 202 with it; poll GET /v1/baselines/jobs/{id}.',
      access: HR,
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
      response: { 202: jobSchema },
      queue: true,
      example: { body: { role: 'cs_agent', network: false }, response: trainJob },
    }),
    async (request, reply) => reply.status(202).send(await targets.train(request.body, request.apiKey?.id ?? null)),
  );

  app.get(
    '/baselines/jobs/:id',
    route({
      operationId: 'getTrainingJob',
      tags: ['baselines'],
      summary: 'A training job: state, progress, result',
      access: HR,
      params: { id: z.string() },
      response: { 200: jobSchema },
      errors: [404],
      example: {
        params: { id: trainJob.id },
        response: {
          ...trainJob,
          state: 'completed',
          progress: { percent: 100, stage: 'done' },
          result: ex.trainResult,
          attempts: 1,
          finished_at: '2026-03-02T08:00:41.000Z',
        },
      },
    }),
    async (request) => targets.trainingJob(request.params.id),
  );

  app.get(
    '/baselines/models',
    route({
      operationId: 'listBaselineModels',
      tags: ['baselines'],
      summary:
        'Baseline model versions with their backtest figures (coverage of the 80/95 % intervals, MASE) and data range',
      access: HR,
      query: {
        role: z.string().optional(),
        metric: z.string().optional(),
        kind: kind.optional(),
        status: z.enum(['candidate', 'active', 'retired']).optional(),
      },
      response: { 200: z.array(modelSummary) },
      example: { query: { role: 'cs_agent', status: 'active' }, response: [ex.modelSummary] },
    }),
    async (request) => targets.models(request.query),
  );

  app.get(
    '/targets',
    route({
      operationId: 'listTargets',
      tags: ['targets'],
      summary: 'Suggested targets and warning lines for a role and period, per person',
      description:
        'floor (warning line) = P10, baseline = P50, target = P70, stretch = P90 of the calibrated predictive distribution; mirrored when lower is better (floor = P90, target = P30, stretch = P10). Every answer carries the model version and its measured backtest coverage.',
      access: HR,
      query: {
        role: id,
        period: period
          .optional()
          .describe(
            "default: the period after the role's latest data on the kind it is tracked on (its declared cycle)",
          ),
        metric: id.optional(),
        below_floor: z
          .enum(['true', 'false'])
          .default('false')
          .describe('true: only people whose actual is below the warning line (past periods)'),
        ...peoplePage,
      },
      response: { 200: roleTargetsSchema },
      errors: [404, 422],
      plain: true,
      example: { query: { role: 'cs_agent', period: '2026-10', metric: 'csat' }, response: ex.roleTargets },
    }),
    async (request, reply) => {
      const answer = await targets.roleTargetsJson({
        ...request.query,
        belowFloorOnly: request.query.below_floor === 'true',
      });
      return sendJsonText(reply, answer);
    },
  );

  app.get(
    '/targets/employees/:id',
    route({
      operationId: 'getEmployeeTargets',
      tags: ['targets'],
      summary: "One person's targets for a period, per metric",
      access: HR,
      params: { id: z.string() },
      query: { period, metric: id.optional() },
      response: { 200: personTargetsSchema },
      errors: [404, 422],
      plain: true,
      example: {
        params: { id: 'E0003' },
        query: { period: '2026-10', metric: 'csat' },
        response: ex.personTargets,
      },
    }),
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
  const reason = z.string().trim().min(3).max(500);

  app.put(
    '/targets/overrides',
    route({
      operationId: 'setTargetOverride',
      tags: ['targets'],
      summary: 'Override a suggested target (audited: who, when, before, after, why)',
      access: HR,
      body: z.object({ ...overrideKey, value: z.number().finite(), reason }),
      description:
        'With OVERRIDE_APPROVAL_THRESHOLD set, an override further than that from the suggested target (or role-wide, or with no suggested target) does not take effect: it is filed as a pending request (202) that a second HR key approves (POST /v1/override-requests/{id}/approve). A period closed for the role refuses changes (409).',
      response: {
        200: z.object({ override: storedOverride, audit: auditEntry }),
        202: z.object({ request: overrideRequest }).describe('filed for a second approver; not in force yet'),
      },
      errors: [404, 409, 422],
      plain: true,
      example: {
        body: { ...ex.overrideKey, value: 0.95, reason: 'new hire: ramp-up target agreed with the team lead' },
        response: { override: ex.storedOverride, audit: ex.auditSet },
      },
    }),
    async (request, reply) => {
      const r = await targets.setOverride(request.body, request.apiKey?.id ?? null);
      return 'request' in r ? reply.status(202).send(r) : r;
    },
  );

  app.delete(
    '/targets/overrides',
    route({
      operationId: 'clearTargetOverride',
      tags: ['targets'],
      summary: 'Remove an override (back to the suggested target); audited',
      access: HR,
      query: { ...overrideKey, reason },
      response: { 200: auditEntry },
      errors: [404, 409, 422],
      plain: true,
      example: {
        query: { ...ex.overrideKey, reason: 'ramp-up over: back to the suggested target' },
        response: ex.auditClear,
      },
    }),
    async (request) => targets.clearOverride(request.query, request.apiKey?.id ?? null),
  );

  const filter = {
    role: z.string().optional(),
    metric: z.string().optional(),
    period: period.optional(),
    employee_id: z.string().optional(),
  };
  app.get(
    '/targets/overrides',
    route({
      operationId: 'listTargetOverrides',
      tags: ['targets'],
      summary: 'Overrides in force',
      access: HR,
      query: filter,
      response: { 200: z.array(storedOverride) },
      plain: true,
      example: { query: { role: 'cs_agent', period: '2026-10' }, response: [ex.storedOverride] },
    }),
    async (request) => targets.overrides(request.query),
  );
  app.get(
    '/targets/audit',
    route({
      operationId: 'listTargetAudit',
      tags: ['targets'],
      summary: 'Audit log of target overrides, newest first',
      access: HR,
      query: { ...filter, ...page({ max: 10_000, default: 1000 }) },
      response: { 200: z.array(auditEntry) },
      plain: true,
      example: { query: { role: 'cs_agent', limit: 50 }, response: [ex.auditClear, ex.auditSet] },
    }),
    async (request) => targets.audit(request.query),
  );

  app.get(
    '/weight-profiles',
    route({
      operationId: 'listWeightProfiles',
      tags: ['weights'],
      summary: 'Weight profiles of the indicator groups (percent)',
      access: HR_READ,
      response: { 200: z.array(weightProfile) },
      plain: true,
      example: { response: [ex.weightProfile] },
    }),
    async () => targets.profiles(),
  );
  app.put(
    '/weight-profiles/:id',
    route({
      operationId: 'saveWeightProfile',
      tags: ['weights'],
      summary: 'Create or edit a weight profile (weights sum to 100)',
      access: HR,
      params: { id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/) },
      body: z.object({ name: z.string().trim().min(1).max(100), ...weights }),
      response: { 200: weightProfile },
      errors: [422],
      plain: true,
      example: {
        params: { id: ex.weightProfile.id },
        body: {
          name: ex.weightProfile.name,
          sales: ex.weightProfile.sales,
          efficiency: ex.weightProfile.efficiency,
          customer_experience: ex.weightProfile.customer_experience,
          innovation: ex.weightProfile.innovation,
        },
        response: ex.weightProfile,
      },
    }),
    async (request) => targets.saveProfile({ id: request.params.id, ...request.body }, request.apiKey?.id ?? null),
  );
  app.get(
    '/weight-profiles/periods/:period',
    route({
      operationId: 'getPeriodWeightProfile',
      tags: ['weights'],
      summary: "A period's weight profile and why (pinned by HR or chosen by the calendar)",
      access: HR_READ,
      params: { period },
      response: { 200: periodProfile },
      plain: true,
      example: { params: { period: '2026-10' }, response: ex.periodProfile },
    }),
    async (request) => targets.periodProfile(request.params.period),
  );
  app.put(
    '/weight-profiles/periods/:period',
    route({
      operationId: 'pinPeriodWeightProfile',
      tags: ['weights'],
      summary: 'Pin a profile to a period (null: back to the calendar)',
      access: HR,
      params: { period },
      body: z.object({ profile: z.string().nullable() }),
      response: { 200: periodProfile },
      errors: [404],
      plain: true,
      example: {
        params: { period: '2026-10' },
        body: { profile: ex.weightProfile.id },
        response: { ...ex.periodProfile, chosen_by: 'pinned' },
      },
    }),
    async (request) => targets.pinProfile(request.params.period, request.body.profile, request.apiKey?.id ?? null),
  );
};

export default baselineRoutes;
