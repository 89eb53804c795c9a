/**
 * A/B statistics against textbook values and R 4.2 (t.test, prop.test, chisq.test, binom.test; the
 * script's lines are quoted beside each figure), then the policy comparison on small histories whose
 * figures are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import {
  attainmentRates,
  chiSquareIndependence,
  comparePolicies,
  effectSize,
  fairness,
  mcnemar,
  permutationTest,
  proportionDifference,
  stability,
  tenureBand,
  warningRate,
  welch,
  wilson,
  type HistoryRow,
} from '../../src/appraisal/ab.js';

// R's `sleep` data (Student 1908): extra hours of sleep under two drugs
const sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0, 2];
const sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

function refusal(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('two-sample tests', () => {
  it('Welch on the sleep data = t.test(g1, g2): t −1.8608, df 17.776, p 0.0794', () => {
    const w = welch(sleep1, sleep2);
    expect(w.t).toBeCloseTo(-1.86081346748685, 12);
    expect(w.df).toBeCloseTo(17.7764735161785, 10);
    expect(w.p).toBeCloseTo(0.0793941401873582, 12);
    expect(w.interval.low).toBeCloseTo(-3.36548323071171, 10);
    expect(w.interval.high).toBeCloseTo(0.20548323071171, 10);
    const w90 = welch(sleep1, sleep2, 0.9);
    expect(w90.interval.low).toBeCloseTo(-3.05338149733161, 10);
  });

  it('Welch on unequal groups = t.test(a, b)', () => {
    const w = welch([19.1, 18.9, 20.4, 20.2, 19.5], [17.5, 18.3, 18.1, 19.0]);
    expect(w.t).toBeCloseTo(3.26076123894353, 12);
    expect(w.df).toBeCloseTo(6.75674233417238, 10);
    expect(w.p).toBeCloseTo(0.0145554212095482, 12);
    expect([w.interval.low, w.interval.high].map((x) => x.toFixed(8))).toEqual(['0.37595000', '2.41405000']);
  });

  it('exact permutation test = all 126 relabellings enumerated in R (p = 4/126)', () => {
    const r = permutationTest([19.1, 18.9, 20.4, 20.2, 19.5], [17.5, 18.3, 18.1, 19.0]);
    expect(r).toMatchObject({ method: 'exact', permutations: 126 });
    expect(r.p).toBeCloseTo(0.0317460317460317, 14);
  });

  it('Monte-Carlo permutation test: seeded, near the exact p, never 0', () => {
    const a = Array.from({ length: 15 }, (_, i) => sleep1[i % 10]! + i / 100);
    const b = Array.from({ length: 15 }, (_, i) => sleep2[i % 10]! + i / 100);
    const mc = permutationTest(a, b, { iterations: 20_000, seed: 7 });
    expect(mc.method).toBe('monte_carlo');
    expect(permutationTest(a, b, { iterations: 20_000, seed: 7 }).p).toBe(mc.p);
    // Welch's p for the same data as a sanity anchor: permutation and t test agree to a few points
    expect(Math.abs(mc.p - welch(a, b).p)).toBeLessThan(0.03);
    expect(
      permutationTest(
        Array(20)
          .fill(0)
          .map((_, i) => 100 + i),
        Array(20)
          .fill(0)
          .map((_, i) => i),
        { iterations: 999 },
      ).p,
    ).toBe(1 / 1000);
  });

  it('Cohen’s d and Hedges’ g with the exact J and its interval (formulas evaluated in R)', () => {
    const e = effectSize(sleep1, sleep2);
    expect(e.d).toBeCloseTo(-0.83218108134954, 12);
    expect(e.g).toBeCloseTo(-0.796935239191121, 12);
    expect(e.se).toBeCloseTo(0.46462634921689, 12);
    expect(e.interval.low).toBeCloseTo(-1.70758614992455, 11);
    expect(e.interval.high).toBeCloseTo(0.113715671542313, 11);
  });

  it('Wilson intervals = prop.test(correct = FALSE)', () => {
    const w = wilson(56, 70);
    expect(w.low).toBeCloseTo(0.691833555037469, 13);
    expect(w.high).toBeCloseTo(0.87695260751637, 13);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBe(1);
  });

  it('difference of proportions: Newcombe 1998 Table II, 56/70 − 48/80 → 0.0524 to 0.3339', () => {
    const d = proportionDifference(56, 70, 48, 80);
    expect(d.difference).toBeCloseTo(0.2, 14);
    expect(d.interval.low.toFixed(4)).toBe('0.0524');
    expect(d.interval.high.toFixed(4)).toBe('0.3339');
    expect(d.interval.low).toBeCloseTo(0.0524314724023649, 12);
    expect(d.p_value).toBeCloseTo(0.00804508136819656, 12);
  });

  it('McNemar exact: 9 vs 2 discordant pairs = binom.test(2, 11) p 0.0654', () => {
    const a = [...Array(9).fill(true), ...Array(2).fill(false), ...Array(5).fill(true)];
    const b = [...Array(9).fill(false), ...Array(2).fill(true), ...Array(5).fill(true)];
    expect(mcnemar(a, b)).toEqual({ discordant: [9, 2], p: expect.closeTo(0.0654296875, 14) });
    expect(mcnemar([true, false], [true, false]).p).toBe(1);
  });

  it('chi-square of independence = chisq.test(correct = FALSE)', () => {
    const c = chiSquareIndependence([
      [12, 5],
      [9, 7],
      [3, 14],
    ]);
    expect(c.statistic).toBeCloseTo(10.1862980769231, 12);
    expect(c.df).toBe(2);
    expect(c.p).toBeCloseTo(0.00613865854650013, 13);
    expect(c.min_expected).toBeCloseTo(7.68, 12);
  });

  it('refuses what cannot be computed, naming the argument', () => {
    expect(refusal(() => welch([1], [1, 2])).extra).toEqual({ field: 'a' });
    expect(refusal(() => welch([1, Number.NaN], [1, 2])).extra).toEqual({ field: 'a.1' });
    expect(refusal(() => welch([1, 1], [2, 2])).extra).toEqual({ field: 'b' });
    expect(refusal(() => welch([1, 2], [2, 3], 1.5)).extra).toEqual({ field: 'level' });
    expect(refusal(() => wilson(11, 10)).extra).toEqual({ field: 'x' });
    expect(refusal(() => mcnemar([true], [])).extra).toEqual({ field: 'b' });
    expect(refusal(() => chiSquareIndependence([[1, 2]])).extra).toEqual({ field: 'table' });
    expect(
      refusal(() =>
        chiSquareIndependence([
          [1, -2],
          [3, 4],
        ]),
      ).extra,
    ).toEqual({ field: 'table' });
  });
});

const row = (
  employee_id: string,
  period: string,
  attainment: number | null,
  over: Partial<HistoryRow> = {},
): HistoryRow => ({
  employee_id,
  period,
  role: 'sales',
  team: 'T1',
  tenure_months: 12,
  attainment,
  below_floor: attainment === null ? null : attainment < 0.8,
  ...over,
});

describe('policy summaries', () => {
  it('attainment rates per team and the warning rate', () => {
    const rows = [
      row('a', 'P1', 1.2),
      row('b', 'P1', 0.79),
      row('c', 'P1', 1.0),
      row('d', 'P1', 0.5, { team: 'T2' }),
      row('e', 'P1', 0.9, { team: 'T2' }),
      row('f', 'P1', null, { team: 'T2' }),
    ];
    // T1: 1.2 and 1.0 reach 1 (2 of 3); T2: none of 2 (f has no attainment)
    expect(attainmentRates(rows, 'team').map((g) => [g.group, g.attained, g.n])).toEqual([
      ['T1', 2, 3],
      ['T2', 0, 2],
    ]);
    // warning fired below 0.8: b and d → 2 of 5
    expect(warningRate(rows)).toMatchObject({ n: 5, attained: 2, rate: 0.4 });
    expect([0, 5.9, 6, 11, 12, 30, 60, null].map((m) => tenureBand(m))).toEqual([
      '<6m',
      '<6m',
      '6-12m',
      '6-12m',
      '1-2y',
      '2-5y',
      '5y+',
      'unknown',
    ]);
  });

  it('stability: mean |change| and Spearman of consecutive periods', () => {
    const rows = [
      row('e1', 'P1', 1.0),
      row('e2', 'P1', 0.8),
      row('e3', 'P1', 1.2),
      row('e4', 'P1', 0.9),
      row('e1', 'P2', 1.1),
      row('e2', 'P2', 0.7),
      row('e3', 'P2', 1.0),
      row('e4', 'P2', 1.0),
    ];
    // |Δ| = 0.1, 0.1, 0.2, 0.1 → 0.125. Ranks P1 (3, 1, 4, 2), P2 (4, 1, 2.5, 2.5): r = 3 / √(5 × 4.5) = 0.632456
    const s = stability(rows);
    expect(s.pairs).toHaveLength(1);
    expect(s.mean_abs_change).toBeCloseTo(0.125, 12);
    expect(s.spearman).toBeCloseTo(3 / Math.sqrt(22.5), 12);
  });

  it('fairness: a clear gap between teams is found; equal teams are not', () => {
    const rows: HistoryRow[] = [];
    for (let i = 0; i < 8; i++)
      for (const p of ['P1', 'P2', 'P3']) {
        rows.push(row(`h${i}`, p, i < 7 ? 1.1 : 0.9, { team: 'High' }));
        rows.push(row(`l${i}`, p, i < 2 ? 1.1 : 0.9, { team: 'Low' }));
      }
    const f = fairness(rows, 'team', { permutations: 999, seed: 3 });
    // High: 7 of 8 people attain in all 3 periods → 21 / 24; Low: 2 of 8 → 6 / 24; gap 0.625
    expect(f.gap).toEqual({ value: 0.625, highest: 'High', lowest: 'Low' });
    // people, not person-periods, are shuffled: 9 attainers among 16 people split 8 / 8, observed 7 / 2;
    // exact two-sided p = 2 × (C(9,7) C(7,1) + C(9,8)) / C(16,8) = 522 / 12870 = 0.0406
    expect(f.permutation!.p).toBeGreaterThan(0.025);
    expect(f.permutation!.p).toBeLessThan(0.06);
    // the chi-square on person-periods counts each person three times and is far more confident
    expect(f.chi_square!.p).toBeLessThan(0.001);
    const equal = rows.map((r) => ({ ...r, attainment: r.employee_id.endsWith('0') ? 0.9 : 1.1 }));
    const g = fairness(equal, 'team', { permutations: 999 });
    expect(g.gap!.value).toBe(0);
    expect(g.permutation!.p).toBe(1);
  });

  it('fairness leaves out groups with fewer than min people', () => {
    const rows = [row('a', 'P1', 1.1), row('b', 'P1', 0.9, { team: 'T2' })];
    const f = fairness(rows, 'team');
    expect(f.groups).toHaveLength(2);
    expect(f.gap).toBeNull();
  });
});

describe('comparing two policies', () => {
  // policy a: targets at P70; policy b: lower targets at P50 → higher attainment for the same people
  const people = Array.from({ length: 12 }, (_, i) => `e${i}`);
  const hist = (shift: number): HistoryRow[] =>
    people.flatMap((e, i) =>
      ['2026-01', '2026-02'].map((p, k) =>
        row(e, p, 0.8 + 0.04 * i + 0.02 * k + shift, { team: i % 2 ? 'T1' : 'T2', tenure_months: 3 + 6 * i }),
      ),
    );

  it('paired on the same person-periods, with a McNemar test', () => {
    const r = comparePolicies({ a: { name: 'P70', rows: hist(0) }, b: { name: 'P50', rows: hist(0.1) } });
    // a: attainment ≥ 1 for 0.8 + 0.04 i + 0.02 k ≥ 1 → i ≥ 5 (k 0) or i ≥ 5 (k 1, 0.98 at i = 4): 7 + 7 of 24
    // b: + 0.1 → i ≥ 3 at k 0 (0.92 + 0.1 = 1.02), i ≥ 2 at k 1 (1.0): 9 + 10 of 24
    expect(r.paired!.rows).toBe(24);
    expect(r.paired!.attainment_rate.a).toBeCloseTo(14 / 24, 12);
    expect(r.paired!.attainment_rate.b).toBeCloseTo(19 / 24, 12);
    expect(r.paired!.attainment_rate.mcnemar.discordant).toEqual([0, 5]);
    expect(r.paired!.attainment_rate.mcnemar.p).toBeCloseTo(2 * 0.5 ** 5, 12);
    expect(r.a.attainment.all).toMatchObject({ n: 24, attained: 14 });
    expect(r.a.stability.pairs).toHaveLength(1);
    expect(r.a.stability.spearman).toBeCloseTo(1, 12);
    expect(r.a.fairness.tenure.groups.map((g) => g.group)).toEqual(['1-2y', '2-5y', '5y+', '6-12m', '<6m']);
    expect(r.split).toBeNull();
  });

  it('a declared split: one value per person, Welch, permutation, Hedges’ g, Newcombe', () => {
    const groups = new Map(people.map((e, i) => [e, i < 6 ? ('a' as const) : ('b' as const)]));
    const r = comparePolicies({
      a: { name: 'P70', rows: hist(0) },
      b: { name: 'P50', rows: hist(0.1) },
      split: { groups },
    });
    // group a: e0–e5 under policy a, person means 0.81 + 0.04 i; group b: e6–e11 under b, 1.15 + 0.04 (i − 6)
    const va = [0, 1, 2, 3, 4, 5].map((i) => 0.81 + 0.04 * i);
    const vb = [6, 7, 8, 9, 10, 11].map((i) => 0.91 + 0.04 * i);
    expect(r.split!.people).toEqual([6, 6]);
    expect(r.split!.welch!.difference).toBeCloseTo(va.reduce((s, x) => s + x) / 6 - vb.reduce((s, x) => s + x) / 6, 12);
    expect(r.split!.welch!.t).toBeCloseTo(welch(va, vb).t, 10);
    expect(r.split!.permutation.method).toBe('exact');
    // the groups do not overlap: only the observed split and its mirror are as extreme → 2 / C(12, 6)
    expect(r.split!.permutation.p).toBeCloseTo(2 / 924, 12);
    expect(r.split!.effect!.g).toBeLessThan(-3);
    // reached 1: group a has i = 5 (1.01) → 1 of 6; group b all 6
    expect(r.split!.attained!.p).toEqual([1 / 6, 1]);
  });

  it('a split where neither group varies: no t test, a note, the permutation test still answers', () => {
    const flat = (v: number): HistoryRow[] => people.map((e) => row(e, '2026-01', v));
    const groups = new Map(people.map((e, i) => [e, i < 6 ? ('a' as const) : ('b' as const)]));
    const r = comparePolicies({
      a: { name: 'x', rows: flat(1) },
      b: { name: 'y', rows: flat(0.9) },
      split: { groups },
    });
    expect(r.split!.welch).toBeNull();
    expect(r.split!.effect).toBeNull();
    expect(r.split!.permutation.p).toBeCloseTo(2 / 924, 12);
    expect(r.notes.join(' ')).toContain('neither group varies');
  });

  it('refuses duplicate person-periods, bad attainment and a split without two people a side', () => {
    const dup = [row('a', 'P1', 1), row('a', 'P1', 1.1)];
    expect(refusal(() => comparePolicies({ a: { name: 'x', rows: dup }, b: { name: 'y', rows: dup } })).extra).toEqual({
      field: 'a.rows.1.period',
    });
    const neg = [row('a', 'P1', -1)];
    expect(
      refusal(() => comparePolicies({ a: { name: 'x', rows: hist(0) }, b: { name: 'y', rows: neg } })).extra,
    ).toEqual({
      field: 'b.rows.0.attainment',
    });
    expect(
      refusal(() =>
        comparePolicies({
          a: { name: 'x', rows: hist(0) },
          b: { name: 'y', rows: hist(0) },
          split: { groups: new Map([['e0', 'a' as const]]) },
        }),
      ).extra,
    ).toEqual({ field: 'split.groups' });
  });
});
