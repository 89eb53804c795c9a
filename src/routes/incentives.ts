/**
 * Tiered incentives: commission plans per role (HR declares versions), payout previews from a period's
 * KPI inputs with every step shown (HR), and the payroll export of a preview (CSV with BOM, XLSX).
 * The rules: src/appraisal/README.md §2.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { planSchema } from '../appraisal/incentive-plan.js';
import { XLSX_TYPE } from '../lib/spreadsheet.js';
import { periodParam } from './components.js';
import { route } from './define.js';

const num = z.number();
const cents = z.number().int();
const HR = ['hr'] as const;

const planBody = planSchema.meta({ id: 'IncentivePlan' });

const storedPlan = z.object({
  id: z.string(),
  version: z.number().int(),
  role: z.string(),
  effective_from: z.string(),
  plan: z.looseObject({}).describe('the plan as declared, defaults filled in'),
  actor: z.string().nullable().describe('the API key id that saved it'),
  created_at: z.date(),
});

const tierLine = z.object({
  tier: num,
  from_percent: num,
  to_percent: num.nullable(),
  rate_percent: num,
  rise_percent: num.nullable(),
  slice_cents: cents,
  amount_cents: cents,
});

const componentPayout = z.object({
  id: z.string(),
  label: z.string().nullable(),
  status: z.enum(['ok', 'missing_data']),
  drivers: z.array(
    z.object({ metric: z.string(), weight: num, attainment_percent: num.nullable(), capped: z.boolean() }),
  ),
  attainment_percent: num.nullable(),
  base: z.object({ metric: z.string().nullable(), target_cents: cents.nullable(), actual_cents: cents.nullable() }),
  attained_cents: cents.nullable(),
  mode: z.enum(['marginal', 'whole']),
  reached_tier: num.nullable(),
  lines: z.array(tierLine),
  subtotal_cents: cents.nullable(),
  floor_or_cap: z.object({ kind: z.enum(['floor', 'cap']), adjustment_cents: cents }).nullable(),
  amount_cents: cents.nullable(),
});

const payout = z.object({
  employee_id: z.string(),
  role: z.string().nullable(),
  plan: z.object({ id: z.string(), version: num, tier_mode: z.enum(['marginal', 'whole']) }).nullable(),
  base_pay_cents: cents,
  components: z.array(componentPayout),
  variable_cap: z.object({ cap_cents: cents, adjustment_cents: cents }).nullable(),
  star_allowance: z
    .object({
      rule: z.string(),
      months: z.array(z.object({ period: z.string(), stars: num.nullable(), counts: z.boolean(), reason: z.string() })),
      run_length: num,
      qualifies: z.boolean(),
      amount_cents: cents,
    })
    .nullable(),
  project_bonus: z.array(
    z.object({
      pool: z.string(),
      label: z.string().nullable(),
      pool_cents: cents,
      share: num,
      normalised_share: num,
      amount_cents: cents,
    }),
  ),
  total_cents: cents,
  complete: z.boolean(),
  warnings: z.array(z.string()),
});

const pool = z
  .object({
    id: z.string().min(1).max(128),
    label: z.string().max(200).optional(),
    pool_cents: z.number().int().nonnegative(),
    shares: z
      .array(z.object({ employee_id: z.string().min(1).max(128), share: z.number() }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();

const previewRequest = z
  .object({
    period: periodParam({ year: false }),
    role: z.string().max(128).optional(),
    pools: z.array(pool).max(100).optional().describe('project bonus pools split by declared shares'),
  })
  .strict();

const preview = z.object({
  id: z.string(),
  created_at: z.date(),
  created_by: z.string().nullable(),
  request: z.looseObject({ period: z.string() }),
  period: z.string(),
  rounding: z.string(),
  payouts: z.array(payout),
  unplanned: z.array(z.string()).describe('people whose role has no plan in force (pool parts only)'),
  totals: z.object({ people: num, total_cents: cents, incomplete: num }),
});

const examplePlan = {
  id: 'cs-2026',
  version: 1,
  role: 'cs_agent',
  name: 'Customer service 2026',
  effective_from: '2026-01',
  tier_mode: 'whole',
  base_pay_cents: 600000,
  components: [
    {
      id: 'service_bonus',
      label: 'Service bonus on CSAT',
      drivers: [{ metric: 'csat', weight: 1 }],
      base: { fixed_cents: 100000 },
      tiers: [
        { from: 0, to: 90, rate: 0 },
        { from: 90, to: 100, rate: 50 },
        { from: 100, rate: 100 },
      ],
    },
  ],
  star_allowance: { amount_cents: 50000, months: 3, min_stars: 4.8, mode: 'rolling' },
};
const examplePlanStored = {
  id: 'cs-2026',
  version: 1,
  role: 'cs_agent',
  effective_from: '2026-01',
  plan: { ...examplePlan, currency: 'CNY' },
  actor: 'k_3f9a2c',
  created_at: '2026-11-02T08:00:00.000Z',
};
const examplePayout = {
  employee_id: 'E0003',
  role: 'cs_agent',
  plan: { id: 'cs-2026', version: 1, tier_mode: 'whole' },
  base_pay_cents: 600000,
  components: [
    {
      id: 'service_bonus',
      label: 'Service bonus on CSAT',
      status: 'ok',
      drivers: [{ metric: 'csat', weight: 1, attainment_percent: 96.5, capped: false }],
      attainment_percent: 96.5,
      base: { metric: null, target_cents: 100000, actual_cents: 100000 },
      attained_cents: null,
      mode: 'whole',
      reached_tier: 1,
      lines: [
        {
          tier: 1,
          from_percent: 90,
          to_percent: 100,
          rate_percent: 50,
          rise_percent: null,
          slice_cents: 100000,
          amount_cents: 50000,
        },
      ],
      subtotal_cents: 50000,
      floor_or_cap: null,
      amount_cents: 50000,
    },
  ],
  variable_cap: null,
  star_allowance: {
    rule: '3 consecutive months each with a service rating of at least 4.8 stars and enough evidence; paid for every month that completes such a run',
    months: [
      { period: '2026-08', stars: null, counts: false, reason: 'no service rating' },
      { period: '2026-09', stars: null, counts: false, reason: 'no service rating' },
      { period: '2026-10', stars: 4.46, counts: false, reason: '4.46 < 4.8 stars' },
    ],
    run_length: 0,
    qualifies: false,
    amount_cents: 0,
  },
  project_bonus: [
    {
      pool: '618-launch',
      label: null,
      pool_cents: 1000000,
      share: 2,
      normalised_share: 0.666667,
      amount_cents: 666667,
    },
  ],
  total_cents: 1316667,
  complete: true,
  warnings: [],
};
const examplePreview = {
  id: '6f1c1f4e-0d1a-4b6a-9a51-2f0c7d1e9b10',
  created_at: '2026-11-02T08:00:00.000Z',
  created_by: 'k_3f9a2c',
  request: {
    period: '2026-10',
    role: 'cs_agent',
    pools: [
      {
        id: '618-launch',
        pool_cents: 1000000,
        shares: [
          { employee_id: 'E0003', share: 2 },
          { employee_id: 'E0006', share: 1 },
        ],
      },
    ],
  },
  period: '2026-10',
  rounding: 'each line rounded to the cent, half up; component, person and pool totals are sums of their lines',
  payouts: [examplePayout],
  unplanned: [],
  totals: { people: 1, total_cents: 1316667, incomplete: 0 },
};

const incentiveRoutes: FastifyPluginAsyncZod = async (app) => {
  const { appraisal } = app.services;

  app.post(
    '/incentive-plans',
    route({
      operationId: 'saveIncentivePlan',
      tags: ['incentives'],
      summary:
        'Save a version of a commission plan (base pay + tier table on attainment, star allowance); versions never change',
      description:
        'The same id and version again with the same content answers 200 (a retry); with other content 409 — a change is a new version. A person is paid by their role’s plan with the latest effective_from not after the period’s first month, highest version first. Field shapes are a 400 naming the field (body.…); the rules between fields (tiers contiguous from 0 %, a rise only after a rate, floor ≤ cap) a 422 `invalid_plan` with each field.',
      access: HR,
      body: planBody,
      response: { 200: storedPlan, 201: storedPlan },
      errors: [409, 422],
      example: { body: examplePlan, response: examplePlanStored },
    }),
    async (request, reply) => {
      const { plan, created } = await appraisal.savePlan(request.body, request.apiKey?.id ?? null);
      return reply.status(created ? 201 : 200).send(plan);
    },
  );

  app.get(
    '/incentive-plans',
    route({
      operationId: 'listIncentivePlans',
      tags: ['incentives'],
      summary: 'Commission plans, every version, by role and effective month',
      access: HR,
      query: { role: z.string().optional() },
      response: { 200: z.array(storedPlan) },
      example: { query: { role: 'cs_agent' }, response: [examplePlanStored] },
    }),
    async (request) => appraisal.plans(request.query),
  );

  app.get(
    '/incentive-plans/:id',
    route({
      operationId: 'getIncentivePlan',
      tags: ['incentives'],
      summary: 'One plan: its latest version, or the version asked for',
      access: HR,
      params: { id: z.string().max(128) },
      query: {
        version: z
          .string()
          .regex(/^\d{1,9}$/, 'expected a whole number')
          .transform(Number)
          .optional()
          .describe('a version number (default the latest)'),
      },
      response: { 200: storedPlan },
      example: { params: { id: 'cs-2026' }, query: { version: '1' }, response: examplePlanStored },
    }),
    async (request) => appraisal.plan(request.params.id, request.query.version),
  );

  app.post(
    '/payouts/preview',
    route({
      operationId: 'previewPayouts',
      tags: ['incentives'],
      summary:
        "Evaluate every person's payout of a period from its KPI inputs, every step shown (tiers, slices, rates, caps, star allowance, pool parts); stored for export",
      description:
        'Amounts in integer cents; each line is rounded to the cent (half up) and every total is the sum of the lines shown. A component whose inputs are missing is marked missing_data, left out, and the payout says complete: false. The star allowance reads the stored monthly service ratings.',
      access: HR,
      body: previewRequest,
      response: { 201: preview },
      errors: [404, 409, 422],
      example: { body: examplePreview.request, response: examplePreview },
    }),
    async (request, reply) =>
      reply.status(201).send(await appraisal.previewPayouts(request.body, request.apiKey?.id ?? null)),
  );

  app.get(
    '/payouts/previews/:id',
    route({
      operationId: 'getPayoutPreview',
      tags: ['incentives'],
      summary: 'A stored payout preview, as it was evaluated',
      access: HR,
      params: { id: z.string().max(64) },
      response: { 200: preview },
      example: { params: { id: examplePreview.id }, response: examplePreview },
    }),
    async (request) => appraisal.preview(request.params.id),
  );

  app.get(
    '/payouts/previews/:id/export',
    route({
      operationId: 'exportPayoutPreview',
      tags: ['incentives'],
      summary:
        'A stored payout preview as the payroll file: one row per person (base pay, commission, cap, star allowance, project bonus, total in currency units)',
      description:
        'CSV is UTF-8 with a BOM (Excel reads Chinese text right), RFC 4180 quoting, cells a spreadsheet would run as a formula prefixed with an apostrophe; XLSX is one sheet.',
      access: HR,
      params: { id: z.string().max(64) },
      query: { format: z.enum(['csv', 'xlsx']).default('csv') },
      response: {
        200: {
          description: 'the payroll file',
          content: {
            'text/csv': { schema: z.string() },
            [XLSX_TYPE]: { schema: z.string().meta({ format: 'binary' }) },
          },
        },
      },
      example: {
        params: { id: examplePreview.id },
        query: { format: 'csv' },
        response:
          '\uFEFFperiod,employee_id,role,plan_id,plan_version,currency,base_pay,commission,variable_cap_adjustment,star_allowance,project_bonus,total,complete,warnings\r\n2026-10,E0003,cs_agent,cs-2026,1,CNY,6000,500,0,0,6666.67,13166.67,TRUE,\r\n',
      },
    }),
    async (request, reply) => {
      const file = await appraisal.exportPreview(request.params.id, request.query.format);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.body as string); // an XLSX is a Buffer: sent as it is, the schema only documents it
    },
  );
};

export default incentiveRoutes;
