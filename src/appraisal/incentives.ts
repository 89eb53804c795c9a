/**
 * Payout preview for a period: for each person, the plan of their role in force (id and version
 * recorded), base pay, each commission component with every step (driver attainment, tier, slice, rate,
 * amount), floors and caps, the service-star allowance with the months that counted, and their parts of
 * project bonus pools. Input is the shape of `/v1/kpi-inputs` (src/kpi/inputs.ts). Amounts in integer
 * cents; each line is rounded to the cent half up and totals are sums of the lines shown.
 */
import type { MetricInput, PersonInputs, ServiceRating } from '../kpi/inputs.js';
import { parsePeriod, shiftPeriod, type Period } from '../history/period.js';
import { DomainError } from '../lib/errors.js';
import { ratePercent, type Component, type Plan } from './incentive-plan.js';
import { applyRate, mulDiv, splitPool, type Share } from './money.js';

export { parsePlan, planSchema, type Plan, type PlanInput } from './incentive-plan.js';

/** A person's period as `/v1/kpi-inputs` gives it (only the members evaluation reads). */
export type PersonPeriod = Pick<PersonInputs, 'employee_id' | 'role'> & {
  metrics: readonly Pick<MetricInput, 'metric' | 'actual' | 'target' | 'attainment' | 'direction'>[];
  service_rating?: Pick<ServiceRating, 'stars' | 'insufficient_evidence'> | null;
};

/** One month's stored service rating of a person (src/ratings). */
export interface MonthRating {
  period: string;
  stars: number | null;
  insufficient_evidence: boolean;
}

export interface BonusPool {
  id: string;
  label?: string;
  pool_cents: number;
  shares: readonly Share[];
}

export interface EvaluationInput {
  /** `YYYY-MM` or `YYYY-Qn` (a week has no star allowance). */
  period: string;
  plans: readonly Plan[];
  people: readonly PersonPeriod[];
  /** Monthly service ratings per person, for the star allowance (the period's own may come from `people`). */
  serviceHistory?: ReadonlyMap<string, readonly MonthRating[]>;
  pools?: readonly BonusPool[];
}

export interface TierLine {
  tier: number;
  from_percent: number;
  to_percent: number | null;
  rate_percent: number;
  /** Set when the tier's rate was declared as a rise over the tier before. */
  rise_percent: number | null;
  /** Marginal: the part of the attained amount inside this tier; whole: the whole base amount. */
  slice_cents: number;
  amount_cents: number;
}

export interface ComponentPayout {
  id: string;
  label: string | null;
  status: 'ok' | 'missing_data';
  drivers: { metric: string; weight: number; attainment_percent: number | null; capped: boolean }[];
  /** The attainment that picked the tier, % (0.01 % resolution). */
  attainment_percent: number | null;
  base: { metric: string | null; target_cents: number | null; actual_cents: number | null };
  /** Marginal mode: the amount cut into tiers (base at target × attainment; the actual when it drives). */
  attained_cents: number | null;
  mode: Plan['tier_mode'];
  reached_tier: number | null;
  lines: TierLine[];
  subtotal_cents: number | null;
  floor_or_cap: { kind: 'floor' | 'cap'; adjustment_cents: number } | null;
  amount_cents: number | null;
}

export interface StarAllowance {
  rule: string;
  months: { period: string; stars: number | null; counts: boolean; reason: string }[];
  run_length: number;
  qualifies: boolean;
  amount_cents: number;
}

export interface PoolLine {
  pool: string;
  label: string | null;
  pool_cents: number;
  share: number;
  normalised_share: number;
  amount_cents: number;
}

export interface PersonPayout {
  employee_id: string;
  role: string | null;
  plan: { id: string; version: number; tier_mode: Plan['tier_mode'] } | null;
  base_pay_cents: number;
  components: ComponentPayout[];
  variable_cap: { cap_cents: number; adjustment_cents: number } | null;
  star_allowance: StarAllowance | null;
  project_bonus: PoolLine[];
  total_cents: number;
  /** False when a component lacked its inputs (its amount is then null and not in the total). */
  complete: boolean;
  warnings: string[];
}

export interface PayoutPreview {
  period: string;
  rounding: string;
  payouts: PersonPayout[];
  /** People whose role has no plan in force for the period (they appear only for pool parts). */
  unplanned: string[];
}

const ROUNDING = 'each line rounded to the cent, half up; component, person and pool totals are sums of their lines';
const bp = (x: number) => Math.round(x * 10_000);
const pct = (b: number) => b / 100;
const bad = (field: string, message: string) => new DomainError('unprocessable', message, { field });

/** The plan of `role` in force in the month `month` (YYYY-MM): latest effective_from, then highest version. */
export function planInForce(plans: readonly Plan[], role: string, month: string): Plan | null {
  let best: Plan | null = null;
  for (const p of plans) {
    if (p.role !== role || p.effective_from > month) continue;
    if (
      !best ||
      p.effective_from > best.effective_from ||
      (p.effective_from === best.effective_from && p.version > best.version)
    )
      best = p;
    else if (p.effective_from === best.effective_from && p.version === best.version && p.id !== best.id)
      throw new DomainError('conflict', `plans '${p.id}' and '${best.id}' both apply to role '${role}' from ${month}`, {
        field: 'plans',
      });
  }
  return best;
}

function evaluateComponent(
  c: Component,
  mode: Plan['tier_mode'],
  person: PersonPeriod,
): { payout: ComponentPayout; missing: string[] } {
  const metrics = new Map(person.metrics.map((m) => [m.metric, m]));
  const missing: string[] = [];
  const capBp = c.attainmentCapBp;
  const drivers = c.drivers.map((d) => {
    const a = metrics.get(d.metric)?.attainment;
    if (a === null || a === undefined || !Number.isFinite(a)) missing.push(`${d.metric}: no attainment`);
    const raw = a === null || a === undefined || !Number.isFinite(a) ? null : bp(a);
    const capped = raw !== null && capBp !== null && raw > capBp;
    return { metric: d.metric, weight: d.weight, raw, used: capped ? capBp : raw, capped };
  });
  let targetCents: number | null = null;
  let actualCents: number | null = null;
  let direction: string | undefined;
  if ('metric' in c.base) {
    const m = metrics.get(c.base.metric);
    direction = m?.direction;
    if (m?.target === null || m?.target === undefined || !Number.isFinite(m.target))
      missing.push(`${c.base.metric}: no target`);
    else targetCents = Math.round(m.target * c.base.cents_per_unit);
    if (m?.actual === null || m?.actual === undefined || !Number.isFinite(m.actual))
      missing.push(`${c.base.metric}: no actual`);
    else actualCents = Math.round(m.actual * c.base.cents_per_unit);
    if ((targetCents ?? 0) < 0 || (actualCents ?? 0) < 0) missing.push(`${c.base.metric}: negative amount`);
  } else {
    targetCents = c.base.fixed_cents;
    actualCents = c.base.fixed_cents;
  }
  const out: ComponentPayout = {
    id: c.id,
    label: c.label ?? null,
    status: 'ok',
    drivers: drivers.map((d) => ({
      metric: d.metric,
      weight: d.weight,
      attainment_percent: d.raw === null ? null : pct(d.raw),
      capped: d.capped,
    })),
    attainment_percent: null,
    base: { metric: 'metric' in c.base ? c.base.metric : null, target_cents: targetCents, actual_cents: actualCents },
    attained_cents: null,
    mode,
    reached_tier: null,
    lines: [],
    subtotal_cents: null,
    floor_or_cap: null,
    amount_cents: null,
  };
  if (missing.length > 0 || targetCents === null || actualCents === null) {
    out.status = 'missing_data';
    return { payout: out, missing };
  }
  // The attained amount C and the amount at target T. When the one driver is the base metric itself
  // (higher is better), C is its actual exactly, so marginal slices add up to the actual to the cent.
  const own =
    'metric' in c.base && drivers.length === 1 && drivers[0]!.metric === c.base.metric && direction !== 'lower';
  const T = targetCents;
  let C: number;
  let attBp: number;
  if (own && T > 0) {
    const capAmount = capBp === null ? Number.POSITIVE_INFINITY : mulDiv(T, capBp, 10_000);
    C = Math.min(actualCents, capAmount);
    attBp = mulDiv(C, 10_000, T);
  } else {
    const w = drivers.reduce((s, d) => s + d.weight, 0);
    attBp = Math.round(drivers.reduce((s, d) => s + d.weight * d.used!, 0) / w);
    C = mulDiv(T, attBp, 10_000);
  }
  const edge = (b: number) => mulDiv(T, b, 10_000);
  let reached = 0;
  c.tiers.forEach((t, i) => {
    if (T > 0 ? C >= edge(t.fromBp) : attBp >= t.fromBp) reached = i;
  });
  const line = (i: number, slice: number): TierLine => {
    const t = c.tiers[i]!;
    return {
      tier: i,
      from_percent: pct(t.fromBp),
      to_percent: t.toBp === null ? null : pct(t.toBp),
      rate_percent: ratePercent(t.ratePpm),
      rise_percent: t.risePercent,
      slice_cents: slice,
      amount_cents: applyRate(slice, t.ratePpm),
    };
  };
  if (mode === 'marginal')
    for (let i = 0; i <= reached; i++) {
      const t = c.tiers[i]!;
      const hi = t.toBp === null ? C : Math.min(C, edge(t.toBp));
      out.lines.push(line(i, Math.max(0, hi - edge(t.fromBp))));
    }
  else out.lines.push(line(reached, actualCents));
  const subtotal = out.lines.reduce((s, l) => s + l.amount_cents, 0);
  let amount = subtotal;
  if (c.floor_cents !== undefined && amount < c.floor_cents) {
    out.floor_or_cap = { kind: 'floor', adjustment_cents: c.floor_cents - amount };
    amount = c.floor_cents;
  }
  if (c.cap_cents !== undefined && amount > c.cap_cents) {
    out.floor_or_cap = { kind: 'cap', adjustment_cents: c.cap_cents - amount };
    amount = c.cap_cents;
  }
  Object.assign(out, {
    attainment_percent: pct(attBp),
    attained_cents: mode === 'marginal' ? C : null,
    reached_tier: reached,
    subtotal_cents: subtotal,
    amount_cents: amount,
  });
  return { payout: out, missing };
}

const monthOf = (p: Period): Period => parsePeriod(p.kind === 'month' ? p.id : p.end.slice(0, 7))!;

/**
 * The star allowance for the period ending in month M: the `months` months up to M each need a service
 * rating with enough evidence and at least `min_stars` stars. 'rolling' pays whenever they all count;
 * 'per_run' pays once per `months` months of an unbroken run (months 3, 6, 9… of the run).
 */
export function starAllowance(
  rule: NonNullable<Plan['star_allowance']>,
  period: Period,
  history: readonly MonthRating[],
): StarAllowance {
  const byMonth = new Map(history.map((h) => [h.period, h]));
  const last = monthOf(period);
  const judge = (m: Period) => {
    const h = byMonth.get(m.id);
    if (!h || h.stars === null) return { period: m.id, stars: null, counts: false, reason: 'no service rating' };
    if (h.insufficient_evidence)
      return { period: m.id, stars: h.stars, counts: false, reason: 'insufficient evidence' };
    const ok = h.stars + 1e-9 >= rule.min_stars;
    return {
      period: m.id,
      stars: h.stars,
      counts: ok,
      reason: ok ? `${h.stars} ≥ ${rule.min_stars} stars` : `${h.stars} < ${rule.min_stars} stars`,
    };
  };
  const months = Array.from({ length: rule.months }, (_, i) => judge(shiftPeriod(last, i - rule.months + 1)));
  let run = 0;
  while (run < 1200 && judge(shiftPeriod(last, -run)).counts) run++;
  const qualifies = rule.mode === 'rolling' ? run >= rule.months : run >= rule.months && run % rule.months === 0;
  return {
    rule: `${rule.months} consecutive months each with a service rating of at least ${rule.min_stars} stars and enough evidence; ${
      rule.mode === 'rolling'
        ? 'paid for every month that completes such a run'
        : `paid once per ${rule.months} months of a run`
    }`,
    months,
    run_length: run,
    qualifies,
    amount_cents: qualifies ? rule.amount_cents : 0,
  };
}

/**
 * Evaluates every person's payout for the period.
 * @throws DomainError `unprocessable` (bad period, a person listed twice; `field` named), `invalid_pool`
 *   (field `pools.N.…`), `conflict` (two plans of one role in force with the same version)
 */
export function evaluatePayouts(input: EvaluationInput): PayoutPreview {
  const period = parsePeriod(input.period);
  if (!period) throw bad('period', `expected a month (2026-03) or quarter (2026-Q1), got '${input.period}'`);
  const startMonth = period.start.slice(0, 7);
  const seen = new Set<string>();
  input.people.forEach((p, i) => {
    if (seen.has(p.employee_id)) throw bad(`people.${i}.employee_id`, `'${p.employee_id}' is listed twice`);
    seen.add(p.employee_id);
  });
  const poolLines = new Map<string, PoolLine[]>();
  (input.pools ?? []).forEach((pool, i) => {
    let parts: ReturnType<typeof splitPool>;
    try {
      parts = splitPool(pool.pool_cents, pool.shares);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const errors = (e.extra.errors as { field: string; reason: string }[]).map((x) => ({
        ...x,
        field: `pools.${i}.${x.field}`,
      }));
      throw new DomainError(e.code, `pool '${pool.id}': ${e.message}`, { errors });
    }
    for (const part of parts)
      poolLines.set(part.employee_id, [
        ...(poolLines.get(part.employee_id) ?? []),
        {
          pool: pool.id,
          label: pool.label ?? null,
          pool_cents: pool.pool_cents,
          share: part.share,
          normalised_share: part.normalised,
          amount_cents: part.cents,
        },
      ]);
  });
  const unplanned: string[] = [];
  const payouts: PersonPayout[] = input.people.map((person) => {
    const plan = planInForce(input.plans, person.role, startMonth);
    if (!plan) unplanned.push(person.employee_id);
    return payoutOf(person, plan, period, input, poolLines.get(person.employee_id) ?? []);
  });
  for (const [id, lines] of poolLines)
    if (!seen.has(id)) {
      unplanned.push(id);
      payouts.push(payoutOf({ employee_id: id, role: '', metrics: [] }, null, period, input, lines));
    }
  return { period: period.id, rounding: ROUNDING, payouts, unplanned };
}

function payoutOf(
  person: PersonPeriod,
  plan: Plan | null,
  period: Period,
  input: EvaluationInput,
  pools: PoolLine[],
): PersonPayout {
  const warnings: string[] = [];
  const components = (plan?.components ?? []).map((c) => {
    const { payout, missing } = evaluateComponent(c, plan!.tier_mode, person);
    warnings.push(...missing.map((m) => `component ${c.id}: ${m}`));
    return payout;
  });
  const variable = components.reduce((s, c) => s + (c.amount_cents ?? 0), 0);
  let variableCap: PersonPayout['variable_cap'] = null;
  if (plan?.variable_cap_cents !== undefined && variable > plan.variable_cap_cents)
    variableCap = { cap_cents: plan.variable_cap_cents, adjustment_cents: plan.variable_cap_cents - variable };
  let allowance: StarAllowance | null = null;
  if (plan?.star_allowance) {
    if (period.kind === 'week') warnings.push('star allowance: evaluated on months and quarters only');
    else {
      const history = [...(input.serviceHistory?.get(person.employee_id) ?? [])];
      if (period.kind === 'month' && person.service_rating && !history.some((h) => h.period === period.id))
        history.push({ period: period.id, ...person.service_rating });
      allowance = starAllowance(plan.star_allowance, period, history);
    }
  }
  const basePay = plan?.base_pay_cents ?? 0;
  const total =
    basePay +
    variable +
    (variableCap?.adjustment_cents ?? 0) +
    (allowance?.amount_cents ?? 0) +
    pools.reduce((s, l) => s + l.amount_cents, 0);
  return {
    employee_id: person.employee_id,
    role: person.role || null,
    plan: plan ? { id: plan.id, version: plan.version, tier_mode: plan.tier_mode } : null,
    base_pay_cents: basePay,
    components,
    variable_cap: variableCap,
    star_allowance: allowance,
    project_bonus: pools,
    total_cents: total,
    complete: components.every((c) => c.status === 'ok'),
    warnings,
  };
}
