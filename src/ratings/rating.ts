/**
 * A rating as the API answers it, from one stored row of `agent_ratings` (score, stars, interval,
 * evidence, aspects, what was not attributable, SLA rates, model versions), and a year from its
 * quarters (the n-weighted mean). Pure: the SQL is in repository.ts.
 */
import { AGENT_ASPECTS, OTHER_ASPECTS } from './attribution.js';
import { betaVariance, DEFAULT_MIN_REVIEWS, INTERVAL_LEVEL, RATING_MODEL, scoreOf, starsOf } from './model.js';

export const NEGATIVE_RESPONSE_TARGET = 1;
export const RETURNS_TARGET = 0.95;
/** z for the annual figure's normal-approximation interval at INTERVAL_LEVEL (90 %) */
const Z90 = 1.6448536269514722;

export type RatingKind = 'week' | 'month' | 'quarter' | 'year';

export interface SlaRate {
  /** met / (met + late); null when nothing is due yet */
  rate: number | null;
  target: number;
  /** null when nothing is due yet */
  met: boolean | null;
}

export interface Rating {
  agent_id: string;
  role_id: string;
  team: string | null;
  period: string;
  period_kind: RatingKind;
  /** 100 × posterior mean, one decimal */
  score: number | null;
  /** 1 + 4 × posterior mean, one decimal */
  stars: number | null;
  posterior_mean: number | null;
  interval: { level: number; low: number | null; high: number | null };
  /** attributable reviews */
  n: number;
  /** Σ P(positive service) over them */
  positive: number;
  /** n in yes/no-trial equivalents, n / ρ: what the posterior and its interval are computed from (null without a prior) */
  effective_n: number | null;
  raw_share: number | null;
  insufficient_evidence: boolean;
  min_reviews: number;
  /** the role's prior in the period; rho: a review's P(positive) variance within agents relative to a yes/no outcome's (1 for yes/no labels) */
  prior: { alpha: number; beta: number; mean: number; method: string; rho: number } | null;
  aspects: Record<string, { n: number; positive: number; share: number | null }>;
  not_attributable: { reviews: number; aspects: Record<string, { mentions: number; negative: number }> };
  reviews: number;
  unscored: number;
  sla: {
    negative_response_24h: SlaRate & {
      negative_reviews: number;
      replied_within_24h: number;
      late: number;
      pending: number;
    };
    returns_48h: SlaRate & { returns: number; closed_within_48h: number; late: number; pending: number };
  };
  sentiment_models: string[];
  rating_model: string;
  /** the quarters a year was computed from */
  quarters?: string[];
}

export interface RatingRow {
  agent_id: string;
  role_id: string;
  team: string | null;
  period: string;
  period_kind: 'week' | 'month' | 'quarter';
  period_start: string;
  reviews: number;
  unscored: number;
  n: number;
  positive: number;
  not_attributable: number;
  aspect_n: number[];
  aspect_positive: number[];
  other_mentions: number[];
  other_negative: number[];
  sentiment_models: string[];
  negative_reviews: number;
  negative_replied_24h: number;
  negative_late: number;
  negative_pending: number;
  returns: number;
  returns_closed_48h: number;
  returns_late: number;
  returns_pending: number;
  prior_alpha: number | null;
  prior_beta: number | null;
  prior_method: string | null;
  prior_rho: number | null;
  posterior_mean: number | null;
  ci_low: number | null;
  ci_high: number | null;
  min_reviews: number | null;
  rating_model: string | null;
}

const ratio = (num: number, den: number) => (den > 0 ? num / den : null);
const sla = (met: number, late: number, target: number): SlaRate => {
  const rate = ratio(met, met + late);
  return { rate, target, met: rate === null ? null : rate >= target };
};

export function shape(r: RatingRow): Rating {
  const min = r.min_reviews ?? DEFAULT_MIN_REVIEWS;
  const mean = r.posterior_mean;
  // rows of eb-beta-binomial@1 (before a recompute) carry no ρ: their reviews counted as yes/no trials
  const rho = r.prior_rho ?? 1;
  return {
    agent_id: r.agent_id,
    role_id: r.role_id,
    team: r.team,
    period: r.period,
    period_kind: r.period_kind,
    score: mean === null ? null : scoreOf(mean),
    stars: mean === null ? null : starsOf(mean),
    posterior_mean: mean,
    interval: { level: INTERVAL_LEVEL, low: r.ci_low, high: r.ci_high },
    n: r.n,
    positive: r.positive,
    effective_n: r.prior_alpha === null || r.prior_beta === null ? null : r.n / rho,
    raw_share: ratio(r.positive, r.n),
    insufficient_evidence: r.n < min,
    min_reviews: min,
    prior:
      r.prior_alpha === null || r.prior_beta === null
        ? null
        : {
            alpha: r.prior_alpha,
            beta: r.prior_beta,
            mean: r.prior_alpha / (r.prior_alpha + r.prior_beta),
            method: r.prior_method ?? 'eb',
            rho,
          },
    aspects: Object.fromEntries(
      AGENT_ASPECTS.map((k, i) => [
        k,
        {
          n: r.aspect_n[i] ?? 0,
          positive: r.aspect_positive[i] ?? 0,
          share: ratio(r.aspect_positive[i] ?? 0, r.aspect_n[i] ?? 0),
        },
      ]),
    ),
    not_attributable: {
      reviews: r.not_attributable,
      aspects: Object.fromEntries(
        OTHER_ASPECTS.map((k, i) => [k, { mentions: r.other_mentions[i] ?? 0, negative: r.other_negative[i] ?? 0 }]),
      ),
    },
    reviews: r.reviews,
    unscored: r.unscored,
    sla: {
      negative_response_24h: {
        negative_reviews: r.negative_reviews,
        replied_within_24h: r.negative_replied_24h,
        late: r.negative_late,
        pending: r.negative_pending,
        ...sla(r.negative_replied_24h, r.negative_late, NEGATIVE_RESPONSE_TARGET),
      },
      returns_48h: {
        returns: r.returns,
        closed_within_48h: r.returns_closed_48h,
        late: r.returns_late,
        pending: r.returns_pending,
        ...sla(r.returns_closed_48h, r.returns_late, RETURNS_TARGET),
      },
    },
    sentiment_models: r.sentiment_models,
    rating_model: r.rating_model ?? RATING_MODEL,
  };
}

/**
 * A year from its quarters: the posterior means weighted by attributable reviews (equal weights when
 * no quarter has any), an interval from the weighted posterior variances (normal approximation),
 * evidence, aspects and SLA counts summed.
 */
export function annualRating(year: string, quarters: readonly Rating[]): Rating {
  const qs = [...quarters].sort((a, b) => (a.period < b.period ? -1 : 1));
  const first = qs[0];
  if (!first) throw new RangeError('annualRating needs at least one quarter');
  const n = qs.reduce((s, q) => s + q.n, 0);
  const rated = qs.filter((q) => q.posterior_mean !== null && q.prior !== null);
  const weights = rated.map((q) => (n > 0 ? q.n / n : 1 / rated.length));
  let mean: number | null = null;
  let low: number | null = null;
  let high: number | null = null;
  if (rated.length > 0) {
    mean = rated.reduce((s, q, i) => s + weights[i]! * q.posterior_mean!, 0);
    // each quarter's posterior Beta(α + positive / ρ, β + (n − positive) / ρ)
    const variance = rated.reduce(
      (s, q, i) =>
        s +
        weights[i]! ** 2 *
          betaVariance(
            q.prior!.alpha + q.positive / q.prior!.rho,
            q.prior!.beta + Math.max(0, q.n - q.positive) / q.prior!.rho,
          ),
      0,
    );
    low = Math.max(0, mean - Z90 * Math.sqrt(variance));
    high = Math.min(1, mean + Z90 * Math.sqrt(variance));
  }
  const sum = (f: (q: Rating) => number) => qs.reduce((s, q) => s + f(q), 0);
  const positive = sum((q) => q.positive);
  const neg = {
    met: sum((q) => q.sla.negative_response_24h.replied_within_24h),
    late: sum((q) => q.sla.negative_response_24h.late),
  };
  const ret = { met: sum((q) => q.sla.returns_48h.closed_within_48h), late: sum((q) => q.sla.returns_48h.late) };
  return {
    agent_id: first.agent_id,
    role_id: qs[qs.length - 1]!.role_id,
    team: first.team,
    period: year,
    period_kind: 'year',
    score: mean === null ? null : scoreOf(mean),
    stars: mean === null ? null : starsOf(mean),
    posterior_mean: mean,
    interval: { level: INTERVAL_LEVEL, low, high },
    n,
    positive,
    effective_n: rated.length > 0 ? rated.reduce((s, q) => s + q.effective_n!, 0) : null,
    raw_share: ratio(positive, n),
    insufficient_evidence: n < first.min_reviews,
    min_reviews: first.min_reviews,
    prior: null,
    aspects: Object.fromEntries(
      AGENT_ASPECTS.map((k) => {
        const an = sum((q) => q.aspects[k]!.n);
        const ap = sum((q) => q.aspects[k]!.positive);
        return [k, { n: an, positive: ap, share: ratio(ap, an) }];
      }),
    ),
    not_attributable: {
      reviews: sum((q) => q.not_attributable.reviews),
      aspects: Object.fromEntries(
        OTHER_ASPECTS.map((k) => [
          k,
          {
            mentions: sum((q) => q.not_attributable.aspects[k]!.mentions),
            negative: sum((q) => q.not_attributable.aspects[k]!.negative),
          },
        ]),
      ),
    },
    reviews: sum((q) => q.reviews),
    unscored: sum((q) => q.unscored),
    sla: {
      negative_response_24h: {
        negative_reviews: sum((q) => q.sla.negative_response_24h.negative_reviews),
        replied_within_24h: neg.met,
        late: neg.late,
        pending: sum((q) => q.sla.negative_response_24h.pending),
        ...sla(neg.met, neg.late, NEGATIVE_RESPONSE_TARGET),
      },
      returns_48h: {
        returns: sum((q) => q.sla.returns_48h.returns),
        closed_within_48h: ret.met,
        late: ret.late,
        pending: sum((q) => q.sla.returns_48h.pending),
        ...sla(ret.met, ret.late, RETURNS_TARGET),
      },
    },
    sentiment_models: [...new Set(qs.flatMap((q) => q.sentiment_models))].sort(),
    rating_model: `${RATING_MODEL} (year: review-weighted mean of quarters)`,
    quarters: qs.map((q) => q.period),
  };
}

/** Quarter rows grouped into years. */
export function years(rows: Rating[]): Rating[] {
  const by = new Map<string, Rating[]>();
  for (const r of rows) {
    const key = `${r.agent_id}\u0000${r.period.slice(0, 4)}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.values()].map((qs) => annualRating(qs[0]!.period.slice(0, 4), qs));
}

export type RatingSort = 'score' | 'ci_low' | 'n' | 'raw_share' | 'negative_response_rate' | 'agent_id';

export const sortValue = (r: Rating, s: RatingSort): number | string | null =>
  s === 'score'
    ? r.posterior_mean
    : s === 'ci_low'
      ? r.interval.low
      : s === 'n'
        ? r.n
        : s === 'raw_share'
          ? r.raw_share
          : s === 'negative_response_rate'
            ? r.sla.negative_response_24h.rate
            : r.agent_id;
