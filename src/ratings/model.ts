/**
 * The service-ability rating model: empirical Bayes on a beta-binomial, with soft evidence.
 *
 * Each attributable review brings the model's P(positive service) p, so an agent brings `n` reviews
 * and `positive` = Σ p (fractional successes). A calibrated probability varies less than the yes/no
 * outcome it predicts (it is the outcome's expectation given the text), so the mean of n soft
 * probabilities is a less noisy estimate of the agent's share than n yes/no outcomes would be. Per
 * role and period, ρ = within-agent variance of p ÷ p̄(1 − p̄) (1 for hard labels, smaller for soft
 * ones) says how much: n soft reviews are worth n / ρ yes/no trials. The role's Beta(α, β) prior is
 * fitted to those effective counts by maximising the beta-binomial marginal likelihood (times a mild
 * hyperprior on the prior's strength, `eb-beta-binomial@3`), and each
 * agent's posterior is Beta(α + positive / ρ, β + (n − positive) / ρ): the share stays, the count
 * becomes what the evidence is worth. Treating soft counts as yes/no trials (ρ = 1) overstates the
 * noise, the agents' spread looks like noise, and the prior runs to its strength cap. Pure functions.
 */
import { logit, sigmoid } from '../lib/maths.js';
import { betaQuantile, lnGamma } from './beta.js';

export const RATING_MODEL = 'eb-beta-binomial@3';
/** Below this many attributable reviews a rating is flagged `insufficient_evidence`. */
export const DEFAULT_MIN_REVIEWS = 10;
/** Two-sided interval level. */
export const INTERVAL_LEVEL = 0.9;
/** Fewer agents with evidence than this in a role and period: the prior falls back to a weak one. */
export const MIN_PRIOR_AGENTS = 5;
/** Prior strength α + β is kept within these bounds (the MLE runs to infinity when agents do not differ). */
const KAPPA_MIN = 0.5;
const KAPPA_MAX = 10_000;
/**
 * The hyperprior on the prior's strength, p(κ) ∝ κ^(−0.5): the fit maximises the marginal likelihood
 * times it. With many reviews per agent it moves nothing (κ 14.3 either way in the 2,000-agent
 * simulation); in a sparse role-period (agents with 1–3 reviews) the likelihood barely changes between
 * κ = 15 and κ = 10,000, the plain maximum ran to the cap, and every agent got the role's mean with
 * an interval a point wide that held the truth 40 % of the time (simulation.test.ts).
 */
const KAPPA_HYPER = 0.5;
/** The prior's mean stays this far inside (0, 1): every agent at exactly 1 (or 0) would give β (or α) = 0. */
const MU_EDGE = 1e-6;
/** ρ is kept within [RHO_MIN, 1]: a near-constant p would otherwise make every review worth thousands. */
const RHO_MIN = 0.05;
/**
 * ρ is shrunk toward 1 (yes/no trials, the wider intervals) as if this many more degrees of freedom
 * had shown Bernoulli variance: a role-period with few reviews cannot make its intervals narrow.
 */
const RHO_PSEUDO_DF = 20;

export interface Evidence {
  /** attributable reviews */
  n: number;
  /** Σ P(positive service) over them, 0 ≤ positive ≤ n */
  positive: number;
  /** Σ P(positive service)² over them (positive for yes/no labels); absent or null: unknown, not used for ρ */
  positiveSq?: number | null;
}

export interface BetaPrior {
  alpha: number;
  beta: number;
  /** 'eb': fitted on the role's agents; 'weak': too few agents, pooled mean with strength 2 */
  method: 'eb' | 'weak';
  /** agents with at least one attributable review that the prior was fitted on */
  agents: number;
  /**
   * Within-agent variance of a review's P(positive) relative to a yes/no outcome's, for the role and
   * period: 1 for yes/no labels, smaller for soft probabilities. A review counts as 1 / ρ trials.
   */
  rho: number;
}

export interface Posterior {
  mean: number;
  low: number;
  high: number;
  alpha: number;
  beta: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * ρ for a role and period: Σ_j (n_j − 1)·s²_j ÷ Σ_j (n_j − 1)·v̂_j over its agents j, where s²_j is the
 * sample variance of agent j's probabilities (from n, Σp, Σp²) and v̂_j = p̄_j(1 − p̄_j) + s²_j / n_j
 * is an unbiased estimate of the yes/no variance θ_j(1 − θ_j) at the agent's share; then shrunk
 * toward 1 by `RHO_PSEUDO_DF` degrees of freedom and kept within [0.05, 1]. Exactly 1 for yes/no
 * labels (p ∈ {0, 1} makes Σp² = Σp); 1 when nothing tells (no agent with two reviews and Σp²).
 * @example informationRatio([{ n: 3, positive: 2, positiveSq: 2 }]) // 1: yes/no labels
 * @example informationRatio([{ n: 3, positive: 1.5, positiveSq: 0.75 }]) // 0.909: every p is 0.5 (ratio 0) with 2 degrees of freedom, shrunk toward 1
 */
export function informationRatio(evidence: readonly Evidence[]): number {
  let within = 0;
  let bernoulli = 0;
  let df = 0;
  for (const e of evidence) {
    if (e.n < 2 || e.positiveSq === undefined || e.positiveSq === null) continue;
    const ss = Math.max(0, e.positiveSq - (e.positive * e.positive) / e.n); // Σ (p − p̄)²
    const binom = Math.max(0, e.positive - (e.positive * e.positive) / e.n); // n · p̄(1 − p̄)
    within += ss;
    bernoulli += ((e.n - 1) * binom + ss) / e.n; // (n − 1) · v̂
    df += e.n - 1;
  }
  if (df === 0 || bernoulli <= 0) return 1;
  const raw = within / bernoulli;
  const rho = (df * raw + RHO_PSEUDO_DF) / (df + RHO_PSEUDO_DF);
  return rho >= 1 - 1e-12 ? 1 : clamp(rho, RHO_MIN, 1);
}

/** The evidence in yes/no-trial equivalents: n / ρ trials, positive / ρ successes (the share stays). */
export const effectiveEvidence = (e: Evidence, rho: number): Evidence =>
  rho === 1 ? { n: e.n, positive: e.positive } : { n: e.n / rho, positive: e.positive / rho };

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
function nelderMead(
  f: (x: [number, number]) => number,
  start: [number, number],
  step = 0.5,
  maxEvals = 400,
  tol = 1e-9,
): [number, number] {
  let simplex: Array<{ x: [number, number]; v: number }> = [
    start,
    [start[0] + step, start[1]],
    [start[0], start[1] + step],
  ].map((x) => ({
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
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: [(p.x[0] + best.x[0]) / 2, (p.x[1] + best.x[1]) / 2] as [number, number], v: 0 },
        );
        for (let i = 1; i < 3; i++) simplex[i]!.v = f(simplex[i]!.x);
        evals += 2;
      }
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  return simplex[0]!.x;
}

/**
 * Fits the role's Beta prior by maximum marginal likelihood (empirical Bayes) on the effective
 * counts (n / ρ, positive / ρ; ρ from `informationRatio`), parametrised as mean μ and strength
 * κ = α + β with κ kept in [0.5, 10,000]. Starts from the method of moments. With fewer than
 * `MIN_PRIOR_AGENTS` agents holding evidence it returns a weak prior: the pooled share (with one
 * pseudo-success and one pseudo-failure) at strength 2.
 * @example fitPrior([{ n: 100, positive: 80 }, …]) // { alpha: 16.1, beta: 3.9, method: 'eb', agents: …, rho: 1 }
 */
export function fitPrior(evidence: readonly Evidence[], minAgents = MIN_PRIOR_AGENTS): BetaPrior {
  const rho = informationRatio(evidence);
  const used = evidence.filter((e) => e.n > 0).map((e) => effectiveEvidence(e, rho));
  const N = used.reduce((s, e) => s + e.n, 0);
  const S = used.reduce((s, e) => s + e.positive, 0);
  const pooled = (S + 1) / (N + 2);
  if (used.length < minAgents)
    return { alpha: 2 * pooled, beta: 2 * (1 - pooled), method: 'weak', agents: used.length, rho };

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
    const mu = clamp(sigmoid(u), MU_EDGE, 1 - MU_EDGE);
    const k = toKappa(w);
    const ll = logMarginal(used, mu * k, (1 - mu) * k) - KAPPA_HYPER * Math.log(k);
    return Number.isFinite(ll) ? -ll : Number.MAX_VALUE;
  };
  const [u, w] = nelderMead(negLogLik, [logit(mu0), fromKappa(k0)]);
  const mu = clamp(sigmoid(u), MU_EDGE, 1 - MU_EDGE);
  const k = toKappa(w);
  return { alpha: mu * k, beta: (1 - mu) * k, method: 'eb', agents: used.length, rho };
}

/**
 * The agent's posterior Beta(α + positive / ρ, β + (n − positive) / ρ): its mean and the central
 * interval (ρ = 1 when the prior carries none).
 * @example posterior({ alpha: 8, beta: 2, … }, { n: 10, positive: 5 }) // mean 0.65
 */
export function posterior(
  prior: Pick<BetaPrior, 'alpha' | 'beta'> & { rho?: number | null },
  e: Evidence,
  level = INTERVAL_LEVEL,
): Posterior {
  const eff = effectiveEvidence(e, prior.rho ?? 1);
  const alpha = prior.alpha + eff.positive;
  const beta = prior.beta + Math.max(0, eff.n - eff.positive);
  const tail = (1 - level) / 2;
  return {
    mean: alpha / (alpha + beta),
    low: betaQuantile(tail, alpha, beta),
    high: betaQuantile(1 - tail, alpha, beta),
    alpha,
    beta,
  };
}

/** 0–100 score: 100 × posterior mean, one decimal. */
export const scoreOf = (mean: number) => Math.round(1000 * mean) / 10;
/** 1–5 stars: 1 + 4 × posterior mean, one decimal. */
export const starsOf = (mean: number) => Math.round(10 * (1 + 4 * mean)) / 10;

/** Posterior variance of a Beta(α, β). */
export const betaVariance = (alpha: number, beta: number) =>
  (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
