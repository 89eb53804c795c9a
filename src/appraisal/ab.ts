/**
 * A/B validation of two target policies (quantile choices, model versions) or weight profiles on history:
 * for each policy, attainment rates per role and team, how often the warning line fired, fairness
 * across teams and tenure bands, and stability period to period; between the policies, the paired
 * difference on the same person-periods; and, where people were really split into two groups, a
 * two-sample comparison with an effect size. Pure functions over rows; statistics in `ab-tests.ts`.
 */
import { DomainError } from '../lib/errors.js';
import { Rng } from '../demo/rng.js';
import {
  chiSquareIndependence,
  effectSize,
  mcnemar,
  permutationTest,
  proportionDifference,
  welch,
  wilson,
  type ChiSquareResult,
  type EffectSize,
  type Interval,
  type McNemarResult,
  type PermutationResult,
  type ProportionDifference,
  type WelchResult,
} from './ab-tests.js';
import { spearman } from './stats.js';

export * from './ab-tests.js';

/** One person-period under one policy. */
export interface HistoryRow {
  employee_id: string;
  period: string;
  role: string;
  team: string | null;
  tenure_months: number | null;
  /** Direction-aware attainment against this policy's target (1 = on target); null when there is none. */
  attainment: number | null;
  /** Whether the warning line (floor) fired under this policy. */
  below_floor: boolean | null;
  /** Optional outcome for a real split (e.g. actual ÷ the person's prior baseline). */
  outcome?: number | null;
}

export interface GroupRate {
  group: string;
  n: number;
  attained: number;
  rate: number;
  interval: Interval;
}

/** Tenure bands: under 6 months, 6–12 months, 1–2 years, 2–5 years, 5 years and more. */
export function tenureBand(months: number | null): string {
  if (months === null || !Number.isFinite(months) || months < 0) return 'unknown';
  if (months < 6) return '<6m';
  if (months < 12) return '6-12m';
  if (months < 24) return '1-2y';
  if (months < 60) return '2-5y';
  return '5y+';
}

const groupOf = (by: 'all' | 'role' | 'team' | 'tenure', r: HistoryRow): string =>
  by === 'all' ? 'all' : by === 'role' ? r.role : by === 'team' ? (r.team ?? 'unknown') : tenureBand(r.tenure_months);

function validate(rows: readonly HistoryRow[], field: string): void {
  if (!Array.isArray(rows) || rows.length === 0) throw new DomainError('unprocessable', `${field}: no rows`, { field });
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `${field}.${i}`;
    if (typeof r.employee_id !== 'string' || r.employee_id === '')
      throw new DomainError('unprocessable', `${at}: employee_id missing`, { field: `${at}.employee_id` });
    const key = `${r.employee_id}\u0000${r.period}`;
    if (seen.has(key))
      throw new DomainError('unprocessable', `${at}: ${r.employee_id} appears twice in ${r.period}`, {
        field: `${at}.period`,
      });
    seen.add(key);
    if (
      r.attainment !== null &&
      !(typeof r.attainment === 'number' && Number.isFinite(r.attainment) && r.attainment >= 0)
    )
      throw new DomainError('unprocessable', `${at}: attainment must be a finite number ≥ 0 or null`, {
        field: `${at}.attainment`,
      });
  });
}

/**
 * Share of person-periods at or above `threshold` attainment (default 1 = on target), per group, with
 * Wilson intervals. Rows without attainment are left out.
 */
export function attainmentRates(
  rows: readonly HistoryRow[],
  by: 'all' | 'role' | 'team' | 'tenure',
  opts: { threshold?: number; level?: number } = {},
): GroupRate[] {
  const threshold = opts.threshold ?? 1;
  const acc = new Map<string, { n: number; x: number }>();
  for (const r of rows) {
    if (r.attainment === null) continue;
    const g = groupOf(by, r);
    const a = acc.get(g) ?? { n: 0, x: 0 };
    a.n++;
    if (r.attainment >= threshold - 1e-12) a.x++;
    acc.set(g, a);
  }
  return [...acc]
    .sort(([g], [h]) => (g < h ? -1 : g > h ? 1 : 0))
    .map(([group, a]) => {
      const w = wilson(a.x, a.n, opts.level ?? 0.95);
      return { group, n: a.n, attained: a.x, rate: w.p, interval: { level: w.level, low: w.low, high: w.high } };
    });
}

/** How often the warning line fired (rows where it is known), with a Wilson interval. */
export function warningRate(rows: readonly HistoryRow[], level = 0.95): GroupRate | null {
  const known = rows.filter((r) => r.below_floor !== null);
  if (known.length === 0) return null;
  const x = known.filter((r) => r.below_floor).length;
  const w = wilson(x, known.length, level);
  return { group: 'all', n: known.length, attained: x, rate: w.p, interval: { level, low: w.low, high: w.high } };
}

export interface Fairness {
  by: 'team' | 'tenure';
  groups: GroupRate[];
  /** Groups with fewer people than this are shown but left out of the gap and the tests. */
  min_people: number;
  gap: { value: number; highest: string; lowest: string } | null;
  chi_square: ChiSquareResult | null;
  /** Permutation p of the gap: people's group labels shuffled (all their periods move together). */
  permutation: { p: number; permutations: number } | null;
  method: string;
}

/**
 * Fairness of attainment across teams or tenure bands: each person belongs to the group of their latest
 * period; rates are over person-periods; the gap is the highest minus the lowest group rate. Tests:
 * Pearson's chi-square on the group × attained table (treats person-periods as independent), and a
 * permutation test of the gap that shuffles group labels between people (keeps each person's periods
 * together, so repeated periods of one person do not inflate significance).
 */
export function fairness(
  rows: readonly HistoryRow[],
  by: 'team' | 'tenure',
  opts: { minPeople?: number; permutations?: number; seed?: number; level?: number; threshold?: number } = {},
): Fairness {
  const minPeople = opts.minPeople ?? 5;
  const threshold = opts.threshold ?? 1;
  const latest = new Map<string, HistoryRow>();
  for (const r of rows) {
    const cur = latest.get(r.employee_id);
    if (!cur || r.period > cur.period) latest.set(r.employee_id, r);
  }
  // per person: attained and counted person-periods
  const person = new Map<string, { group: string; n: number; x: number }>();
  for (const r of rows) {
    if (r.attainment === null) continue;
    const p = person.get(r.employee_id) ?? { group: groupOf(by, latest.get(r.employee_id)!), n: 0, x: 0 };
    p.n++;
    if (r.attainment >= threshold - 1e-12) p.x++;
    person.set(r.employee_id, p);
  }
  const people = [...person.values()];
  const sizes = new Map<string, number>();
  for (const p of people) sizes.set(p.group, (sizes.get(p.group) ?? 0) + 1);
  const rates = (labels: readonly string[]) => {
    const acc = new Map<string, { n: number; x: number }>();
    people.forEach((p, i) => {
      const g = labels[i]!;
      const a = acc.get(g) ?? { n: 0, x: 0 };
      a.n += p.n;
      a.x += p.x;
      acc.set(g, a);
    });
    return acc;
  };
  const observed = rates(people.map((p) => p.group));
  const groups = [...observed]
    .sort(([g], [h]) => (g < h ? -1 : g > h ? 1 : 0))
    .map(([group, a]) => {
      const w = wilson(a.x, a.n, opts.level ?? 0.95);
      return { group, n: a.n, attained: a.x, rate: w.p, interval: { level: w.level, low: w.low, high: w.high } };
    });
  const eligible = groups.filter((g) => (sizes.get(g.group) ?? 0) >= minPeople);
  const method = `group = the person's ${by === 'team' ? 'team' : 'tenure band'} in their latest period; rate = attained person-periods / person-periods; gap = highest − lowest rate over groups of at least ${minPeople} people`;
  if (eligible.length < 2)
    return { by, groups, min_people: minPeople, gap: null, chi_square: null, permutation: null, method };
  const gapOf = (acc: Map<string, { n: number; x: number }>) => {
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (const g of eligible) {
      const a = acc.get(g.group);
      if (!a || a.n === 0) continue;
      hi = Math.max(hi, a.x / a.n);
      lo = Math.min(lo, a.x / a.n);
    }
    return hi - lo;
  };
  const top = eligible.reduce((m, g) => (g.rate > m.rate ? g : m));
  const bottom = eligible.reduce((m, g) => (g.rate < m.rate ? g : m));
  const gap = top.rate - bottom.rate;
  let chi: ChiSquareResult | null = null;
  try {
    chi = chiSquareIndependence(eligible.map((g) => [g.attained, g.n - g.attained]));
  } catch {
    chi = null; // every group all attained or all missed: nothing to test
  }
  const inEligible = new Set(eligible.map((g) => g.group));
  const B = opts.permutations ?? 2_000;
  const rng = Rng.from(opts.seed ?? 1, 'fairness');
  const labels = people.map((p) => p.group);
  const movable = labels.map((g, i) => (inEligible.has(g) ? i : -1)).filter((i) => i >= 0);
  let hits = 0;
  for (let b = 0; b < B; b++) {
    const shuffled = labels.slice();
    const pool = rng.shuffle(movable.map((i) => labels[i]!));
    movable.forEach((i, k) => {
      shuffled[i] = pool[k]!;
    });
    if (gapOf(rates(shuffled)) >= gap - 1e-12) hits++;
  }
  return {
    by,
    groups,
    min_people: minPeople,
    gap: { value: gap, highest: top.group, lowest: bottom.group },
    chi_square: chi,
    permutation: { p: (1 + hits) / (1 + B), permutations: B },
    method,
  };
}

export interface Stability {
  pairs: { from: string; to: string; people: number; mean_abs_change: number; spearman: number | null }[];
  /** Over all consecutive pairs, weighted by people. */
  mean_abs_change: number | null;
  /** Mean of the pairs' Spearman ρ (pairs with at least 3 people). */
  spearman: number | null;
}

/**
 * Period-to-period stability of attainment: for each pair of consecutive periods present in the rows,
 * the people with attainment in both: mean |change| and Spearman's ρ of their attainments.
 */
export function stability(rows: readonly HistoryRow[]): Stability {
  const byPeriod = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (r.attainment === null) continue;
    const m = byPeriod.get(r.period) ?? new Map<string, number>();
    m.set(r.employee_id, r.attainment);
    byPeriod.set(r.period, m);
  }
  const periods = [...byPeriod.keys()].sort();
  const pairs: Stability['pairs'] = [];
  for (let i = 1; i < periods.length; i++) {
    const a = byPeriod.get(periods[i - 1]!)!;
    const b = byPeriod.get(periods[i]!)!;
    const both = [...a.keys()].filter((k) => b.has(k));
    if (both.length === 0) continue;
    const x = both.map((k) => a.get(k)!);
    const y = both.map((k) => b.get(k)!);
    const rho = both.length >= 3 ? spearman(x, y) : Number.NaN;
    pairs.push({
      from: periods[i - 1]!,
      to: periods[i]!,
      people: both.length,
      mean_abs_change: x.reduce((s, v, j) => s + Math.abs(y[j]! - v), 0) / both.length,
      spearman: Number.isFinite(rho) ? rho : null,
    });
  }
  const people = pairs.reduce((s, p) => s + p.people, 0);
  const rhos = pairs.flatMap((p) => (p.spearman === null ? [] : [p.spearman]));
  return {
    pairs,
    mean_abs_change: people > 0 ? pairs.reduce((s, p) => s + p.mean_abs_change * p.people, 0) / people : null,
    spearman: rhos.length > 0 ? rhos.reduce((s, x) => s + x, 0) / rhos.length : null,
  };
}

export interface PolicySummary {
  name: string;
  rows: number;
  attainment: { all: GroupRate | null; by_role: GroupRate[]; by_team: GroupRate[] };
  warning: GroupRate | null;
  fairness: { team: Fairness; tenure: Fairness };
  stability: Stability;
}

export interface SplitComparison {
  outcome: 'attainment' | 'outcome';
  /** People per group and the person-level values compared (mean over their periods). */
  people: [number, number];
  /** Null when neither group varies (the note says so); the permutation test still answers. */
  welch: WelchResult | null;
  permutation: PermutationResult;
  effect: EffectSize | null;
  /** Share of people whose mean attainment reached the threshold, a − b. */
  attained: ProportionDifference | null;
}

export interface PolicyComparison {
  level: number;
  a: PolicySummary;
  b: PolicySummary;
  /** The same person-periods under both policies. */
  paired: {
    rows: number;
    attainment_rate: { a: number; b: number; difference: number; mcnemar: McNemarResult };
    warning_rate: { a: number; b: number; difference: number; mcnemar: McNemarResult } | null;
  } | null;
  split: SplitComparison | null;
  notes: string[];
}

function summarise(name: string, rows: readonly HistoryRow[], o: CompareOptions): PolicySummary {
  const opts = { level: o.level, threshold: o.threshold };
  return {
    name,
    rows: rows.length,
    attainment: {
      all: attainmentRates(rows, 'all', opts)[0] ?? null,
      by_role: attainmentRates(rows, 'role', opts),
      by_team: attainmentRates(rows, 'team', opts),
    },
    warning: warningRate(rows, o.level),
    fairness: {
      team: fairness(rows, 'team', { ...opts, permutations: o.permutations, seed: o.seed, minPeople: o.minPeople }),
      tenure: fairness(rows, 'tenure', { ...opts, permutations: o.permutations, seed: o.seed, minPeople: o.minPeople }),
    },
    stability: stability(rows),
  };
}

export interface CompareOptions {
  level?: number;
  threshold?: number;
  permutations?: number;
  seed?: number;
  minPeople?: number;
}

/**
 * One comparison report. `split` (optional) declares which people worked under which policy: each
 * person's value is the mean over their periods of `attainment` (or `outcome`) under their own policy,
 * and the two groups of people are compared (Welch, permutation, Hedges' g, difference of the shares who
 * reached the threshold with Newcombe's interval).
 * @throws DomainError `unprocessable` naming the field for empty histories, duplicate person-periods,
 *   bad attainment values, or a split group with fewer than 2 people with values
 */
export function comparePolicies(input: {
  a: { name: string; rows: readonly HistoryRow[] };
  b: { name: string; rows: readonly HistoryRow[] };
  split?: { groups: ReadonlyMap<string, 'a' | 'b'>; outcome?: 'attainment' | 'outcome' };
  options?: CompareOptions;
}): PolicyComparison {
  validate(input.a.rows, 'a.rows');
  validate(input.b.rows, 'b.rows');
  const o: CompareOptions = { level: 0.95, threshold: 1, permutations: 2_000, seed: 1, minPeople: 5, ...input.options };
  const level = o.level!;
  const notes: string[] = [];
  const key = (r: HistoryRow) => `${r.employee_id}\u0000${r.period}`;
  const bRows = new Map(input.b.rows.map((r) => [key(r), r]));
  const both = input.a.rows.flatMap((r) => {
    const s = bRows.get(key(r));
    return s && r.attainment !== null && s.attainment !== null ? [[r, s] as const] : [];
  });
  let paired: PolicyComparison['paired'] = null;
  if (both.length > 0) {
    const t = o.threshold! - 1e-12;
    const ya = both.map(([r]) => r.attainment! >= t);
    const yb = both.map(([, s]) => s.attainment! >= t);
    const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
    const warned = both.filter(([r, s]) => r.below_floor !== null && s.below_floor !== null);
    const wa = warned.map(([r]) => r.below_floor!);
    const wb = warned.map(([, s]) => s.below_floor!);
    paired = {
      rows: both.length,
      attainment_rate: { a: share(ya), b: share(yb), difference: share(ya) - share(yb), mcnemar: mcnemar(ya, yb) },
      warning_rate:
        warned.length > 0
          ? { a: share(wa), b: share(wb), difference: share(wa) - share(wb), mcnemar: mcnemar(wa, wb) }
          : null,
    };
  } else notes.push('no person-period appears under both policies: no paired comparison');
  let split: SplitComparison | null = null;
  if (input.split) {
    const outcome = input.split.outcome ?? 'attainment';
    const values = (rows: readonly HistoryRow[], group: 'a' | 'b') => {
      const acc = new Map<string, number[]>();
      for (const r of rows) {
        if (input.split!.groups.get(r.employee_id) !== group) continue;
        const v = outcome === 'attainment' ? r.attainment : (r.outcome ?? null);
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        acc.set(r.employee_id, [...(acc.get(r.employee_id) ?? []), v]);
      }
      return [...acc.values()].map((xs) => xs.reduce((s, x) => s + x, 0) / xs.length);
    };
    const va = values(input.a.rows, 'a');
    const vb = values(input.b.rows, 'b');
    if (va.length < 2 || vb.length < 2)
      throw new DomainError('unprocessable', `split: ${va.length} and ${vb.length} people with values; need 2 each`, {
        field: 'split.groups',
      });
    const reached = (xs: number[]) => xs.filter((x) => x >= o.threshold! - 1e-12).length;
    const spread = new Set(va).size > 1 || new Set(vb).size > 1;
    if (!spread) notes.push('split: neither group varies, so there is no t test or effect size');
    split = {
      outcome,
      people: [va.length, vb.length],
      welch: spread ? welch(va, vb, level) : null,
      permutation: permutationTest(va, vb, { iterations: 9_999, seed: o.seed }),
      effect: spread ? effectSize(va, vb, level) : null,
      attained:
        outcome === 'attainment' ? proportionDifference(reached(va), va.length, reached(vb), vb.length, level) : null,
    };
    notes.push(
      'split: one value per person (the mean over their periods), so repeated periods do not count as more people',
    );
  }
  return {
    level,
    a: summarise(input.a.name, input.a.rows, o),
    b: summarise(input.b.name, input.b.rows, o),
    paired,
    split,
    notes,
  };
}
