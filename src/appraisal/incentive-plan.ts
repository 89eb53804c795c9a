/**
 * A commission plan per role, as HR declares it, and its validation (zod, then the rules between fields:
 * tiers sorted, contiguous, not overlapping; a rise only after a rate; floor ≤ cap). `parsePlan` returns
 * the plan with every percentage turned into integers (basis points, parts per million) for evaluation.
 */
import { z } from 'zod';
import { DomainError } from '../lib/errors.js';
import { mulDiv, PPM_PER_PERCENT, toUnits } from './money.js';

const id = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const cents = z.number().int('expected whole cents').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER);
/** A percentage with at most `d` decimals, within [0, max]. */
const percent = (max: number, d: number) =>
  z
    .number({ error: 'expected a number (percent)' })
    .finite()
    .nonnegative('must not be negative')
    .max(max, `must be at most ${max} %`)
    .refine((x) => toUnits(x, d) !== null, `at most ${d} decimals`);

const tier = z
  .object({
    /** Attainment where the tier starts, % of target (inclusive). */
    from: percent(10_000, 2),
    /** Where it ends (exclusive); omitted or null on the last tier (open-ended). */
    to: percent(10_000, 2).nullish(),
    /** % of the base amount. */
    rate: percent(1000, 4).optional(),
    /** Instead of `rate`: the previous tier's rate raised by this % (5 % raised by 20 % → 6 %). */
    rise: percent(1000, 2).optional(),
  })
  .strict();

const component = z
  .object({
    id,
    label: z.string().max(200).optional(),
    /** The attainment that picks the tier: one metric's, or the weighted mean of several (weights normalised). */
    drivers: z
      .array(z.object({ metric: id, weight: z.number().finite().positive('must be positive') }).strict())
      .min(1, 'expected at least one driver metric'),
    /** Each driver's attainment is capped here (% of target) before weighting; default no cap. */
    attainment_cap: percent(10_000, 2).optional(),
    /** The amount the rates apply to: a metric's actual (× cents per unit), or a fixed target amount. */
    base: z.union([
      z.object({ metric: id, cents_per_unit: z.number().int().positive().max(1_000_000) }).strict(),
      z.object({ fixed_cents: cents }).strict(),
    ]),
    tiers: z.array(tier).min(1, 'expected at least one tier'),
    floor_cents: cents.optional(),
    cap_cents: cents.optional(),
  })
  .strict();

const starAllowance = z
  .object({
    amount_cents: cents.positive('must be positive'),
    /** Consecutive months that must count (default 3). */
    months: z.number().int().min(1).max(12).default(3),
    /** A month counts when its service rating has enough evidence and at least this many stars (1–5). */
    min_stars: z.number().finite().min(1).max(5),
    /** 'rolling': paid for every month that ends such a run; 'per_run': once per `months` of a run. */
    mode: z.enum(['rolling', 'per_run']).default('rolling'),
  })
  .strict();

export const planSchema = z
  .object({
    id,
    version: z.number().int().positive(),
    role: id,
    name: z.string().max(200).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as CNY')
      .default('CNY'),
    /** First period (YYYY-MM) this version applies to. */
    effective_from: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM'),
    /** 'marginal': each tier's rate on its slice; 'whole': the reached tier's rate on the whole base. */
    tier_mode: z.enum(['marginal', 'whole']),
    base_pay_cents: cents,
    components: z.array(component).default([]),
    /** Cap on the sum of the components (the allowance and project bonus are outside it). */
    variable_cap_cents: cents.optional(),
    star_allowance: starAllowance.optional(),
  })
  .strict();

export type PlanInput = z.input<typeof planSchema>;

export interface Tier {
  fromBp: number;
  toBp: number | null;
  ratePpm: number;
  /** Declared as a rise over the previous tier (shown in the steps). */
  risePercent: number | null;
}

export interface Component extends Omit<z.output<typeof component>, 'tiers' | 'attainment_cap'> {
  tiers: Tier[];
  attainmentCapBp: number | null;
}

export interface Plan extends Omit<z.output<typeof planSchema>, 'components'> {
  components: Component[];
}

type Issue = { field: string; reason: string };

function tiersOf(raw: z.output<typeof tier>[], path: string, issues: Issue[]): Tier[] {
  const out: Tier[] = [];
  raw.forEach((t, i) => {
    const at = `${path}.${i}`;
    const fromBp = toUnits(t.from, 2)!;
    const toBp = t.to === null || t.to === undefined ? null : toUnits(t.to, 2)!;
    const prev = out[i - 1];
    if (i === 0 && fromBp !== 0) issues.push({ field: `${at}.from`, reason: 'the first tier must start at 0 %' });
    if (prev) {
      if (prev.toBp === null)
        issues.push({ field: `${path}.${i - 1}.to`, reason: 'only the last tier may be open-ended' });
      else if (fromBp < prev.toBp)
        issues.push({ field: `${at}.from`, reason: `${t.from} % overlaps tier ${i - 1} (up to ${prev.toBp / 100} %)` });
      else if (fromBp > prev.toBp)
        issues.push({
          field: `${at}.from`,
          reason: `gap: tier ${i - 1} ends at ${prev.toBp / 100} %, this starts at ${t.from} %`,
        });
      if (fromBp <= prev.fromBp)
        issues.push({
          field: `${at}.from`,
          reason: `tiers must be sorted by from (${t.from} % after ${prev.fromBp / 100} %)`,
        });
    }
    if (toBp !== null && toBp <= fromBp) issues.push({ field: `${at}.to`, reason: `must be above from (${t.from} %)` });
    if ((t.rate === undefined) === (t.rise === undefined))
      issues.push({ field: `${at}.rate`, reason: 'give exactly one of rate and rise' });
    if (t.rise !== undefined && i === 0)
      issues.push({
        field: `${at}.rise`,
        reason: 'the first tier needs a rate (a rise is relative to the tier before)',
      });
    const ratePpm =
      t.rate !== undefined
        ? toUnits(t.rate, 4)!
        : prev
          ? mulDiv(prev.ratePpm, 10_000 + toUnits(t.rise ?? 0, 2)!, 10_000)
          : 0;
    out.push({ fromBp, toBp, ratePpm, risePercent: t.rise ?? null });
  });
  const last = out.at(-1);
  if (last && last.toBp !== null)
    issues.push({
      field: `${path}.${out.length - 1}.to`,
      reason: 'the last tier is open-ended (omit to); limit payouts with attainment_cap or cap_cents',
    });
  return out;
}

/**
 * Validates a plan and converts its percentages to integers.
 * @throws DomainError `invalid_plan` with `errors: [{ field, reason }]` (field paths such as
 *   `components.0.tiers.2.from`)
 */
export function parsePlan(input: unknown): Plan {
  const parsed = planSchema.safeParse(input);
  if (!parsed.success)
    throw new DomainError('invalid_plan', 'the plan is invalid', {
      errors: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'plan', reason: i.message })),
    });
  const p = parsed.data;
  const issues: Issue[] = [];
  const ids = new Set<string>();
  const components = p.components.map((c, i): Component => {
    const at = `components.${i}`;
    if (ids.has(c.id)) issues.push({ field: `${at}.id`, reason: `'${c.id}' is used by another component` });
    ids.add(c.id);
    const metrics = new Set<string>();
    c.drivers.forEach((d, j) => {
      if (metrics.has(d.metric))
        issues.push({ field: `${at}.drivers.${j}.metric`, reason: `'${d.metric}' is listed twice` });
      metrics.add(d.metric);
    });
    if (c.floor_cents !== undefined && c.cap_cents !== undefined && c.floor_cents > c.cap_cents)
      issues.push({ field: `${at}.floor_cents`, reason: `must not exceed cap_cents (${c.cap_cents})` });
    const { tiers: rawTiers, attainment_cap, ...rest } = c;
    return {
      ...rest,
      tiers: tiersOf(rawTiers, `${at}.tiers`, issues),
      attainmentCapBp: attainment_cap === undefined ? null : toUnits(attainment_cap, 2)!,
    };
  });
  if (issues.length > 0) throw new DomainError('invalid_plan', 'the plan is invalid', { errors: issues });
  return { ...p, components } as Plan;
}

/** Percent of a rate in ppm, for display (6 % → 6). */
export const ratePercent = (ppm: number): number => ppm / PPM_PER_PERCENT;
