/**
 * A/B comparisons on stored history (issue 17 §3): the request (two target policies — quantile choices
 * or two baseline model versions — or two weight profiles), the person-period rows each policy gives
 * over a run of past periods, and the `ab_compare` job that turns them into the report
 * (`comparePolicies`, ab.ts) and stores it in ab_comparisons.
 */
import { z } from 'zod';
import type { Db, Queryable } from '../db/types.js';
import { INDICATOR_GROUPS, type IndicatorGroup } from '../history/catalogue.js';
import { parsePeriod, type Period, type PeriodKind, shiftPeriod } from '../history/period.js';
import { parseJobData, type Processor, UnrecoverableJobError } from '../jobs/types.js';
import { ATTAINMENT_CAP, kpiInputs } from '../kpi/inputs.js';
import { activeModel, modelVersion, type ActiveModel } from '../kpi/models.js';
import { attainment, quantileAt } from '../kpi/quantiles.js';
import { scopeId, type ScopeKey } from '../kpi/series.js';
import { assertRole, type Forecaster, metricInfo, scopeTargets, TargetError, type MetricInfo } from '../kpi/targets.js';
import { composite, DEFAULT_WEIGHTS, listProfiles, type Weights } from '../kpi/weights.js';
import { DomainError, NotFoundError } from '../lib/errors.js';
import { computeFor, openCompute, type Compute } from '../jobs/compute.js';
import { threadForecaster } from '../jobs/compute-forecaster.js';
import type { HistoryRow, PolicyComparison } from './ab.js';
import { finishComparison, getComparison, peopleOfRole } from './ab-store.js';
import { getCycle } from './cycles-store.js';

const quantile = z.number().gt(0).lt(1);

export const policySchema = z
  .object({
    name: z.string().min(1).max(80).optional().describe('shown in the report (default: derived from the policy)'),
    target: quantile
      .optional()
      .describe(
        'quantiles: the target line as a quantile of the predictive distribution (0.7 = P70; mirrored when lower is better)',
      ),
    floor: quantile.optional().describe('quantiles: the warning line (default 0.1, mirrored likewise)'),
    model_version: z.string().min(1).max(200).optional().describe('models: a baseline model version id of the scope'),
    profile: z.string().min(1).max(128).optional().describe('weights: a weight profile id'),
  })
  .strict();

export const comparisonRequestSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/)
      .optional()
      .describe('your id for the comparison: the same id again answers the first one (default: a hash of the request)'),
    kind: z.enum(['quantiles', 'models', 'weights']),
    role: z.string().min(1).max(128),
    metric: z.string().min(1).max(128).optional().describe('quantiles and models: the metric'),
    period_kind: z
      .enum(['week', 'month', 'quarter'])
      .optional()
      .describe("default: the role's declared cycle (tracked for targets, appraised for weights)"),
    from: z.string().min(1).max(16).describe('first period of the history, e.g. 2025-Q1'),
    to: z.string().min(1).max(16).describe('last period of the history'),
    a: policySchema,
    b: policySchema,
    split: z
      .object({
        groups: z
          .record(z.string().min(1).max(128), z.enum(['a', 'b']))
          .describe('employee id → the policy they really worked under'),
      })
      .strict()
      .optional(),
    options: z
      .object({
        threshold: z.number().gt(0).max(10).optional().describe('attainment that counts as on target (default 1)'),
        level: z.number().gt(0.5).lt(1).optional().describe('interval level (default 0.95)'),
        permutations: z.number().int().min(100).max(20_000).optional(),
        seed: z.number().int().optional(),
        min_people: z.number().int().min(1).max(1000).optional(),
        warning_below: z
          .number()
          .gt(0)
          .max(10)
          .optional()
          .describe('weights: the composite attainment under which the warning line fires (default 0.8)'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ComparisonRequest = z.infer<typeof comparisonRequestSchema>;
export type Policy = z.infer<typeof policySchema>;

/** At most this many periods of history per comparison. */
export const MAX_AB_PERIODS = 120;
/** The job kind. */
export const AB_COMPARE = 'ab_compare';

const bad = (field: string, message: string) => new DomainError('unprocessable', `${field}: ${message}`, { field });

export interface ResolvedRequest {
  request: ComparisonRequest;
  kind: PeriodKind;
  periods: Period[];
}

/**
 * Checks a request against the catalogue (role, metric, versions of the scope, profiles) and resolves
 * its period kind from the role's declared cycle; every refusal names its field.
 */
export async function resolveRequest(db: Queryable, request: ComparisonRequest): Promise<ResolvedRequest> {
  await assertRole(db, request.role).catch((e: unknown) => {
    throw e instanceof DomainError ? bad('role', e.message) : e;
  });
  const cycle = await getCycle(db, request.role);
  const from = parsePeriod(request.from);
  const to = parsePeriod(request.to);
  if (!from) throw bad('from', `'${request.from}' is not a week, month or quarter`);
  if (!to) throw bad('to', `'${request.to}' is not a week, month or quarter`);
  const kind: PeriodKind =
    request.period_kind ?? (request.kind === 'weights' ? cycle.appraised : cycle.tracked) ?? from.kind;
  if (from.kind !== kind)
    throw bad('from', `${from.id} is a ${from.kind}; role ${request.role} is compared by ${kind} (its cycle)`);
  if (to.kind !== kind) throw bad('to', `${to.id} is a ${to.kind}; role ${request.role} is compared by ${kind}`);
  if (to.start < from.start) throw bad('to', `${to.id} is before ${from.id}`);
  const periods: Period[] = [];
  for (let p: Period = from; p.start <= to.start; p = shiftPeriod(p, 1)) {
    periods.push(p);
    if (periods.length > MAX_AB_PERIODS) throw bad('to', `more than ${MAX_AB_PERIODS} periods from ${from.id}`);
  }
  for (const side of ['a', 'b'] as const) {
    const p = request[side];
    const need = request.kind === 'quantiles' ? 'target' : request.kind === 'models' ? 'model_version' : 'profile';
    if (p[need] === undefined) throw bad(`${side}.${need}`, `a ${request.kind} comparison needs ${need}`);
    for (const other of ['target', 'floor', 'model_version', 'profile'] as const)
      if (other !== need && !(other === 'floor' && need === 'target') && p[other] !== undefined)
        throw bad(`${side}.${other}`, `not used by a ${request.kind} comparison`);
    if (p.floor !== undefined && p.target !== undefined && p.floor >= p.target)
      throw bad(`${side}.floor`, `the warning line (${p.floor}) must be below the target (${p.target})`);
  }
  if (request.kind !== 'weights') {
    if (!request.metric) throw bad('metric', `a ${request.kind} comparison needs a metric`);
    await metricInfo(db, request.metric).catch((e: unknown) => {
      throw e instanceof DomainError ? bad('metric', e.message) : e;
    });
  } else if (request.metric !== undefined) throw bad('metric', 'not used by a weights comparison');
  if (request.kind === 'models') {
    const scope = scopeId({ role: request.role, metric: request.metric!, kind });
    for (const side of ['a', 'b'] as const) {
      const v = await modelVersion(db, request[side].model_version!);
      if (!v) throw bad(`${side}.model_version`, `no baseline model version '${request[side].model_version}'`);
      if (v.version.scope !== scope)
        throw bad(`${side}.model_version`, `version ${v.version.id} belongs to ${v.version.scope}, not ${scope}`);
    }
  }
  if (request.kind === 'weights') {
    const known = await weightsById(db);
    for (const side of ['a', 'b'] as const)
      if (!known.has(request[side].profile!))
        throw bad(`${side}.profile`, `no weight profile '${request[side].profile}'`);
  }
  return { request, kind, periods };
}

async function weightsById(db: Queryable): Promise<Map<string, Weights>> {
  const out = new Map<string, Weights>(Object.entries(DEFAULT_WEIGHTS));
  for (const p of await listProfiles(db))
    out.set(p.id, {
      sales: p.sales,
      efficiency: p.efficiency,
      customer_experience: p.customer_experience,
      innovation: p.innovation,
    });
  return out;
}

const MONTH_MS = 30.4375 * 86_400_000;

export function policyName(kind: ComparisonRequest['kind'], p: Policy): string {
  if (p.name) return p.name;
  if (kind === 'quantiles') return `target P${Math.round(p.target! * 1000) / 10}`;
  return kind === 'models' ? `model ${p.model_version}` : `profile ${p.profile}`;
}

/** The person-period rows of both policies over the request's periods (the job's work). */
export async function historyRows(
  db: Queryable,
  resolved: ResolvedRequest,
  onPeriod?: (done: number, total: number) => Promise<void>,
  forecaster?: Forecaster,
): Promise<{ a: HistoryRow[]; b: HistoryRow[]; notes: string[] }> {
  const { request, kind, periods } = resolved;
  const people = await peopleOfRole(db, request.role);
  const notes: string[] = [];
  const base = (id: string, p: Period): Omit<HistoryRow, 'attainment' | 'below_floor'> => {
    const e = people.get(id);
    const hired = e?.hire_date ? Date.parse(`${e.hire_date}T00:00:00Z`) : null;
    return {
      employee_id: id,
      period: p.id,
      role: e?.role ?? request.role,
      team: e?.team ?? null,
      tenure_months: hired === null ? null : Math.max(0, (Date.parse(`${p.end}T00:00:00Z`) - hired) / MONTH_MS),
    };
  };
  const a: HistoryRow[] = [];
  const b: HistoryRow[] = [];
  if (request.kind === 'weights') {
    const weights = await weightsById(db);
    const wa = weights.get(request.a.profile!)!;
    const wb = weights.get(request.b.profile!)!;
    const line = request.options?.warning_below ?? 0.8;
    for (const [i, p] of periods.entries()) {
      const inputs = await kpiInputs(db, p.id, { role: request.role });
      for (const person of inputs.people) {
        const att = {} as Record<IndicatorGroup, number | null>;
        for (const g of INDICATOR_GROUPS) {
          const xs = person.metrics
            .filter((m) => m.indicator_group === g && m.attainment !== null)
            .map((m) => Math.min(ATTAINMENT_CAP, m.attainment!));
          att[g] = xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
        }
        for (const [rows, w] of [
          [a, wa],
          [b, wb],
        ] as const) {
          const c = composite(att, w);
          rows.push({ ...base(person.employee_id, p), attainment: c, below_floor: c === null ? null : c < line });
        }
      }
      await onPeriod?.(i + 1, periods.length);
    }
    notes.push(
      `weights: attainment is the weighted composite of the groups' mean attainments (each metric capped at ${ATTAINMENT_CAP}); the warning line fires below ${line}`,
    );
    return { a, b, notes };
  }
  const metric = await metricInfo(db, request.metric!);
  const key: ScopeKey = { role: request.role, metric: request.metric!, kind };
  const modelOf = async (p: Policy): Promise<ActiveModel | null> =>
    request.kind === 'models' ? modelVersion(db, p.model_version!) : activeModel(db, key);
  const ma = await modelOf(request.a);
  const mb = await modelOf(request.b);
  if (!ma || !mb)
    throw new TargetError(
      'no_model',
      `no active baseline model for ${scopeId(key)}; train one with POST /v1/baselines/train`,
    );
  let skipped = 0;
  for (const [i, p] of periods.entries()) {
    for (const [rows, policy, model] of [
      [a, request.a, ma],
      [b, request.b, mb],
    ] as const) {
      let answer: Awaited<ReturnType<typeof scopeTargets>>;
      try {
        answer = await scopeTargets(db, key, p, { metric, active: model, ...(forecaster ? { forecaster } : {}) });
      } catch (e) {
        if (!(e instanceof TargetError)) throw e;
        if (rows === a) skipped++;
        continue;
      }
      for (const person of answer.people) {
        if (person.actual === null) continue;
        rows.push({ ...base(person.employee_id, p), ...linesOf(metric, policy, person) });
      }
    }
    await onPeriod?.(i + 1, periods.length);
  }
  if (skipped > 0) notes.push(`${skipped} period(s) without targets (no history before them, or too far ahead)`);
  if (request.kind === 'quantiles')
    notes.push('quantiles: both policies read the same active model; only the quantile behind the lines differs');
  else notes.push('models: each policy reads its own model version with the stated lines (target P70, floor P10)');
  return { a, b, notes };
}

/** Attainment and warning of one person-period under a policy, from the person's predictive quantiles. */
function linesOf(
  metric: MetricInfo,
  policy: Policy,
  person: {
    quantiles: Record<string, number>;
    actual: number | null;
    attainment: number | null;
    below_floor: boolean | null;
  },
): { attainment: number | null; below_floor: boolean | null } {
  if (policy.target === undefined) return { attainment: person.attainment, below_floor: person.below_floor };
  const entries = Object.entries(person.quantiles)
    .map(([k, v]) => [Number(k.slice(1)) / 100, v] as const)
    .sort((x, y) => x[0] - y[0]);
  const levels = entries.map(([l]) => l);
  const values = entries.map(([, v]) => v);
  const at = (q: number) => quantileAt(levels, values, metric.direction === 'higher' ? q : 1 - q);
  const target = at(policy.target);
  const floor = at(policy.floor ?? 0.1);
  const actual = person.actual!;
  return {
    attainment: attainment(actual, target, metric.direction),
    below_floor: metric.direction === 'higher' ? actual < floor : actual > floor,
  };
}

export type AbReport = PolicyComparison & { request: ComparisonRequest; period_kind: PeriodKind; periods: string[] };

/**
 * Builds the report of a resolved request. With `compute` (the job's thread) the targets' forecasts and
 * the report's statistics are computed there; the rows are read here, between turns of the event loop.
 */
export async function compareOnHistory(
  db: Queryable,
  resolved: ResolvedRequest,
  onPeriod?: (done: number, total: number) => Promise<void>,
  compute: Compute = openCompute({ threads: false }),
): Promise<AbReport> {
  const { request } = resolved;
  const rows = await historyRows(db, resolved, onPeriod, threadForecaster(compute));
  if (rows.a.length === 0 || rows.b.length === 0)
    throw new DomainError(
      'unprocessable',
      `no person-period with an actual and a target between ${request.from} and ${request.to}`,
      { field: 'from' },
    );
  const o = request.options ?? {};
  const report = await compute.run('abCompare', {
    a: { name: policyName(request.kind, request.a), rows: rows.a },
    b: { name: policyName(request.kind, request.b), rows: rows.b },
    ...(request.split ? { split: { groups: new Map(Object.entries(request.split.groups)) } } : {}),
    options: {
      ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
      ...(o.level !== undefined ? { level: o.level } : {}),
      ...(o.permutations !== undefined ? { permutations: o.permutations } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.min_people !== undefined ? { minPeople: o.min_people } : {}),
    },
  });
  return {
    request,
    period_kind: resolved.kind,
    periods: resolved.periods.map((p) => p.id),
    ...report,
    notes: [...rows.notes, ...report.notes],
  };
}

export const abCompareData = z.object({ comparison_id: z.string().min(1).max(128) }).strict();

/** Job `ab_compare`: computes a stored comparison's report. Idempotent (the same report again). */
export const abCompareProcessor: Processor<z.infer<typeof abCompareData>, { comparison_id: string }> = async (
  raw,
  ctx,
) => {
  const id = parseJobData('ab_compare', abCompareData, raw).comparison_id;
  const db: Db = ctx.deps.db;
  const stored = await getComparison(db, id);
  if (!stored) throw new UnrecoverableJobError(`no comparison ${id}`);
  if (stored.state === 'completed') return { comparison_id: id };
  await finishComparison(db, id, { state: 'active' });
  const compute = computeFor(ctx, { eager: true });
  try {
    const resolved = await resolveRequest(db, comparisonRequestSchema.parse(stored.request));
    const report = await compareOnHistory(
      db,
      resolved,
      async (done, total) => {
        await ctx.progress((100 * done) / total, `history ${done}/${total}`);
        await turn(); // PGlite's statements settle at once: let requests in between the periods
      },
      compute,
    );
    await finishComparison(db, id, { state: 'completed', report });
  } catch (e) {
    if (e instanceof DomainError || e instanceof NotFoundError) {
      await finishComparison(db, id, { state: 'failed', error: e.message });
      throw new UnrecoverableJobError(e.message);
    }
    throw e;
  } finally {
    compute.close();
  }
  return { comparison_id: id };
};

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
