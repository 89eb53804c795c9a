/**
 * 360° feedback calibration: from ratings by managers, peers, customers (and the person themself) to a
 * calibrated 360 score per person with an interval, and each rater's leniency with an interval and a
 * flag when it is far from the rest. The model is in `rater-model.ts`; why this model, in README.md.
 *
 * Scores are first normalised to 0–1 by their stated scale (1–5 → (score − 1) / 4), so ratings on
 * different scales combine. Reported scores are on 0–100 (and on the original scale when every fitted
 * rating used the same one); effects are in points of that 0–100 scale.
 */
import { DomainError } from '../lib/errors.js';
import { buildDesign, SELF, validateRatings, type Design, type RatingInput } from './rater-input.js';
import { fitRaterModel, type ModelFit, type VarianceComponents } from './rater-model.js';
import { normalQuantile, tQuantile } from './stats.js';

export type { RatingInput } from './rater-input.js';

export interface CalibrationOptions {
  /** Interval level, 0.5–0.999 (default 0.9). */
  level?: number;
  /** Self-ratings: left out of the model and shown beside the score (default), or fitted as a relation. */
  self?: 'exclude' | 'include';
  /** A rater is flagged when |z| > `z` (default 2.5) and they gave at least `minN` ratings (default 5). */
  flag?: { z?: number; minN?: number };
  maxIterations?: number;
  tolerance?: number;
}

export interface Interval {
  level: number;
  low: number;
  high: number;
}

export interface PersonScore {
  ratee: string;
  /** Calibrated 360 score on 0–100 (null when only self-ratings exist); clipped to 0–100. */
  score: number | null;
  interval: Interval | null;
  /** The same on the ratings' own scale, when every fitted rating used one scale. */
  on_scale: { score: number; low: number; high: number } | null;
  /** Plain mean of the fitted ratings on 0–100, for comparison. */
  raw_mean: number | null;
  /** Share of the score's variance that is the person, not rater noise: 1 − PEV / σ²_person. */
  reliability: number | null;
  n: number;
  n_raters: number;
  /** Fitted ratings per relation. */
  relations: Record<string, number>;
  /** Mean self-rating on 0–100 when self-ratings are left out (null when none). */
  self_score: number | null;
  /** Connected part of the rater–ratee graph (0-based; see `components`). */
  component: number | null;
}

export interface RaterLeniency {
  rater: string;
  /** Points (0–100 scale) this rater adds to a score against others of the same relation; + = lenient. */
  leniency: number;
  interval: Interval;
  /** Leniency / its standard deviation as an ordinary rater: N(0, 1) under the model. */
  z: number | null;
  flag: 'lenient' | 'severe' | null;
  n: number;
  n_ratees: number;
  relations: string[];
  raw_mean: number;
  component: number;
}

export interface CalibrationResult {
  method: string;
  level: number;
  flag_rule: string;
  /** The one scale of all fitted ratings, or null when they were mixed. */
  scale: { min: number; max: number } | null;
  /** Standard deviations on the 0–100 scale. */
  sd: { person: number; rater: number; pair: number; residual: number };
  fixed_at_zero: (keyof VarianceComponents)[];
  /** Effects in points around the rating-weighted mean (customers rating higher than peers, …). */
  relation_effects: Record<string, number>;
  item_effects: Record<string, number>;
  components: number;
  iterations: number;
  converged: boolean;
  n: number;
  notes: string[];
  people: PersonScore[];
  raters: RaterLeniency[];
}

/** People or raters of the smaller side beyond this make the dense solve too slow (10–14 s at 600 here). */
export const MAX_DENSE_LEVELS = 1000;

const METHOD =
  'linear mixed model on scores normalised to 0–1: μ + relation + item (fixed) + person + rater leniency + rater×ratee pair + noise (random); REML variance components; score = BLUP at the average relation and item; interval = ± t(people − 1) × √PEV, clipped to 0–100';

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const clip01 = (x: number) => Math.min(1, Math.max(0, x));

/** Union-find components of the bipartite rater–ratee graph. */
function components(d: Design): { person: Int32Array; rater: Int32Array; count: number } {
  const np = d.people.length;
  const parent = Int32Array.from({ length: np + d.raters.length }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (let p = 0; p < d.pairStart.length; p++) {
    const a = find(d.pairPerson[p]!);
    const b = find(np + d.pairRater[p]!);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const label = new Map<number, number>();
  const all = Int32Array.from(parent, (_, i) => {
    const r = find(i);
    if (!label.has(r)) label.set(r, label.size);
    return label.get(r)!;
  });
  return { person: all.slice(0, np), rater: all.slice(np), count: label.size };
}

/**
 * Calibrates one period's 360° ratings.
 * @throws DomainError `invalid_rows` (rows with field and reason), `unprocessable` (nothing to fit, or a
 *   bad option, `field` named), `limit_exceeded` (more than MAX_DENSE_LEVELS people and raters both)
 * @example
 * calibrate360([
 *   { ratee: 'p1', rater: 'm1', relation: 'manager', item: 'service', score: 4, scale: { min: 1, max: 5 } },
 *   { ratee: 'p2', rater: 'm1', relation: 'manager', item: 'service', score: 3, scale: { min: 1, max: 5 } },
 * ]).people[0].score // 67.86: the raw 75 shrunk toward the mean, 62.5 (one rater: little evidence)
 */
export function calibrate360(ratings: readonly RatingInput[], options: CalibrationOptions = {}): CalibrationResult {
  const level = options.level ?? 0.9;
  if (!(level >= 0.5 && level <= 0.999))
    throw new DomainError('unprocessable', 'level must be between 0.5 and 0.999', { field: 'level' });
  const zFlag = options.flag?.z ?? 2.5;
  const minN = options.flag?.minN ?? 5;
  if (!(zFlag > 0)) throw new DomainError('unprocessable', 'flag.z must be positive', { field: 'flag.z' });
  if (!(Number.isInteger(minN) && minN >= 1))
    throw new DomainError('unprocessable', 'flag.minN must be a positive integer', { field: 'flag.minN' });
  validateRatings(ratings);
  const excludeSelf = (options.self ?? 'exclude') === 'exclude';
  const fitted = excludeSelf ? ratings.filter((r) => r.relation !== SELF) : [...ratings];
  const notes: string[] = [];
  if (fitted.length === 0)
    throw new DomainError('unprocessable', 'only self-ratings: nothing to calibrate against', { field: 'ratings' });
  const d = buildDesign(fitted);
  if (Math.min(d.people.length, d.raters.length) > MAX_DENSE_LEVELS)
    throw new DomainError(
      'limit_exceeded',
      `${d.people.length} people and ${d.raters.length} raters: at most ${MAX_DENSE_LEVELS} of the smaller side per fit`,
      { field: 'ratings' },
    );
  const comp = components(d);
  if (comp.count > 1)
    notes.push(
      `${comp.count} groups of people share no raters: scores across groups are compared assuming their raters are equally lenient on average`,
    );
  const flat = degenerate(d);
  const fit =
    flat ?? fitRaterModel(d, { maxIterations: options.maxIterations ?? 500, tolerance: options.tolerance ?? 1e-6 });
  if (flat) notes.push('every fitted rating has the same normalised score: each score is that value, with no spread');
  else {
    if (!fit.converged) notes.push(`variance components did not converge in ${fit.iterations} iterations`);
    if (fit.fixedAtZero.includes('rater')) notes.push('one rater only: leniency cannot be told apart from the level');
    if (fit.fixedAtZero.includes('person')) notes.push('one person only: the score is the level');
    else if (fit.variances.person === 0) notes.push('no differences between people beyond rater noise were found');
  }
  // t with (people − 1) df: an allowance for estimating the variance components (README, "Intervals")
  const z =
    d.people.length > 1 ? tQuantile(1 - (1 - level) / 2, d.people.length - 1) : normalQuantile(1 - (1 - level) / 2);
  const selfScores = new Map<string, number[]>();
  if (excludeSelf)
    for (const r of ratings)
      if (r.relation === SELF)
        selfScores.set(r.ratee, [
          ...(selfScores.get(r.ratee) ?? []),
          (r.score - r.scale.min) / (r.scale.max - r.scale.min),
        ]);
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const personStats = perFacet(d, d.pairPerson, d.people.length, d.pairRater);
  const raterStats = perFacet(d, d.pairRater, d.raters.length, d.pairPerson);
  const onScale = (x: number) => (d.scale ? round(d.scale.min + x * (d.scale.max - d.scale.min), 3) : 0);
  const personIndex = new Map(d.people.map((p, i) => [p, i]));
  const everyone = [...new Set(ratings.map((r) => r.ratee))].sort();
  const people: PersonScore[] = everyone.map((ratee) => {
    const selfs = selfScores.get(ratee);
    const self_score = selfs ? round(100 * mean(selfs)) : null;
    const i = personIndex.get(ratee);
    if (i === undefined)
      return {
        ratee,
        score: null,
        interval: null,
        on_scale: null,
        raw_mean: null,
        reliability: null,
        n: 0,
        n_raters: 0,
        relations: {},
        self_score,
        component: null,
      };
    const s = fit.level + fit.personEffect[i]!;
    const half = z * Math.sqrt(Math.max(0, fit.scoreVar[i]!));
    const [lo, hi] = [clip01(s - half), clip01(s + half)];
    const st = personStats[i]!;
    const relations: Record<string, number> = {};
    for (const [rel, k] of st.relations) relations[d.relations[rel]!] = k;
    return {
      ratee,
      score: round(100 * clip01(s)),
      interval: { level, low: round(100 * lo), high: round(100 * hi) },
      on_scale: d.scale ? { score: onScale(clip01(s)), low: onScale(lo), high: onScale(hi) } : null,
      raw_mean: round((100 * st.sum) / st.n),
      reliability: fit.variances.person > 0 ? round(Math.max(0, 1 - fit.personPev[i]! / fit.variances.person), 3) : 0,
      n: st.n,
      n_raters: st.others,
      relations,
      self_score,
      component: comp.person[i]!,
    };
  });
  const raters: RaterLeniency[] = d.raters.map((rater, j) => {
    const b = fit.raterEffect[j]!;
    const pev = fit.raterPev[j]!;
    const half = z * Math.sqrt(Math.max(0, pev));
    const sdBlup = fit.variances.rater - pev;
    const zj = fit.variances.rater > 0 && sdBlup > 1e-12 * fit.variances.rater ? b / Math.sqrt(sdBlup) : null;
    const st = raterStats[j]!;
    const flagged = zj !== null && st.n >= minN && Math.abs(zj) > zFlag;
    return {
      rater,
      leniency: round(100 * b),
      interval: { level, low: round(100 * (b - half)), high: round(100 * (b + half)) },
      z: zj === null ? null : round(zj, 3),
      flag: flagged ? (b > 0 ? 'lenient' : 'severe') : null,
      n: st.n,
      n_ratees: st.others,
      relations: [...st.relations.keys()].map((r) => d.relations[r]!).sort(),
      raw_mean: round((100 * st.sum) / st.n),
      component: comp.rater[j]!,
    };
  });
  const named = (names: string[], xs: Float64Array) =>
    Object.fromEntries(names.map((nm, i) => [nm, round(100 * xs[i]!)]));
  const sd = (x: number) => round(100 * Math.sqrt(x), 3);
  return {
    method: METHOD,
    level,
    flag_rule: `|z| > ${zFlag} with at least ${minN} ratings, z = leniency / √(σ²_rater − PEV)`,
    scale: d.scale,
    sd: {
      person: sd(fit.variances.person),
      rater: sd(fit.variances.rater),
      pair: sd(fit.variances.pair),
      residual: sd(fit.variances.residual),
    },
    fixed_at_zero: fit.fixedAtZero,
    relation_effects: named(d.relations, fit.relationEffects),
    item_effects: named(d.items, fit.itemEffects),
    components: comp.count,
    iterations: fit.iterations,
    converged: fit.converged,
    n: d.y.length,
    notes,
    people,
    raters,
  };
}

interface FacetStats {
  n: number;
  sum: number;
  others: number;
  relations: Map<number, number>;
}

/** Ratings, their sum, distinct counterparts and ratings per relation, per level of one facet. */
function perFacet(d: Design, pairOf: Int32Array, levels: number, other: Int32Array): FacetStats[] {
  const out: FacetStats[] = Array.from({ length: levels }, () => ({ n: 0, sum: 0, others: 0, relations: new Map() }));
  const seen = new Set<string>();
  for (let p = 0; p < pairOf.length; p++) {
    const st = out[pairOf[p]!]!;
    const m = d.pairEnd[p]! - d.pairStart[p]!;
    st.n += m;
    for (let o = d.pairStart[p]!; o < d.pairEnd[p]!; o++) st.sum += d.y[o]!;
    const key = `${pairOf[p]}:${other[p]}`;
    if (!seen.has(key)) {
      seen.add(key);
      st.others++;
    }
    const rel = d.pairRelation[p]!;
    st.relations.set(rel, (st.relations.get(rel) ?? 0) + m);
  }
  return out;
}

/** Every fitted score equal: no variance to split; each score is that value, exactly. */
function degenerate(d: Design): ModelFit | null {
  const y0 = d.y[0]!;
  if (!d.y.every((x) => x === y0)) return null;
  const zeros = (k: number) => new Float64Array(k);
  return {
    variances: { person: 0, rater: 0, pair: 0, residual: 0 },
    fixedAtZero: ['person', 'rater', 'pair'],
    iterations: 0,
    converged: true,
    level: y0,
    relationEffects: zeros(d.relations.length),
    itemEffects: zeros(d.items.length),
    personEffect: zeros(d.people.length),
    personPev: zeros(d.people.length),
    scoreVar: zeros(d.people.length),
    raterEffect: zeros(d.raters.length),
    raterPev: zeros(d.raters.length),
    kept: 'person',
  };
}
