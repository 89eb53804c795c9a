/**
 * Tiered incentives: the brief's GMV plan worked by hand in both modes (amounts in the comments are
 * yuan; the code works in cents), weighted drivers, caps and floors, a fixed target bonus, the
 * service-star allowance, project pools, plan versions, missing inputs and plan refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import {
  evaluatePayouts,
  parsePlan,
  type MonthRating,
  type PersonPeriod,
  type PlanInput,
} from '../../src/appraisal/incentives.js';
import { splitPool } from '../../src/appraisal/money.js';

/** 0–80 % → 0, 80–100 % → 3 %, 100–150 % → 5 %, above 150 % the rate rises by 20 % (→ 6 %). */
const gmvTiers = [
  { from: 0, to: 80, rate: 0 },
  { from: 80, to: 100, rate: 3 },
  { from: 100, to: 150, rate: 5 },
  { from: 150, rise: 20 },
];
const plan = (over: Partial<PlanInput> = {}): PlanInput => ({
  id: 'sales',
  version: 1,
  role: 'sales_agent',
  effective_from: '2026-01',
  tier_mode: 'marginal',
  base_pay_cents: 600_000,
  components: [
    {
      id: 'gmv',
      drivers: [{ metric: 'gmv', weight: 1 }],
      base: { metric: 'gmv', cents_per_unit: 100 },
      tiers: gmvTiers,
    },
  ],
  ...over,
});
const person = (gmv: number, extra: PersonPeriod['metrics'] = [], id = 'e1'): PersonPeriod => ({
  employee_id: id,
  role: 'sales_agent',
  metrics: [
    { metric: 'gmv', actual: gmv, target: 1_000_000, attainment: gmv / 1_000_000, direction: 'higher' },
    ...extra,
  ],
});
const run = (p: PlanInput, people: PersonPeriod[], period = '2026-03') =>
  evaluatePayouts({ period, plans: [parsePlan(p)], people });
const gmvOf = (p: PlanInput, gmv: number) => run(p, [person(gmv)]).payouts[0]!.components[0]!;

function refusal(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('tiers on attainment', () => {
  it('marginal at 160 %: each tier’s rate on its slice of the GMV', () => {
    // 0–800,000 × 0 = 0; 800,000–1,000,000 × 3 % = 6,000; 1,000,000–1,500,000 × 5 % = 25,000;
    // 1,500,000–1,600,000 × 6 % = 6,000 → 37,000.00
    const c = gmvOf(plan(), 1_600_000);
    expect(c.lines.map((l) => [l.tier, l.rate_percent, l.slice_cents, l.amount_cents])).toEqual([
      [0, 0, 80_000_000, 0],
      [1, 3, 20_000_000, 600_000],
      [2, 5, 50_000_000, 2_500_000],
      [3, 6, 10_000_000, 600_000],
    ]);
    expect(c.lines[3]!.rise_percent).toBe(20);
    expect(c.attainment_percent).toBe(160);
    expect(c.attained_cents).toBe(160_000_000);
    expect(c.amount_cents).toBe(3_700_000);
  });

  it('whole-amount at 160 %: the reached tier’s rate on all of it', () => {
    // 6 % × 1,600,000 = 96,000.00
    const c = gmvOf(plan({ tier_mode: 'whole' }), 1_600_000);
    expect(c.lines).toEqual([
      {
        tier: 3,
        from_percent: 150,
        to_percent: null,
        rate_percent: 6,
        rise_percent: 20,
        slice_cents: 160_000_000,
        amount_cents: 9_600_000,
      },
    ]);
    expect(c.amount_cents).toBe(9_600_000);
  });

  it('a tier starts at its lower bound: exactly 100 % is in the 5 % tier', () => {
    expect(gmvOf(plan({ tier_mode: 'whole' }), 1_000_000).lines[0]).toMatchObject({ tier: 2, amount_cents: 5_000_000 });
    // marginal: 200,000 × 3 % = 6,000; the 5 % tier is reached with an empty slice
    const m = gmvOf(plan(), 1_000_000);
    expect(m.lines.map((l) => l.slice_cents)).toEqual([80_000_000, 20_000_000, 0]);
    expect(m.amount_cents).toBe(600_000);
  });

  it('below every paying tier: nothing', () => {
    expect(gmvOf(plan(), 700_000).amount_cents).toBe(0);
    expect(gmvOf(plan({ tier_mode: 'whole' }), 700_000).amount_cents).toBe(0);
  });

  it('odd cents: slices add up to the actual to the cent; each line rounded half up', () => {
    // 1,234,567.89: 200,000.00 × 3 % = 6,000.00; 234,567.89 × 5 % = 11,728.3945 → 11,728.39
    const c = gmvOf(plan(), 1_234_567.89);
    expect(c.lines.reduce((s, l) => s + l.slice_cents, 0)).toBe(123_456_789);
    expect(c.lines.map((l) => l.amount_cents)).toEqual([0, 600_000, 1_172_839]);
    expect(c.amount_cents).toBe(1_772_839);
  });

  it('weighted drivers pick the tier; marginal slices cut target × weighted attainment', () => {
    // attainment 0.7 × 120 % + 0.3 × 90 % = 111 % → attained 1,110,000: 200,000 × 3 % + 110,000 × 5 % = 11,500.00
    const p = plan({
      components: [
        {
          id: 'gmv',
          drivers: [
            { metric: 'gmv', weight: 7 },
            { metric: 'conversion', weight: 3 },
          ],
          base: { metric: 'gmv', cents_per_unit: 100 },
          tiers: gmvTiers,
        },
      ],
    });
    const conv = [{ metric: 'conversion', actual: 0.027, target: 0.03, attainment: 0.9, direction: 'higher' as const }];
    const c = run(p, [person(1_200_000, conv)]).payouts[0]!.components[0]!;
    expect(c.attainment_percent).toBe(111);
    expect(c.amount_cents).toBe(1_150_000);
    // whole: 5 % × the actual 1,200,000 = 60,000.00
    expect(run({ ...p, tier_mode: 'whole' }, [person(1_200_000, conv)]).payouts[0]!.components[0]!.amount_cents).toBe(
      6_000_000,
    );
  });

  it('attainment cap, component cap and floor, and the plan’s cap on variable pay', () => {
    const capped = plan({
      components: [
        {
          id: 'gmv',
          drivers: [{ metric: 'gmv', weight: 1 }],
          base: { metric: 'gmv', cents_per_unit: 100 },
          tiers: gmvTiers,
          attainment_cap: 150,
        },
      ],
    });
    // 200 % capped at 150 %: 6,000 + 25,000 = 31,000.00
    expect(gmvOf(capped, 2_000_000)).toMatchObject({ attainment_percent: 150, amount_cents: 3_100_000 });
    const bounded = (floor: number, cap: number) =>
      plan({ components: [{ ...plan().components![0]!, floor_cents: floor, cap_cents: cap }] });
    expect(gmvOf(bounded(500_000, 3_000_000), 1_600_000)).toMatchObject({
      subtotal_cents: 3_700_000,
      floor_or_cap: { kind: 'cap', adjustment_cents: -700_000 },
      amount_cents: 3_000_000,
    });
    expect(gmvOf(bounded(500_000, 3_000_000), 900_000)).toMatchObject({
      subtotal_cents: 300_000,
      floor_or_cap: { kind: 'floor', adjustment_cents: 200_000 },
      amount_cents: 500_000,
    });
    const total = run(plan({ variable_cap_cents: 2_000_000 }), [person(1_600_000)]).payouts[0]!;
    expect(total.variable_cap).toEqual({ cap_cents: 2_000_000, adjustment_cents: -1_700_000 });
    expect(total.total_cents).toBe(600_000 + 2_000_000);
  });

  it('a fixed target bonus paid by the reached tier', () => {
    const p = plan({
      tier_mode: 'whole',
      components: [
        {
          id: 'kpi_bonus',
          drivers: [{ metric: 'csat', weight: 1 }],
          base: { fixed_cents: 1_000_000 },
          tiers: [
            { from: 0, to: 80, rate: 0 },
            { from: 80, to: 100, rate: 50 },
            { from: 100, rate: 100 },
          ],
        },
      ],
    });
    const csat = [{ metric: 'csat', actual: 0.855, target: 0.9, attainment: 0.95, direction: 'higher' as const }];
    // 95 % → 50 % of 10,000.00
    expect(run(p, [person(1, csat)]).payouts[0]!.components[0]!.amount_cents).toBe(500_000);
  });

  it('missing inputs: the component is marked, left out of the total, and named', () => {
    const r = run(plan(), [{ employee_id: 'e9', role: 'sales_agent', metrics: [] }]).payouts[0]!;
    expect(r.complete).toBe(false);
    expect(r.components[0]).toMatchObject({ status: 'missing_data', amount_cents: null });
    expect(r.warnings).toEqual([
      'component gmv: gmv: no attainment',
      'component gmv: gmv: no target',
      'component gmv: gmv: no actual',
    ]);
    expect(r.total_cents).toBe(600_000);
  });

  it('amounts are exact integers for any actual and rate (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (cents, ppm) => {
        const p = plan({
          tier_mode: 'whole',
          components: [
            {
              id: 'x',
              drivers: [{ metric: 'gmv', weight: 1 }],
              base: { metric: 'gmv', cents_per_unit: 100 },
              tiers: [{ from: 0, rate: ppm / 10_000 }],
            },
          ],
        });
        const c = gmvOf(p, cents / 100);
        const exact = (BigInt(cents) * BigInt(ppm) * 2n + 1_000_000n) / 2_000_000n;
        return Number.isSafeInteger(c.amount_cents) && BigInt(c.amount_cents!) === exact;
      }),
      { numRuns: 300 },
    );
  });
});

describe('service-star allowance', () => {
  const withStars = plan({ star_allowance: { amount_cents: 50_000, min_stars: 4.8 } });
  const hist = (stars: (number | null)[], from = 1, insufficient: number[] = []): MonthRating[] =>
    stars.map((s, i) => ({
      period: `2026-${String(from + i).padStart(2, '0')}`,
      stars: s,
      insufficient_evidence: insufficient.includes(from + i),
    }));
  const allowance = (p: PlanInput, h: MonthRating[], period: string) =>
    evaluatePayouts({
      period,
      plans: [parsePlan(p)],
      people: [person(1_000_000)],
      serviceHistory: new Map([['e1', h]]),
    }).payouts[0]!.star_allowance!;

  it('three months in a row at ≥ 4.8 stars with enough evidence pay the allowance', () => {
    const a = allowance(withStars, hist([4.9, 4.8, 5]), '2026-03');
    expect(a).toMatchObject({ qualifies: true, amount_cents: 50_000, run_length: 3 });
    expect(a.months.map((m) => m.reason)).toEqual(['4.9 ≥ 4.8 stars', '4.8 ≥ 4.8 stars', '5 ≥ 4.8 stars']);
  });

  it('a month below the line, without evidence, or without a rating breaks the run', () => {
    expect(allowance(withStars, hist([4.9, 4.7, 5]), '2026-03').months[1]!.reason).toBe('4.7 < 4.8 stars');
    expect(allowance(withStars, hist([4.9, 4.9, 5], 1, [2]), '2026-03')).toMatchObject({
      qualifies: false,
      run_length: 1,
    });
    expect(allowance(withStars, hist([4.9, null, 5]), '2026-03').months[1]!.reason).toBe('no service rating');
  });

  it('rolling pays every month of a long run; per_run once per three months', () => {
    const six = hist([5, 5, 5, 5, 5, 5]);
    expect(['2026-03', '2026-04', '2026-05', '2026-06'].map((m) => allowance(withStars, six, m).qualifies)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const perRun = plan({ star_allowance: { amount_cents: 50_000, min_stars: 4.8, mode: 'per_run' } });
    expect(['2026-03', '2026-04', '2026-05', '2026-06'].map((m) => allowance(perRun, six, m).qualifies)).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('a quarter looks at its three months; the period’s own rating may come from kpi-inputs', () => {
    expect(allowance(withStars, hist([4.9, 4.9, 4.9]), '2026-Q1').qualifies).toBe(true);
    const r = evaluatePayouts({
      period: '2026-03',
      plans: [parsePlan(withStars)],
      people: [{ ...person(1_000_000), service_rating: { stars: 4.9, insufficient_evidence: false } }],
      serviceHistory: new Map([['e1', hist([4.9, 4.9])]]),
    }).payouts[0]!;
    expect(r.star_allowance!.qualifies).toBe(true);
    expect(r.total_cents).toBe(600_000 + 600_000 + 50_000);
  });
});

describe('project bonus pools', () => {
  it('shares normalised, parts summing exactly to the pool', () => {
    const parts = splitPool(100, [
      { employee_id: 'b', share: 1 },
      { employee_id: 'a', share: 1 },
      { employee_id: 'c', share: 1 },
    ]);
    expect(parts.map((p) => [p.employee_id, p.cents])).toEqual([
      ['b', 33],
      ['a', 34],
      ['c', 33],
    ]);
    expect(parts[0]!.normalised).toBe(0.333333);
    expect(
      splitPool(100_000, [
        { employee_id: 'a', share: 50 },
        { employee_id: 'b', share: 25 },
        { employee_id: 'c', share: 25 },
      ]).map((p) => p.cents),
    ).toEqual([50_000, 25_000, 25_000]);
  });

  it('always sums to the pool, each part within a cent of its exact value (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc
          .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 })
          .filter((a) => a.some((x) => x > 0)),
        (pool, raw) => {
          const shares = raw.map((u, i) => ({ employee_id: `e${i}`, share: u / 1000 }));
          const parts = splitPool(pool, shares);
          const total = raw.reduce((s, x) => s + x, 0);
          return (
            parts.reduce((s, p) => s + p.cents, 0) === pool &&
            parts.every((p, i) => Math.abs(p.cents - (pool * raw[i]!) / total) < 1 + 1e-6)
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pool parts join the payout, also for people without a plan', () => {
    const r = evaluatePayouts({
      period: '2026-03',
      plans: [parsePlan(plan())],
      people: [person(900_000)],
      pools: [
        {
          id: 'redesign',
          pool_cents: 1_000_001,
          shares: [
            { employee_id: 'e1', share: 2 },
            { employee_id: 'x7', share: 1 },
          ],
        },
      ],
    });
    expect(r.payouts.map((p) => [p.employee_id, p.project_bonus.map((l) => l.amount_cents), p.total_cents])).toEqual([
      ['e1', [666_667], 600_000 + 300_000 + 666_667],
      ['x7', [333_334], 333_334],
    ]);
    expect(r.unplanned).toEqual(['x7']);
  });

  it('refuses bad shares naming the field', () => {
    const e = refusal(() =>
      splitPool(100, [
        { employee_id: 'a', share: -1 },
        { employee_id: 'a', share: 0 },
      ]),
    );
    expect(e.code).toBe('invalid_pool');
    expect(e.extra.errors).toEqual([
      { field: 'shares.0.share', reason: 'expected a share ≥ 0 with at most 6 decimals' },
      { field: 'shares.1.employee_id', reason: "'a' has a share already" },
    ]);
    expect(refusal(() => splitPool(1.5, [{ employee_id: 'a', share: 1 }])).extra.errors).toEqual([
      { field: 'pool_cents', reason: 'expected a non-negative whole number of cents' },
    ]);
    const inPool = refusal(() =>
      evaluatePayouts({
        period: '2026-03',
        plans: [],
        people: [],
        pools: [{ id: 'p', pool_cents: 10, shares: [{ employee_id: 'a', share: 0 }] }],
      }),
    );
    expect(inPool.extra.errors).toEqual([{ field: 'pools.0.shares', reason: 'the shares sum to 0' }]);
  });
});

describe('plans: versions and refusals', () => {
  it('the version in force is used and recorded', () => {
    const v1 = parsePlan(plan());
    const v2 = parsePlan(plan({ version: 2, effective_from: '2026-04', base_pay_cents: 700_000 }));
    const at = (period: string) => evaluatePayouts({ period, plans: [v2, v1], people: [person(0)] }).payouts[0]!;
    expect(at('2026-03').plan).toEqual({ id: 'sales', version: 1, tier_mode: 'marginal' });
    expect(at('2026-05')).toMatchObject({ plan: { version: 2 }, base_pay_cents: 700_000 });
    expect(at('2025-12')).toMatchObject({ plan: null, total_cents: 0 });
    const v3 = parsePlan(plan({ version: 3, effective_from: '2026-04', base_pay_cents: 800_000 }));
    expect(
      evaluatePayouts({ period: '2026-04', plans: [v1, v3, v2], people: [person(0)] }).payouts[0]!.plan!.version,
    ).toBe(3);
  });

  it.each([
    [
      'overlapping tiers',
      {
        tiers: [
          { from: 0, to: 90, rate: 0 },
          { from: 80, rate: 3 },
        ],
      },
      'components.0.tiers.1.from',
      'overlaps tier 0',
    ],
    [
      'a gap',
      {
        tiers: [
          { from: 0, to: 80, rate: 0 },
          { from: 90, rate: 3 },
        ],
      },
      'components.0.tiers.1.from',
      'gap',
    ],
    [
      'unsorted tiers',
      {
        tiers: [
          { from: 0, to: 100, rate: 0 },
          { from: 100, to: 150, rate: 5 },
          { from: 80, rate: 3 },
        ],
      },
      'components.0.tiers.2.from',
      'tiers must be sorted by from (80 % after 100 %)',
    ],
    ['a negative rate', { tiers: [{ from: 0, rate: -3 }] }, 'components.0.tiers.0.rate', 'must not be negative'],
    [
      'a rate with five decimals',
      { tiers: [{ from: 0, rate: 3.00001 }] },
      'components.0.tiers.0.rate',
      'at most 4 decimals',
    ],
    [
      'rate and rise both',
      {
        tiers: [
          { from: 0, to: 80, rate: 0 },
          { from: 80, rate: 3, rise: 20 },
        ],
      },
      'components.0.tiers.1.rate',
      'exactly one of rate and rise',
    ],
    ['a rise on the first tier', { tiers: [{ from: 0, rise: 20 }] }, 'components.0.tiers.0.rise', 'needs a rate'],
    ['a first tier not at 0', { tiers: [{ from: 80, rate: 3 }] }, 'components.0.tiers.0.from', 'start at 0 %'],
    ['a bounded last tier', { tiers: [{ from: 0, to: 200, rate: 3 }] }, 'components.0.tiers.0.to', 'open-ended'],
    ['floor above cap', { floor_cents: 10, cap_cents: 5 }, 'components.0.floor_cents', 'must not exceed cap_cents'],
    ['an unknown key', { rates: [] }, 'components.0', 'rates'],
    ['a zero weight', { drivers: [{ metric: 'gmv', weight: 0 }] }, 'components.0.drivers.0.weight', 'must be positive'],
  ])('%s', (_, change, field, reason) => {
    const e = refusal(() => parsePlan(plan({ components: [{ ...plan().components![0]!, ...change } as never] })));
    expect(e.code).toBe('invalid_plan');
    expect(e.extra.errors).toContainEqual({ field, reason: expect.stringContaining(reason) });
  });

  it('plan-level refusals', () => {
    const errs = (p: unknown) => refusal(() => parsePlan(p)).extra.errors;
    expect(errs({ ...plan(), version: 0 })).toContainEqual({ field: 'version', reason: expect.any(String) });
    expect(errs({ ...plan(), tier_mode: 'progressive' })).toContainEqual({
      field: 'tier_mode',
      reason: expect.any(String),
    });
    expect(errs({ ...plan(), base_pay_cents: 12.5 })).toContainEqual({
      field: 'base_pay_cents',
      reason: 'expected whole cents',
    });
    expect(errs({ ...plan(), effective_from: '2026-13' })).toContainEqual({
      field: 'effective_from',
      reason: 'expected a month YYYY-MM',
    });
    expect(errs({ ...plan(), star_allowance: { amount_cents: 100, min_stars: 6 } })).toContainEqual({
      field: 'star_allowance.min_stars',
      reason: expect.any(String),
    });
    expect(errs({ ...plan(), components: [plan().components![0]!, plan().components![0]!] })).toContainEqual({
      field: 'components.1.id',
      reason: "'gmv' is used by another component",
    });
  });

  it('refuses a bad period and a person listed twice', () => {
    expect(refusal(() => evaluatePayouts({ period: '2026-3', plans: [], people: [] })).extra).toEqual({
      field: 'period',
    });
    expect(
      refusal(() => evaluatePayouts({ period: '2026-03', plans: [], people: [person(1), person(2)] })).extra,
    ).toEqual({
      field: 'people.1.employee_id',
    });
  });
});
