/**
 * Simulated 360° periods with known person effects and rater leniencies, for the calibration test and
 * `npm run eval:rater`. Seeded: the same seed gives the same ratings everywhere.
 *
 * A period: people in teams; each team's manager rates every member; each person is rated by a few peers
 * from other teams and by 0–8 customers who rate only them (the sparse part); every rater answers each of
 * the items with probability 0.85 (customers only the customer items). Latent score on 0–1:
 *   μ + relation + item + person + rater + pair + noise,
 * with a heavy-tailed leniency (a tenth of raters drawn three times wider) and, by default, some teams
 * given a harsh or lenient manager on purpose — the case calibration is for. Scores are either kept
 * continuous (latent × 100 on a stated −100…200 scale, so nothing is clipped and the model holds exactly),
 * or rounded to a 1–5 scale (customers 1–10) and clipped there.
 */
import { Rng } from '../demo/rng.js';
import type { RatingInput } from './rater-input.js';
import { calibrate360 } from './rater.js';
import { spearman } from './stats.js';

export interface SimOptions {
  people: number;
  teamSize?: number;
  peersPerPerson?: number;
  maxCustomers?: number;
  /** 'continuous' keeps the model exact (scale 0–100); 'likert' rounds to 1–5 (customers 1–10). */
  scores?: 'continuous' | 'likert';
  sd?: { person?: number; rater?: number; pair?: number; noise?: number };
  /** Off-model raters (default true): every third manager shifted ±0.15, a tenth of leniencies 3× wider. */
  outliers?: boolean;
}

export interface SimPeriod {
  ratings: RatingInput[];
  /** True person effect and the target a calibrated score estimates (level + effect), in normalised 0–1 units. */
  truth: Map<string, { effect: number; target: number }>;
  leniency: Map<string, number>;
}

const ITEMS = ['communication', 'ownership', 'service', 'teamwork', 'results'];
const CUSTOMER_ITEMS = ['service', 'results'];
const RELATION_EFFECT: Record<string, number> = { manager: -0.03, peer: 0, customer: 0.06 };
const ITEM_EFFECT: Record<string, number> = {
  communication: 0.02,
  ownership: -0.04,
  service: 0.05,
  teamwork: 0.01,
  results: -0.04,
};

export function simulatePeriod(seed: number, o: SimOptions): SimPeriod {
  const r = Rng.from(seed, 'rater-sim');
  const sd = { person: 0.1, rater: 0.08, pair: 0.04, noise: 0.08, ...o.sd };
  const teamSize = o.teamSize ?? 8;
  const peers = o.peersPerPerson ?? 3;
  const maxCustomers = o.maxCustomers ?? 8;
  const mu = 0.6;
  const outliers = o.outliers ?? true;
  const people = Array.from({ length: o.people }, (_, i) => `p${String(i).padStart(3, '0')}`);
  const effect = new Map(people.map((p) => [p, r.normal(0, sd.person)]));
  const leniency = new Map<string, number>();
  const lenOf = (rater: string, shift = 0) => {
    let b = leniency.get(rater);
    if (b === undefined) {
      const wide = r.chance(0.1) && outliers;
      b = (outliers ? shift : 0) + r.normal(0, wide ? 3 * sd.rater : sd.rater);
      leniency.set(rater, b);
    }
    return b;
  };
  const ratings: RatingInput[] = [];
  const latentSum = { n: 0, fixed: 0 };
  const rate = (ratee: string, rater: string, relation: string, items: readonly string[]) => {
    const b = leniency.get(rater)!;
    const pair = r.normal(0, sd.pair);
    for (const item of items) {
      if (!r.chance(0.85)) continue;
      const fixed = mu + RELATION_EFFECT[relation]! + ITEM_EFFECT[item]!;
      const latent = fixed + effect.get(ratee)! + b + pair + r.normal(0, sd.noise);
      latentSum.n++;
      latentSum.fixed += fixed;
      if (o.scores === 'likert') {
        const [min, max] = relation === 'customer' ? [1, 10] : [1, 5];
        const score = Math.min(max, Math.max(min, Math.round(min + latent * (max - min))));
        ratings.push({ ratee, rater, relation, item, score, scale: { min, max } });
      } else {
        ratings.push({ ratee, rater, relation, item, score: 100 * latent, scale: { min: -100, max: 200 } });
      }
    }
  };
  const teams = Math.ceil(o.people / teamSize);
  for (let t = 0; t < teams; t++) {
    const manager = `m${t}`;
    // every third team gets a clearly harsh or lenient manager
    lenOf(manager, t % 3 === 0 ? (t % 2 === 0 ? -0.15 : 0.15) : 0);
    for (const p of people.slice(t * teamSize, (t + 1) * teamSize)) rate(p, manager, 'manager', ITEMS);
  }
  people.forEach((p, i) => {
    const team = Math.floor(i / teamSize);
    const others = people.filter((_, j) => Math.floor(j / teamSize) !== team);
    const chosen = new Set<string>();
    while (chosen.size < Math.min(peers, others.length)) chosen.add(r.pick(others));
    for (const q of chosen) {
      lenOf(`peer:${q}`);
      rate(p, `peer:${q}`, 'peer', ITEMS);
    }
    const customers = r.int(0, maxCustomers);
    for (let c = 0; c < customers; c++) {
      const id = `c:${p}:${c}`;
      lenOf(id);
      rate(p, id, 'customer', CUSTOMER_ITEMS);
    }
  });
  const level = latentSum.fixed / Math.max(1, latentSum.n);
  // continuous scores live on a −100…200 scale so that nothing is clipped: 0–1 units are (latent + 1) / 3
  const norm = (x: number) => (o.scores === 'likert' ? x : (x + 1) / 3);
  const normEffect = (x: number) => (o.scores === 'likert' ? x : x / 3);
  const truth = new Map(
    people.map((p) => [p, { effect: normEffect(effect.get(p)!), target: norm(level + effect.get(p)!) }]),
  );
  return { ratings, truth, leniency };
}

export interface DesignFigures {
  seed: number;
  people: number;
  ratings: number;
  raters: number;
  /** Spearman with the true person effect: calibrated score, raw mean, rater-centred mean. */
  spearman: { calibrated: number; raw: number; centred: number };
  /** Share of people whose interval holds the truth; share of raters (≥ 5 ratings) likewise. */
  coverage: { people: number; raters: number | null };
  flagged: number;
  /** Flagged raters whose true leniency is beyond ±2.5 × the rater sd (0.08 by default). */
  flaggedTrue: number;
  ms: number;
}

/** Rater-centred mean: each rating minus its rater's mean plus the grand mean, averaged per person. */
export function centredMeans(ratings: readonly RatingInput[]): Map<string, number> {
  const norm = ratings.map((x) => (x.score - x.scale.min) / (x.scale.max - x.scale.min));
  const grand = norm.reduce((s, x) => s + x, 0) / norm.length;
  const byRater = new Map<string, { s: number; n: number }>();
  ratings.forEach((x, i) => {
    const a = byRater.get(x.rater) ?? { s: 0, n: 0 };
    a.s += norm[i]!;
    a.n++;
    byRater.set(x.rater, a);
  });
  const byPerson = new Map<string, { s: number; n: number }>();
  ratings.forEach((x, i) => {
    const rm = byRater.get(x.rater)!;
    const a = byPerson.get(x.ratee) ?? { s: 0, n: 0 };
    a.s += norm[i]! - rm.s / rm.n + grand;
    a.n++;
    byPerson.set(x.ratee, a);
  });
  return new Map([...byPerson].map(([k, a]) => [k, a.s / a.n]));
}

/** Fits one simulated period and scores it against the truth. */
export function evaluateDesign(seed: number, o: SimOptions, level = 0.9): DesignFigures {
  const sim = simulatePeriod(seed, o);
  const t0 = performance.now();
  const res = calibrate360(sim.ratings, { level });
  const ms = performance.now() - t0;
  const people = res.people.filter((p) => p.score !== null);
  const truth = people.map((p) => sim.truth.get(p.ratee)!);
  const centred = centredMeans(sim.ratings);
  let inside = 0;
  people.forEach((p, i) => {
    const t = 100 * truth[i]!.target;
    if (t >= p.interval!.low && t <= p.interval!.high) inside++;
  });
  const scale = o.scores === 'likert' ? 1 : 1 / 3;
  const sdRater = (o.sd?.rater ?? 0.08) * scale;
  let rIn = 0;
  let rN = 0;
  let flaggedTrue = 0;
  for (const r of res.raters) {
    // the model's truth is the draw itself (leniencies have mean 0; relation effects are the fixed part)
    const b = 100 * scale * sim.leniency.get(r.rater)!;
    if (r.flag && Math.abs(b) > 250 * sdRater) flaggedTrue++;
    if (r.n < 5) continue;
    rN++;
    if (b >= r.interval.low && b <= r.interval.high) rIn++;
  }
  const eff = truth.map((t) => t.effect);
  return {
    seed,
    people: people.length,
    ratings: res.n,
    raters: res.raters.length,
    spearman: {
      calibrated: spearman(
        people.map((p) => p.score!),
        eff,
      ),
      raw: spearman(
        people.map((p) => p.raw_mean!),
        eff,
      ),
      centred: spearman(
        people.map((p) => centred.get(p.ratee)!),
        eff,
      ),
    },
    coverage: { people: inside / people.length, raters: rN > 0 ? rIn / rN : null },
    flagged: res.raters.filter((r) => r.flag).length,
    flaggedTrue,
    ms,
  };
}
