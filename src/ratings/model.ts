/**
 * The service-ability rating model: empirical Bayes on a beta-binomial.
 *
 * Each attributable review is one trial whose success is the model's P(positive service), so an
 * agent brings `n` trials and `positive` = Σ P (fractional successes). Per role and period, a
 * Beta(α, β) prior is fitted to all the role's agents by maximising the beta-binomial marginal
 * likelihood; each agent's posterior is Beta(α + positive, β + n − positive). Pure functions.
 */
import { betaQuantile, lnGamma } from './beta.js';

export const RATING_MODEL = 'eb-beta-binomial@1';
/** Below this many attributable reviews a rating is flagged `insufficient_evidence`. */
export const DEFAULT_MIN_REVIEWS = 10;
/** Two-sided interval level. */
export const INTERVAL_LEVEL = 0.9;
/** Fewer agents with evidence than this in a role and period: the prior falls back to a weak one. */
export const MIN_PRIOR_AGENTS = 5;
/** Prior strength α + β is kept within these bounds (the MLE runs to infinity when agents do not differ). */
const KAPPA_MIN = 0.5;
const KAPPA_MAX = 10_000;

export interface Evidence {
  /** attributable reviews */
  n: number;
  /** Σ P(positive service) over them, 0 ≤ positive ≤ n */
  positive: number;
}

export interface BetaPrior {
  alpha: number;
  beta: number;
  /** 'eb': fitted on the role's agents; 'weak': too few agents, pooled mean with strength 2 */
  method: 'eb' | 'weak';
  /** agents with at least one attributable review that the prior was fitted on */
  agents: number;
}

export interface Posterior {
  mean: number;
  low: number;
  high: number;
  alpha: number;
  beta: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The beta-binomial log marginal likelihood of the evidence (constants in n dropped). */
export function logMarginal(evidence: readonly Evidence[], alpha: number, beta: number): number {
  const k = alpha + beta;
  const base = lnGamma(k) - lnGamma(alpha) - lnGamma(beta);
  let sum = 0;
  for (const e of evidence) {
    if (e.n <= 0) continue;
    sum += base + lnGamma(alpha + e.positive) + lnGamma(beta + e.n - e.positive) - lnGamma(k + e.n);
  }
  return sum;
}

/** 2-D Nelder–Mead minimisation (small, deterministic; enough for a smooth likelihood surface). */
function nelderMead(f: (x: [number, number]) => number, start: [number, number], step = 0.5, maxEvals = 400, tol = 1e-9): [number, number] {
  let simplex: Array<{ x: [number, number]; v: number }> = [start, [start[0] + step, start[1]], [start[0], start[1] + step]].map((x) => ({
    x: x as [number, number],
    v: f(x as [number, number]),
  }));
  let evals = 3;
  while (evals < maxEvals) {
    simplex.sort((p, q) => p.v - q.v);
    const [best, mid, worst] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
    if (Math.abs(worst.v - best.v) <= tol * (1 + Math.abs(best.v))) break;
    const c: [number, number] = [(best.x[0] + mid.x[0]) / 2, (best.x[1] + mid.x[1]) / 2];
    const at = (t: number): [number, number] => [c[0] + t * (worst.x[0] - c[0]), c[1] + t * (worst.x[1] - c[1])];
    const r = at(-1);
    const fr = f(r);
    evals++;
    if (fr < best.v) {
      const e = at(-2);
      const fe = f(e);
      evals++;
      simplex[2] = fe < fr ? { x: e, v: fe } : { x: r, v: fr };
    } else if (fr < mid.v) {
      simplex[2] = { x: r, v: fr };
    } else {
      const k = at(fr < worst.v ? -0.5 : 0.5);
      const fk = f(k);
      evals++;
      if (fk < Math.min(fr, worst.v)) simplex[2] = { x: k, v: fk };
      else {
        simplex = simplex.map((p, i) => (i === 0 ? p : { x: [(p.x[0] + best.x[0]) / 2, (p.x[1] + best.x[1]) / 2] as [number, number], v: 0 }));
        for (let i = 1; i < 3; i++) simplex[i]!.v = f(simplex[i]!.x);
        evals += 2;
      }
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  return simplex[0]!.x;
}

/**
 * Fits the role's Beta prior by maximum marginal likelihood (empirical Bayes), parametrised as
 * mean μ and strength κ = α + β with κ kept in [0.5, 10,000]. Starts from the method of moments.
 * With fewer than `MIN_PRIOR_AGENTS` agents holding evidence it returns a weak prior: the pooled
 * share (with one pseudo-success and one pseudo-failure) at strength 2.
 * @example fitPrior([{ n: 100, positive: 80 }, …]) // { alpha: 16.1, beta: 3.9, method: 'eb', agents: … }
 */
export function fitPrior(evidence: readonly Evidence[], minAgents = MIN_PRIOR_AGENTS): BetaPrior {
  const used = evidence.filter((e) => e.n > 0);
  const N = used.reduce((s, e) => s + e.n, 0);
  const S = used.reduce((s, e) => s + e.positive, 0);
  const pooled = (S + 1) / (N + 2);
  if (used.length < minAgents) return { alpha: 2 * pooled, beta: 2 * (1 - pooled), method: 'weak', agents: used.length };

  // method of moments on raw shares for the start
  const shares = used.map((e) => e.positive / e.n);
  const m = shares.reduce((s, x) => s + x, 0) / shares.length;
  const v = shares.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, shares.length - 1);
  const meanN = N / used.length;
  const between = Math.max(v - (m * (1 - m)) / meanN, 1e-4);
  const k0 = clamp((m * (1 - m)) / between - 1, KAPPA_MIN * 2, KAPPA_MAX / 2);
  const mu0 = clamp(pooled, 0.01, 0.99);

  // κ through a logistic squash so the search stays inside the bounds
  const lo = Math.log(KAPPA_MIN);
  const hi = Math.log(KAPPA_MAX);
  const toKappa = (w: number) => Math.exp(lo + (hi - lo) * sigmoid(w));
  const fromKappa = (k: number) => logit(clamp((Math.log(k) - lo) / (hi - lo), 1e-6, 1 - 1e-6));
  const negLogLik = ([u, w]: [number, number]) => {
    const mu = sigmoid(u);
    const k = toKappa(w);
    const ll = logMarginal(used, mu * k, (1 - mu) * k);
    return Number.isFinite(ll) ? -ll : Number.MAX_VALUE;
  };
  const [u, w] = nelderMead(negLogLik, [logit(mu0), fromKappa(k0)]);
  const mu = sigmoid(u);
  const k = toKappa(w);
  return { alpha: mu * k, beta: (1 - mu) * k, method: 'eb', agents: used.length };
}

/**
 * The agent's posterior Beta(α + positive, β + n − positive): its mean and the central interval.
 * @example posterior({ alpha: 8, beta: 2, … }, { n: 10, positive: 5 }) // mean 0.65
 */
export function posterior(prior: Pick<BetaPrior, 'alpha' | 'beta'>, e: Evidence, level = INTERVAL_LEVEL): Posterior {
  const alpha = prior.alpha + e.positive;
  const beta = prior.beta + Math.max(0, e.n - e.positive);
  const tail = (1 - level) / 2;
  return { mean: alpha / (alpha + beta), low: betaQuantile(tail, alpha, beta), high: betaQuantile(1 - tail, alpha, beta), alpha, beta };
}

/** 0–100 score: 100 × posterior mean, one decimal. */
export const scoreOf = (mean: number) => Math.round(1000 * mean) / 10;
/** 1–5 stars: 1 + 4 × posterior mean, one decimal. */
export const starsOf = (mean: number) => Math.round(10 * (1 + 4 * mean)) / 10;

/** Posterior variance of a Beta(α, β). */
export const betaVariance = (alpha: number, beta: number) => (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
