/**
 * 360° calibration: the REML fit against lme4 on the same data, input refusals naming row and field,
 * and the awkward designs (one rater, one rater per person, disconnected groups, ties, all scores
 * equal, mixed scales, self-ratings, an outlying rater).
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import { buildDesign, type RatingInput } from '../../src/appraisal/rater-input.js';
import { fitRaterModel } from '../../src/appraisal/rater-model.js';
import { calibrate360 } from '../../src/appraisal/rater.js';
import { simulatePeriod } from '../../src/appraisal/rater-sim.js';

const five = { min: 1, max: 5 };
const rating = (ratee: string, rater: string, score: number, extra: Partial<RatingInput> = {}): RatingInput => ({
  ratee,
  rater,
  relation: rater === ratee ? 'self' : 'peer',
  item: 'overall',
  score,
  scale: five,
  ...extra,
});

function refusal(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('the REML fit agrees with lme4', () => {
  // test/appraisal/lme4/rater-crosscheck.R on the period test/appraisal/lme4/write-sim.ts prints
  // (lme4 1.1-31, REML, bobyqa); figures × 100. lme4's conditional sd leaves out the uncertainty of the
  // fixed effects, which ours includes, so ours is a little larger.
  const sim = simulatePeriod(1, { people: 40, scores: 'continuous' });
  const d = buildDesign(sim.ratings);
  const fit = fitRaterModel(d, { maxIterations: 1000, tolerance: 1e-10 });
  const pts = (x: number) => 100 * x;

  it('variance components', () => {
    expect(fit.converged).toBe(true);
    const sd = fit.variances;
    expect(pts(Math.sqrt(sd.person))).toBeCloseTo(2.855974, 4);
    expect(pts(Math.sqrt(sd.rater))).toBeCloseTo(3.350869, 4);
    expect(pts(Math.sqrt(sd.pair))).toBeCloseTo(1.372279, 4);
    expect(pts(Math.sqrt(sd.residual))).toBeCloseTo(2.569656, 4);
  });

  it('person and rater BLUPs, and prediction-error sds at least lme4’s conditional sds', () => {
    const people: [string, number, number][] = [
      ['p000', 1.126825, 1.075184],
      ['p001', 0.996724, 0.995053],
      ['p002', -1.870858, 0.951384],
      ['p039', -2.387686, 0.992491],
    ];
    for (const [id, blup, csd] of people) {
      const i = d.people.indexOf(id);
      expect(pts(fit.personEffect[i]!)).toBeCloseTo(blup, 4);
      const sd = pts(Math.sqrt(fit.personPev[i]!));
      expect(sd).toBeGreaterThanOrEqual(csd);
      expect(sd).toBeLessThan(csd * 1.1);
    }
    const raters: [string, number, number][] = [
      ['c:p001:0', 1.146706, 2.002574],
      ['c:p001:1', 1.450734, 2.270349],
      ['c:p002:0', 5.20423, 1.992617],
      ['peer:p039', 1.033136, 0.793602],
    ];
    for (const [id, blup, csd] of raters) {
      const j = d.raters.indexOf(id);
      expect(pts(fit.raterEffect[j]!)).toBeCloseTo(blup, 4);
      const sd = pts(Math.sqrt(fit.raterPev[j]!));
      expect(sd).toBeGreaterThanOrEqual(csd);
      expect(sd).toBeLessThan(csd * 1.2);
    }
  });

  it('fixed-effect contrasts (relation vs customer, item vs communication)', () => {
    const rel = (name: string) => pts(fit.relationEffects[d.relations.indexOf(name)]!);
    const item = (name: string) => pts(fit.itemEffects[d.items.indexOf(name)]!);
    expect(rel('manager') - rel('customer')).toBeCloseTo(-3.848048, 3);
    expect(rel('peer') - rel('customer')).toBeCloseTo(-3.297218, 3);
    expect(item('ownership') - item('communication')).toBeCloseTo(-2.001183, 3);
    expect(item('results') - item('communication')).toBeCloseTo(-2.190713, 3);
    expect(item('service') - item('communication')).toBeCloseTo(0.822045, 3);
    expect(item('teamwork') - item('communication')).toBeCloseTo(-0.198111, 3);
  });

  it('a variance on the boundary: six ratings where lme4 puts the person sd at 0 (test/appraisal/lme4/tiny.R)', () => {
    const rows = [
      rating('ann', 'mA', 5, { relation: 'manager' }),
      rating('bob', 'mA', 4, { relation: 'manager' }),
      rating('cat', 'mB', 3, { relation: 'manager' }),
      rating('dan', 'mB', 2, { relation: 'manager' }),
      rating('bob', 'peer1', 4),
      rating('cat', 'peer1', 4),
    ];
    const f = fitRaterModel(buildDesign(rows), { maxIterations: 2000, tolerance: 1e-9 });
    expect(f.converged).toBe(true);
    expect(f.variances.person).toBe(0);
    // to 0.001 points: the one peer rater makes the relation effect weakly identified, and our weak
    // ridge on fixed effects (sd 100) moves the last digits there
    expect(Math.abs(pts(Math.sqrt(f.variances.rater)) - 33.850344)).toBeLessThan(1e-3);
    expect(Math.abs(pts(Math.sqrt(f.variances.residual)) - 14.433704)).toBeLessThan(1e-3);
  });

  it('the same answer whichever facet is kept dense (raters fewer than people)', () => {
    // managers only: 3 raters, 24 people → raters kept; compare with the data transposed (roles swapped)
    const m = simulatePeriod(7, { people: 24, peersPerPerson: 0, maxCustomers: 0, scores: 'continuous' });
    const a = fitRaterModel(buildDesign(m.ratings), { maxIterations: 1000, tolerance: 1e-10 });
    const swapped = m.ratings.map((r) => ({ ...r, ratee: r.rater, rater: r.ratee }));
    const b = fitRaterModel(buildDesign(swapped), { maxIterations: 1000, tolerance: 1e-10 });
    expect(a.kept).toBe('rater');
    expect(b.kept).toBe('person');
    expect(a.variances.person).toBeCloseTo(b.variances.rater, 8);
    expect(a.variances.rater).toBeCloseTo(b.variances.person, 8);
    expect([...a.personEffect].map((x) => x.toFixed(8))).toEqual([...b.raterEffect].map((x) => x.toFixed(8)));
    expect([...a.raterPev].map((x) => x.toFixed(8))).toEqual([...b.personPev].map((x) => x.toFixed(8)));
  });
});

describe('bad input is refused with the row and field named', () => {
  it.each([
    ['a NaN score', { score: Number.NaN }, 'score', 'finite'],
    ['a score outside the scale', { score: 6 }, 'score', 'outside the stated scale 1–5'],
    ['a scale with min ≥ max', { scale: { min: 5, max: 5 } }, 'scale.max', 'greater than scale.min'],
    ['an infinite scale', { scale: { min: 1, max: Number.POSITIVE_INFINITY } }, 'scale.max', 'finite'],
    ['an empty ratee', { ratee: ' ' }, 'ratee', 'identifier'],
    ['an unknown-shaped relation', { relation: 'Line Manager' }, 'relation', 'lowercase'],
    ['self for someone else', { relation: 'self' }, 'relation', 'rater = ratee'],
  ])('%s', (_, bad, field, reason) => {
    const e = refusal(() => calibrate360([rating('p1', 'r1', 4), { ...rating('p2', 'r1', 3), ...bad }]));
    expect(e.code).toBe('invalid_rows');
    expect(e.extra.errors).toEqual([{ row: 2, field, reason: expect.stringContaining(reason) }]);
    expect(e.extra.total).toBe(1);
  });

  it('a duplicate (ratee, rater, item) and a second relation for one pair', () => {
    const e = refusal(() =>
      calibrate360([
        rating('p1', 'r1', 4),
        rating('p1', 'r1', 5),
        rating('p1', 'r1', 3, { item: 'speed', relation: 'manager' }),
      ]),
    );
    expect(e.extra.errors).toEqual([
      { row: 2, field: 'item', reason: 'duplicate of row 1 (same ratee, rater and item)' },
      { row: 3, field: 'relation', reason: expect.stringContaining("differs from 'peer' in row 1") },
    ]);
  });

  it('rating oneself as a peer', () => {
    const e = refusal(() => calibrate360([rating('p1', 'p1', 4, { relation: 'peer' })]));
    expect(e.extra.errors).toEqual([{ row: 1, field: 'relation', reason: expect.stringContaining("'self'") }]);
  });

  it('nothing to fit, and bad options', () => {
    expect(refusal(() => calibrate360([])).extra).toEqual({ field: 'ratings' });
    expect(refusal(() => calibrate360([rating('p1', 'p1', 4)])).extra).toEqual({ field: 'ratings' });
    expect(refusal(() => calibrate360([rating('p1', 'r1', 4)], { level: 1.2 })).extra).toEqual({ field: 'level' });
    expect(refusal(() => calibrate360([rating('p1', 'r1', 4)], { flag: { minN: 0 } })).extra).toEqual({
      field: 'flag.minN',
    });
  });

  it('lists at most 100 row errors and gives the total', () => {
    const rows = Array.from({ length: 150 }, (_, i) => rating(`p${i}`, 'r1', Number.NaN));
    const e = refusal(() => calibrate360(rows));
    expect((e.extra.errors as unknown[]).length).toBe(100);
    expect(e.extra.total).toBe(150);
  });
});

describe('awkward designs', () => {
  it('one rater only: the order of the raw scores, shrunk, leniency 0 and a note', () => {
    const res = calibrate360([rating('a', 'm', 5), rating('b', 'm', 3), rating('c', 'm', 4), rating('d', 'm', 2)]);
    expect(res.fixed_at_zero).toContain('rater');
    expect(res.notes.join(' ')).toContain('one rater only');
    const score = Object.fromEntries(res.people.map((p) => [p.ratee, p.score!]));
    expect(score.a! > score.c! && score.c! > score.b! && score.b! > score.d!).toBe(true);
    expect(res.raters).toMatchObject([{ rater: 'm', leniency: 0, n: 4, n_ratees: 4, flag: null }]);
    for (const p of res.people) expect(p.interval!.low <= p.score! && p.score! <= p.interval!.high).toBe(true);
  });

  it('people with one rater who rates only them get wider intervals than people seen by many', () => {
    const rows: RatingInput[] = [];
    const people = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const p of people.slice(0, 5))
      for (const r of ['r1', 'r2', 'r3', 'r4']) rows.push(rating(p, r, 2 + ((p.charCodeAt(0) + r.length * 3) % 3)));
    rows.push(rating('f', 'lonely', 5, { relation: 'customer' }));
    const res = calibrate360(rows);
    const width = (id: string) => {
      const p = res.people.find((x) => x.ratee === id)!;
      return p.interval!.high - p.interval!.low;
    };
    expect(width('f')).toBeGreaterThan(width('a'));
    const f = res.people.find((x) => x.ratee === 'f')!;
    expect(f).toMatchObject({ n: 1, n_raters: 1, raw_mean: 100 });
    expect(f.score!).toBeLessThan(100);
  });

  it('disconnected groups are counted, noted, and each person gets a component', () => {
    const rows = [
      rating('a', 'r1', 4),
      rating('b', 'r1', 3),
      rating('a', 'r2', 5),
      rating('c', 'r3', 2),
      rating('d', 'r3', 4),
      rating('d', 'r4', 3),
    ];
    const res = calibrate360(rows);
    expect(res.components).toBe(2);
    expect(res.notes.join(' ')).toContain('2 groups of people share no raters');
    expect(res.people.map((p) => p.component)).toEqual([0, 0, 1, 1]);
    expect(res.raters.map((r) => r.component)).toEqual([0, 0, 1, 1]);
  });

  it('ties: every rater gives one score to all items of a person (no noise within pairs)', () => {
    const rows: RatingInput[] = [];
    ['a', 'b', 'c', 'd'].forEach((p, i) =>
      ['r1', 'r2', 'r3'].forEach((r, j) => {
        for (const item of ['x', 'y', 'z']) rows.push(rating(p, r, 1 + ((i + j) % 5), { item }));
      }),
    );
    const res = calibrate360(rows);
    expect(res.converged).toBe(true);
    for (const p of res.people) {
      expect(Number.isFinite(p.score)).toBe(true);
      expect(p.interval!.high).toBeGreaterThanOrEqual(p.interval!.low);
    }
    expect(res.sd.residual).toBeLessThan(0.1);
  });

  it('every score equal: that score for everyone, no spread, a note', () => {
    const res = calibrate360([rating('a', 'r1', 4), rating('b', 'r1', 4), rating('a', 'r2', 4)]);
    expect(res.people.map((p) => [p.score, p.interval?.low, p.interval?.high])).toEqual([
      [75, 75, 75],
      [75, 75, 75],
    ]);
    expect(res.sd).toEqual({ person: 0, rater: 0, pair: 0, residual: 0 });
    expect(res.notes.join(' ')).toContain('same normalised score');
  });

  it('mixed scales combine on 0–1; one scale is also reported on that scale', () => {
    const mixed = calibrate360([
      rating('a', 'r1', 5),
      rating('b', 'r1', 1),
      rating('a', 'r2', 10, { scale: { min: 1, max: 10 } }),
      rating('b', 'r2', 1, { scale: { min: 1, max: 10 } }),
    ]);
    expect(mixed.scale).toBeNull();
    expect(mixed.people.map((p) => p.raw_mean)).toEqual([100, 0]);
    expect(mixed.people[0]!.on_scale).toBeNull();
    const one = calibrate360([rating('a', 'r1', 5), rating('b', 'r1', 2), rating('a', 'r2', 4), rating('b', 'r2', 1)]);
    expect(one.scale).toEqual(five);
    const a = one.people[0]!;
    expect(a.on_scale!.score).toBeCloseTo(1 + (4 * a.score!) / 100, 2);
  });

  it('self-ratings: left out and shown beside the score by default; a person with only a self-rating', () => {
    const rows = [rating('a', 'r1', 4), rating('b', 'r1', 2), rating('a', 'a', 5), rating('z', 'z', 5)];
    const res = calibrate360(rows);
    expect(res.n).toBe(2);
    expect(res.people.find((p) => p.ratee === 'a')).toMatchObject({ self_score: 100, n: 1 });
    expect(res.people.find((p) => p.ratee === 'z')).toMatchObject({ score: null, self_score: 100, n: 0 });
    const withSelf = calibrate360(rows, { self: 'include' });
    expect(withSelf.n).toBe(4);
    expect(Object.keys(withSelf.relation_effects)).toEqual(['peer', 'self']);
  });

  it('flags a rater who is far more lenient than the rest, and nobody else', () => {
    const sim = simulatePeriod(3, { people: 40, scores: 'continuous', outliers: false });
    const rows = sim.ratings.map((r) => (r.rater === 'm2' ? { ...r, score: r.score + 60 } : r));
    const res = calibrate360(rows);
    const flagged = res.raters.filter((r) => r.flag);
    expect(flagged.map((r) => [r.rater, r.flag])).toEqual([['m2', 'lenient']]);
    expect(flagged[0]!.z!).toBeGreaterThan(2.5);
    expect(res.flag_rule).toContain('2.5');
  });

  it('does not depend on the order of the rows', () => {
    const sim = simulatePeriod(4, { people: 20, scores: 'likert' });
    const a = calibrate360(sim.ratings);
    const b = calibrate360([...sim.ratings].reverse());
    expect(b.people).toEqual(a.people);
    expect(b.raters).toEqual(a.raters);
  });
});

describe('size limit', () => {
  it('refuses more than MAX_DENSE_LEVELS on the smaller side, naming ratings', () => {
    // 1001 people each rated by two of 1001 raters: both sides above the limit
    const rows: RatingInput[] = [];
    for (let i = 0; i < 1001; i++) {
      rows.push(rating(`p${i}`, `r${i}`, 3));
      rows.push(rating(`p${i}`, `r${(i + 1) % 1001}`, 4));
    }
    const e = refusal(() => calibrate360(rows));
    expect(e.code).toBe('limit_exceeded');
    expect(e.extra).toEqual({ field: 'ratings' });
  });
});
