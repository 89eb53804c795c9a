/**
 * Response schemas of the targets, override, weight-profile and KPI-input routes, as the JSON a client receives (dates as
 * ISO strings). They document the answers in OpenAPI and the route tests parse every answer with
 * them (test/kpi/routes.test.ts), but the routes serialise with plain JSON.stringify (`plain: true` in src/routes/define.ts):
 * an answer for 10,000 people is large, and validating it again on every request bought nothing
 * the tests do not already check.
 */
import { z } from 'zod';
import { INDICATOR_GROUPS, type IndicatorGroup } from '../history/catalogue.js';

const num = z.number();
const maybe = num.nullable();
const group = z.enum(INDICATOR_GROUPS as [IndicatorGroup, ...IndicatorGroup[]]);
/** one value per indicator group */
const byGroup = <T extends z.ZodType>(v: T) =>
  z.object({ sales: v, efficiency: v, customer_experience: v, innovation: v });
const direction = z.enum(['higher', 'lower']).describe('which way is better');
const periodKind = z.enum(['week', 'month', 'quarter', 'year']);
/** a Date in the handler, an ISO string on the wire */
const timestamp = z.union([z.date(), z.iso.datetime()]).describe('ISO timestamp');
const lines = <T extends z.ZodType>(v: T) => z.object({ floor: v, baseline: v, target: v, stretch: v });

const unavailable = z
  .array(z.object({ metric: z.string(), code: z.string(), reason: z.string() }))
  .describe('metrics with an active model that could not be answered for this period, and why');

export const appliedOverride = z.object({
  value: num,
  reason: z.string(),
  set_by: z.string().nullable(),
  set_at: timestamp,
  level: z
    .enum(['person', 'role'])
    .describe("'role': a role-wide override (employee_id '*') applied to everyone without a personal one"),
});

export const personTarget = z.object({
  employee_id: z.string(),
  cold_start: z.boolean().describe('forecast from the role’s distribution: little or no history'),
  floor: num.describe('the warning line'),
  baseline: num,
  target: num.describe('the override where HR set one, else the suggested target'),
  stretch: num,
  suggested_target: num,
  override: appliedOverride.nullable(),
  interval80: z.tuple([num, num]),
  interval95: z.tuple([num, num]),
  quantiles: z.record(z.string(), num).describe('every quantile of the model, P2.5 … P97.5'),
  drivers: z
    .object({ level: num, trend: num, seasonality: num, promotion: num, other: num })
    .describe('additive reasons of the baseline (P50)'),
  actual: maybe,
  attainment: maybe.describe('direction-aware actual ÷ target'),
  percentile: maybe.describe('P(Y ≤ actual) under the predictive distribution'),
  below_floor: z.boolean().nullable(),
});

const targetsHead = {
  role: z.string(),
  metric: z.string(),
  period: z.string(),
  period_kind: periodKind,
  direction,
  indicator_group: group,
  unit: z.string(),
  model_version: z.string(),
  data_through: z.string().describe('last period of history the forecasts use'),
  periods_ahead: z.number().int(),
  promotion_period: z.boolean(),
  quantiles_used: lines(z.string()).describe('the stated quantile behind each line, e.g. floor P10'),
  coverage: z
    .object({ nominal80: num, measured80: maybe, nominal95: num, measured95: maybe })
    .describe('backtest coverage measured with the model'),
};

export const targetsAnswer = z.object({
  ...targetsHead,
  summary: z.object({
    people: z.number().int(),
    cold_start: z.number().int(),
    with_actual: z.number().int(),
    below_floor: z.number().int(),
    overridden: z.number().int(),
    median: lines(maybe),
  }),
  people: z.array(personTarget),
});

/** How an answer of a closed role and period is marked: it comes from the snapshot (src/periods). */
export const closedMark = z
  .object({
    role: z.string(),
    version: z.number().int().describe('the snapshot version (GET /v1/periods/{role}/{period}/snapshot?version=)'),
    closed_by: z.string().nullable().describe('the API key id that closed it'),
    closed_at: z.string(),
  })
  .meta({ id: 'ClosedMark', description: 'The answer comes from the snapshot of a closed period.' });
const closedFields = {
  closed: closedMark.optional().describe('present when the role and period are closed: the answer is its snapshot'),
  closed_roles: z
    .array(closedMark)
    .optional()
    .describe('without a role filter: the roles closed in the period, whose people come from their snapshots'),
};
export { closedFields };

export const roleTargets = z.object({
  closed: closedFields.closed,
  role: z.string(),
  period: z.string(),
  total: z.number().int().describe('people in the answer before paging'),
  limit: z.number().int(),
  offset: z.number().int(),
  metrics: z.array(targetsAnswer),
  unavailable,
});

export const personTargets = z.object({
  closed: closedFields.closed,
  employee_id: z.string(),
  role: z.string(),
  period: z.string(),
  metrics: z.array(z.object({ ...targetsHead, person: personTarget.nullable(), note: z.string().optional() })),
  unavailable,
});

const serviceRating = z
  .object({
    score: maybe,
    stars: maybe,
    posterior_mean: maybe,
    interval: z.object({ level: num, low: maybe, high: maybe }),
    n: num,
    insufficient_evidence: z.boolean(),
    negative_response_24h_rate: maybe,
    rating_model: z.string(),
  })
  .nullable()
  .describe('the agent’s service-ability rating of the period, where one is stored');

/** The calibrated 360° score of the period (GET /v1/360/scores), where the period has 360° ratings. */
const feedback360 = z
  .object({
    score: maybe.describe('0–100, rater leniency taken out'),
    interval: z.object({ level: num, low: num, high: num }).nullable(),
    reliability: maybe,
    raw_mean: maybe,
    n: num,
    n_raters: num,
    self_score: maybe,
  })
  .nullable()
  .describe('the calibrated 360° feedback score of the period, where 360° ratings are stored (else null)');

const composite = z.object({ score: maybe, attainment: maybe });
const weights = byGroup(num);

export const kpiInputs = z.object({
  ...closedFields,
  period: z.string(),
  period_kind: periodKind,
  weight_profile: z.object({ id: z.string(), name: z.string(), chosen_by: z.enum(['pinned', 'calendar']), weights }),
  composite_method: z.string(),
  service_ratings: z.string(),
  models: z.array(z.object({ scope: z.string(), version: z.string(), coverage80: maybe, coverage95: maybe })),
  total: z.number().int().describe('people in the answer before paging'),
  limit: z.number().int(),
  offset: z.number().int(),
  people: z.array(
    z.object({
      employee_id: z.string(),
      role: z.string(),
      metrics: z.array(
        z.object({
          metric: z.string(),
          indicator_group: group,
          direction,
          period_kind: periodKind,
          from: z
            .enum(['period', 'months', 'weeks'])
            .describe(
              "'months': the mean over the quarter's months; 'weeks': the mean over the weeks of a role tracked weekly",
            ),
          actual: maybe,
          baseline: maybe,
          target: maybe,
          floor: maybe,
          stretch: maybe,
          attainment: maybe,
          percentile: maybe,
          score: maybe.describe('direction-aware percentile × 100: 50 = as expected'),
          below_floor: z.boolean().nullable(),
          cold_start: z.boolean().nullable(),
          model_version: z.string().nullable(),
          coverage80: maybe,
          note: z.string().optional(),
        }),
      ),
      group_scores: byGroup(maybe),
      service_rating: serviceRating,
      feedback_360: feedback360,
      composite,
    }),
  ),
});

export const annualInputs = z.object({
  period: z.string(),
  period_kind: z.literal('year'),
  composite_method: z.string(),
  quarters: z.array(z.object({ period: z.string(), weight_profile: z.string(), people: z.number().int() })),
  total: z.number().int().describe('people in the answer before paging'),
  limit: z.number().int(),
  offset: z.number().int(),
  people: z.array(
    z.object({
      employee_id: z.string(),
      role: z.string(),
      quarters: z.array(z.object({ period: z.string(), score: maybe, attainment: maybe, days: num })),
      composite,
      service_rating: serviceRating,
    }),
  ),
});

export const storedOverride = z.object({
  role_id: z.string(),
  metric_id: z.string(),
  period: z.string(),
  employee_id: z.string().describe("an employee, or '*' for the whole role"),
  value: num,
  reason: z.string(),
  set_by: z.string().nullable().describe('the API key id that set it'),
  set_at: timestamp,
});

export const auditEntry = z.object({
  id: num,
  role_id: z.string(),
  metric_id: z.string(),
  period: z.string(),
  employee_id: z.string(),
  action: z.enum(['set', 'clear']),
  before_value: maybe,
  after_value: maybe,
  suggested: maybe.describe('the suggested target when the change was made'),
  model_version: z.string().nullable(),
  reason: z.string(),
  actor: z.string().nullable().describe('the API key id'),
  at: timestamp,
});

export const weightProfile = weights.extend({
  id: z.string(),
  name: z.string(),
  updated_by: z.string().nullable(),
  updated_at: timestamp,
});

export const periodProfile = z.object({
  period: z.string(),
  profile: weightProfile,
  chosen_by: z.enum(['pinned', 'calendar']).describe("'pinned' by HR for this period, else chosen from the calendar"),
});

/** An override waiting for (or decided by) a second HR key (maker–checker, src/periods). */
export const overrideRequest = z
  .object({
    id: z.number().int(),
    role_id: z.string(),
    metric_id: z.string(),
    period: z.string(),
    employee_id: z.string().describe("an employee, or '*' for the whole role"),
    value: num,
    reason: z.string(),
    suggested: maybe.describe('the suggested target when it was requested'),
    model_version: z.string().nullable(),
    why: z.string().describe('why it needs a second approver'),
    state: z.enum(['pending', 'approved', 'rejected']),
    requested_by: z.string().nullable().describe('the API key id of the maker'),
    requested_at: timestamp,
    decided_by: z.string().nullable().describe('the API key id of the checker'),
    decided_at: timestamp.nullable(),
    decision_reason: z.string().nullable(),
  })
  .meta({ id: 'OverrideRequest' });

/** A snapshot of a closed (or reopened) role and period, without its frozen answers. */
export const snapshotMeta = z
  .object({
    role_id: z.string(),
    period: z.string(),
    version: z.number().int(),
    state: z.enum(['closed', 'reopened']),
    closed_by: z.string().nullable(),
    closed_at: timestamp,
    reason: z.string().nullable(),
    reopened_by: z.string().nullable(),
    reopened_at: timestamp.nullable(),
    reopen_reason: z.string().nullable(),
    within: z
      .string()
      .nullable()
      .describe(
        'the quarter whose close froze this month with it (reopened with that quarter only); null: closed on its own',
      ),
    data_version: z.string().describe('the data version (read_changes) the snapshot was computed at'),
    fingerprint: z.string().describe('sha256 over the training data state, the active models and the parts’ hashes'),
    models: z.record(z.string(), z.string()).describe('the active model versions, kind/scope → id'),
    hashes: z
      .record(z.string(), z.string())
      .describe('sha256 of each frozen answer’s JSON text (kpi_inputs, targets, ratings, weight_profile)'),
  })
  .meta({ id: 'PeriodSnapshot' });
