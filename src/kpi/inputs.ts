/**
 * Adjusted KPI inputs for scoring systems: per person and period, each metric's actual,
 * calibrated baseline, target, attainment and the percentile of the actual within the predictive
 * distribution, the period's weight profile and a reference composite.
 *
 * Cycles: a week or a month uses the metrics recorded for that period kind; a quarter uses the
 * quarterly metrics plus the monthly ones averaged over its three months (attainment, percentile);
 * for a role tracked weekly (its declared cycle), a month or quarter also takes the weekly metrics it
 * does not record itself, averaged over its weeks;
 * a year (`2026`) is the mean of its quarters' composites weighted by their days.
 */
import type { Queryable } from '../db/types.js';
import { INDICATOR_GROUPS, type IndicatorGroup } from '../history/catalogue.js';
import type { Period, PeriodKind } from '../history/period.js';
import { roleCycles } from '../appraisal/cycles-store.js';
import { parsePeriod, periodOf } from '../history/period.js';
import { listRatings } from '../ratings/index.js';
import { monthsOf, parseYear, quartersOf } from './cycles.js';
import type { ScopeKey } from './series.js';
import {
  assertRole,
  metricInfo,
  parseTargetPeriod,
  scopeTargets,
  TargetError,
  type MetricInfo,
  type PersonTarget,
} from './targets.js';
import { composite, profileForPeriod, type Weights } from './weights.js';
import { DAY_MS } from '../lib/time.js';

/** Attainment above this counts as this much in the reference composite. */
export const ATTAINMENT_CAP = 1.5;

export interface MetricInput {
  metric: string;
  indicator_group: IndicatorGroup;
  direction: 'higher' | 'lower';
  period_kind: PeriodKind;
  /** 'period' = recorded for the period itself; 'months' = mean over the quarter's months; 'weeks' = mean over the weeks of a weekly-tracked role. */
  from: 'period' | 'months' | 'weeks';
  actual: number | null;
  baseline: number | null;
  target: number | null;
  floor: number | null;
  stretch: number | null;
  attainment: number | null;
  /** P(Y ≤ actual) under the calibrated predictive distribution (0–1). */
  percentile: number | null;
  /** Direction-aware percentile × 100: 50 = as expected, higher = better. */
  score: number | null;
  below_floor: boolean | null;
  cold_start: boolean | null;
  model_version: string | null;
  coverage80: number | null;
  note?: string;
}

export interface PersonInputs {
  employee_id: string;
  role: string;
  metrics: MetricInput[];
  group_scores: Record<IndicatorGroup, number | null>;
  /** Per-agent service-ability rating of the period, where one is stored (else null). */
  service_rating: ServiceRating | null;
  composite: { score: number | null; attainment: number | null };
}

/** The agent's service-ability rating of the period (src/ratings), as scoring systems need it. */
export interface ServiceRating {
  /** 100 × posterior mean of positive service; 1–5 stars likewise. */
  score: number | null;
  stars: number | null;
  posterior_mean: number | null;
  interval: { level: number; low: number | null; high: number | null };
  /** Attributable reviews behind it, and whether that is below the evidence threshold. */
  n: number;
  insufficient_evidence: boolean;
  negative_response_24h_rate: number | null;
  rating_model: string;
}

/** Ratings of the period (or year) by agent; empty when none are stored. Not part of the composite. */
export async function loadRatings(db: Queryable, period: string, role?: string): Promise<Map<string, ServiceRating>> {
  const { items } = await listRatings(db, { period, ...(role ? { role } : {}), limit: 1_000_000, offset: 0 });
  return new Map(
    items.map((r) => [
      r.agent_id,
      {
        score: r.score,
        stars: r.stars,
        posterior_mean: r.posterior_mean,
        interval: r.interval,
        n: r.n,
        insufficient_evidence: r.insufficient_evidence,
        negative_response_24h_rate: r.sla.negative_response_24h.rate,
        rating_model: r.rating_model,
      },
    ]),
  );
}

export interface KpiInputsAnswer {
  period: string;
  period_kind: PeriodKind;
  weight_profile: { id: string; name: string; chosen_by: 'pinned' | 'calendar'; weights: Weights };
  composite_method: string;
  /** Where service ratings come from, or why they are null. */
  service_ratings: string;
  models: { scope: string; version: string; coverage80: number | null; coverage95: number | null }[];
  /** People with inputs in the period; the page's size and start (people by employee id). */
  total: number;
  limit: number;
  offset: number;
  people: PersonInputs[];
}

/** A page of people (by employee id): everyone unless asked otherwise. */
export interface InputsPage {
  limit: number;
  offset: number;
}
const EVERYONE: InputsPage = { limit: Number.MAX_SAFE_INTEGER, offset: 0 };

export interface AnnualInputsAnswer {
  period: string;
  period_kind: 'year';
  composite_method: string;
  quarters: { period: string; weight_profile: string; people: number }[];
  total: number;
  limit: number;
  offset: number;
  people: {
    employee_id: string;
    role: string;
    quarters: { period: string; score: number | null; attainment: number | null; days: number }[];
    composite: { score: number | null; attainment: number | null };
    service_rating: ServiceRating | null;
  }[];
}

const COMPOSITE_METHOD =
  'score = Σ weight × group score / Σ weight over groups with a score; group score = mean over its metrics of 100 × the direction-aware percentile of the actual; attainment likewise with each metric capped at 1.5';

interface Filter {
  role?: string | undefined;
  employeeId?: string | undefined;
}

async function scopesWithActuals(
  db: Queryable,
  periods: readonly string[],
  f: Filter,
): Promise<{ role: string; metric: string }[]> {
  const r = await db.query<{ role: string; metric: string }>(
    `select distinct e.role_id as role, h.metric_id as metric from kpi_history h join employees e on e.id = h.employee_id
     where h.period = any($1::text[]) and ($2::text is null or e.role_id = $2) and ($3::text is null or h.employee_id = $3) order by 1, 2`,
    [periods, f.role ?? null, f.employeeId ?? null],
  );
  return r.rows;
}

function entryFrom(
  metric: MetricInfo,
  kind: PeriodKind,
  t: PersonTarget | undefined,
  model: { version: string; c80: number | null } | null,
  actual: number | null,
): MetricInput {
  const pct = t?.percentile ?? null;
  return {
    metric: metric.id,
    indicator_group: metric.indicator_group,
    direction: metric.direction,
    period_kind: kind,
    from: 'period',
    actual: t?.actual ?? actual,
    baseline: t?.baseline ?? null,
    target: t?.target ?? null,
    floor: t?.floor ?? null,
    stretch: t?.stretch ?? null,
    attainment: t?.attainment ?? null,
    percentile: pct,
    score: pct === null ? null : 100 * (metric.direction === 'higher' ? pct : 1 - pct),
    below_floor: t?.below_floor ?? null,
    cold_start: t ? t.cold_start : null,
    model_version: model?.version ?? null,
    coverage80: model?.c80 ?? null,
  };
}

/** Inputs of every person with an actual in `period`, per metric, from one period kind. */
async function metricInputs(
  db: Queryable,
  period: Period,
  f: Filter,
  models: KpiInputsAnswer['models'],
): Promise<Map<string, { role: string; metrics: MetricInput[] }>> {
  const out = new Map<string, { role: string; metrics: MetricInput[] }>();
  for (const { role, metric } of await scopesWithActuals(db, [period.id], f)) {
    const key: ScopeKey = { role, metric, kind: period.kind };
    const info = await metricInfo(db, metric);
    let byPerson = new Map<string, PersonTarget>();
    let model: { version: string; c80: number | null } | null = null;
    let note: string | undefined;
    try {
      const t = await scopeTargets(db, key, period, {
        metric: info,
        ...(f.employeeId ? { employeeId: f.employeeId } : {}),
      });
      byPerson = new Map(t.people.map((p) => [p.employee_id, p]));
      model = { version: t.model_version, c80: t.coverage.measured80 };
      if (!models.some((m) => m.version === t.model_version))
        models.push({
          scope: `${role}:${metric}:${period.kind}`,
          version: t.model_version,
          coverage80: t.coverage.measured80,
          coverage95: t.coverage.measured95,
        });
    } catch (err) {
      if (!(err instanceof TargetError)) throw err;
      note = err.message;
    }
    const actuals = await db.query<{ employee_id: string; value: number }>(
      `select h.employee_id, h.value from kpi_history h join employees e on e.id = h.employee_id where e.role_id = $1 and h.metric_id = $2 and h.period = $3 and ($4::text is null or h.employee_id = $4)`,
      [role, metric, period.id, f.employeeId ?? null],
    );
    for (const { employee_id, value } of actuals.rows) {
      const entry = entryFrom(info, period.kind, byPerson.get(employee_id), model, value);
      if (note) entry.note = note;
      else if (!byPerson.has(employee_id)) entry.note = 'no baseline: no recent history before this period';
      let p = out.get(employee_id);
      if (!p) out.set(employee_id, (p = { role, metrics: [] }));
      p.metrics.push(entry);
    }
  }
  return out;
}

const avg = (xs: (number | null)[]): number | null => {
  const ok = xs.filter((v): v is number => v !== null && Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
};

/** The input of a metric a period does not record itself: the mean of its finer periods' inputs, no own values. */
function meanInput(ms: MetricInput[], kind: 'month' | 'week', note: string): MetricInput {
  return {
    ...ms[0]!,
    period_kind: kind,
    from: kind === 'month' ? 'months' : 'weeks',
    actual: null,
    baseline: null,
    target: null,
    floor: null,
    stretch: null,
    attainment: avg(ms.map((m) => m.attainment)),
    percentile: avg(ms.map((m) => m.percentile)),
    score: avg(ms.map((m) => m.score)),
    below_floor: ms.some((m) => m.below_floor === true) ? true : ms.every((m) => m.below_floor === null) ? null : false,
    cold_start: ms.some((m) => m.cold_start === true),
    note,
  };
}

function finish(
  employee_id: string,
  role: string,
  metrics: MetricInput[],
  weights: Weights,
  rating: ServiceRating | null,
): PersonInputs {
  const group_scores = {} as Record<IndicatorGroup, number | null>;
  const group_att = {} as Record<IndicatorGroup, number | null>;
  for (const g of INDICATOR_GROUPS) {
    const ms = metrics.filter((m) => m.indicator_group === g);
    group_scores[g] = avg(ms.map((m) => m.score));
    group_att[g] = avg(ms.map((m) => (m.attainment === null ? null : Math.min(ATTAINMENT_CAP, m.attainment))));
  }
  return {
    employee_id,
    role,
    metrics,
    group_scores,
    service_rating: rating,
    composite: { score: composite(group_scores, weights), attainment: composite(group_att, weights) },
  };
}

/** KPI inputs for a week, month or quarter. */
export async function kpiInputs(
  db: Queryable,
  periodText: string,
  f: Filter = {},
  page: InputsPage = EVERYONE,
): Promise<KpiInputsAnswer> {
  const period = parseTargetPeriod(periodText);
  if (f.role) await assertRole(db, f.role);
  const chosen = await profileForPeriod(db, period);
  const { sales, efficiency, customer_experience, innovation } = chosen.profile;
  const weights: Weights = { sales, efficiency, customer_experience, innovation };
  const models: KpiInputsAnswer['models'] = [];
  const people = await metricInputs(db, period, f, models);

  if (period.kind === 'quarter') {
    // monthly metrics the quarter does not record itself, averaged over its months
    const monthly = new Map<string, MetricInput[]>();
    const roleOf = new Map<string, string>();
    for (const month of monthsOf(period)) {
      for (const [id, p] of await metricInputs(db, month, f, models)) {
        roleOf.set(id, p.role);
        for (const m of p.metrics) {
          const k = `${id}\u0000${m.metric}`;
          monthly.set(k, [...(monthly.get(k) ?? []), m]);
        }
      }
    }
    for (const [k, ms] of monthly) {
      const [id] = k.split('\u0000') as [string];
      let p = people.get(id);
      if (p?.metrics.some((m) => m.metric === ms[0]!.metric)) continue;
      if (!p) people.set(id, (p = { role: roleOf.get(id)!, metrics: [] }));
      const versions = ms.map((m) => m.model_version ?? 'no model').filter((v, i, all) => all.indexOf(v) === i);
      p.metrics.push(meanInput(ms, 'month', `mean over ${ms.length} month(s): ${versions.join(', ')}`));
    }
  }

  if (period.kind !== 'week') await fillFromWeeks(db, period, f, models, people);

  const ratings = await loadRatings(db, period.id, f.role);
  return {
    period: period.id,
    period_kind: period.kind,
    service_ratings:
      ratings.size > 0
        ? 'per-agent service-ability ratings of the period (src/ratings); reported, not part of the composite'
        : 'none stored for this period (null)',
    weight_profile: { id: chosen.profile.id, name: chosen.profile.name, chosen_by: chosen.chosen_by, weights },
    composite_method: COMPOSITE_METHOD,
    models,
    total: people.size,
    limit: page.limit,
    offset: page.offset,
    people: [...people.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(page.offset, page.offset + page.limit)
      .map(([id, p]) => finish(id, p.role, p.metrics, weights, ratings.get(id) ?? null)),
  };
}

/** The ISO weeks that belong to a month or quarter: those whose Thursday falls in it. */
export function weeksOf(p: Period): Period[] {
  const out: Period[] = [];
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
  for (let t = day(p.start); t <= day(p.end); t += DAY_MS) {
    const d = new Date(t);
    if (d.getUTCDay() === 4) out.push(periodOf(d, 'week'));
  }
  return out;
}

/**
 * The declared cycles at work: for the people of a role tracked weekly (role_cycles, else roles.cycle),
 * a metric the month or quarter does not record itself (nor its months) is the mean over the weeks
 * whose Thursday falls in it — a sales role tracked weekly and appraised monthly gets monthly inputs.
 */
async function fillFromWeeks(
  db: Queryable,
  period: Period,
  f: Filter,
  models: KpiInputsAnswer['models'],
  people: Map<string, { role: string; metrics: MetricInput[] }>,
): Promise<void> {
  const weekly = [...(await roleCycles(db))]
    .filter(([role, c]) => c.tracked === 'week' && (f.role === undefined || f.role === role))
    .map(([role]) => role);
  const weeks = weeksOf(period);
  for (const role of weekly) {
    // only when someone of the role has a weekly metric the period does not hold already
    const recorded = await db.query<{ employee_id: string; metric_id: string }>(
      `select distinct h.employee_id, h.metric_id from kpi_history h join employees e on e.id = h.employee_id
       where e.role_id = $1 and h.period = any($2::text[]) and ($3::text is null or h.employee_id = $3)`,
      [role, weeks.map((w) => w.id), f.employeeId ?? null],
    );
    const missing = recorded.rows.some(
      (r) => !people.get(r.employee_id)?.metrics.some((m) => m.metric === r.metric_id),
    );
    if (!missing) continue;
    const byMetric = new Map<string, MetricInput[]>();
    for (const week of weeks) {
      for (const [id, p] of await metricInputs(db, parsePeriod(week.id)!, { ...f, role }, models)) {
        for (const m of p.metrics) {
          const k = `${id}\u0000${m.metric}`;
          byMetric.set(k, [...(byMetric.get(k) ?? []), m]);
        }
      }
    }
    for (const [k, ms] of byMetric) {
      const [id] = k.split('\u0000') as [string];
      let p = people.get(id);
      if (p?.metrics.some((m) => m.metric === ms[0]!.metric)) continue;
      if (!p) people.set(id, (p = { role, metrics: [] }));
      p.metrics.push(meanInput(ms, 'week', `mean over ${ms.length} week(s) (role ${role} is tracked weekly)`));
    }
  }
}

const daysOf = (p: Period) =>
  Math.round((Date.parse(`${p.end}T00:00:00Z`) - Date.parse(`${p.start}T00:00:00Z`)) / DAY_MS) + 1;

/** Annual inputs: each person's quarterly composites and their mean weighted by the quarters' days. */
export async function annualInputs(
  db: Queryable,
  yearText: string,
  f: Filter = {},
  page: InputsPage = EVERYONE,
  /** How a quarter is read (the service answers the roles closed there from their snapshots); default: live. */
  quarterInputs: (quarter: string, f: Filter) => Promise<Pick<KpiInputsAnswer, 'weight_profile' | 'people'>> = (
    quarter,
    filter,
  ) => kpiInputs(db, quarter, filter),
): Promise<AnnualInputsAnswer> {
  const year = parseYear(yearText);
  if (year === null) throw new TargetError('bad_period', `'${yearText}' is not a year`);
  const quarters: AnnualInputsAnswer['quarters'] = [];
  const byPerson = new Map<string, { role: string; quarters: AnnualInputsAnswer['people'][number]['quarters'] }>();
  for (const q of quartersOf(year)) {
    const a = await quarterInputs(q.id, f);
    quarters.push({ period: q.id, weight_profile: a.weight_profile.id, people: a.people.length });
    for (const p of a.people) {
      let e = byPerson.get(p.employee_id);
      if (!e) byPerson.set(p.employee_id, (e = { role: p.role, quarters: [] }));
      e.quarters.push({ period: q.id, score: p.composite.score, attainment: p.composite.attainment, days: daysOf(q) });
    }
  }
  const weighted = (qs: { days: number; v: number | null }[]): number | null => {
    const ok = qs.filter((x) => x.v !== null);
    const d = ok.reduce((s, x) => s + x.days, 0);
    return d > 0 ? ok.reduce((s, x) => s + x.days * x.v!, 0) / d : null;
  };
  const ratings = await loadRatings(db, String(year), f.role);
  return {
    period: String(year),
    period_kind: 'year',
    composite_method:
      'mean of the quarterly composites weighted by the days of each quarter with data; each quarter uses its own weight profile',
    quarters,
    total: byPerson.size,
    limit: page.limit,
    offset: page.offset,
    people: [...byPerson.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(page.offset, page.offset + page.limit)
      .map(([employee_id, e]) => ({
        employee_id,
        role: e.role,
        quarters: e.quarters,
        composite: {
          score: weighted(e.quarters.map((q) => ({ days: q.days, v: q.score }))),
          attainment: weighted(e.quarters.map((q) => ({ days: q.days, v: q.attainment }))),
        },
        service_rating: ratings.get(employee_id) ?? null,
      })),
  };
}
