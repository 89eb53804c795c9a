/** Per-agent service-ability ratings and SLA rates (see README.md here). */
export { AGENT_ASPECTS, OTHER_ASPECTS, SERVICE_CHANNELS } from './attribution.js';
export {
  overdueNegativeReviews,
  reviewsBehindRating,
  periodRange,
  type EvidenceReview,
  type OverdueReview,
} from './evidence-reviews.js';
export {
  recomputeRatingsProcessor,
  recomputeRatingsData,
  RECOMPUTE_RATINGS,
  type RecomputeRatingsData,
  type RecomputeRatingsResult,
} from './job.js';
export {
  DEFAULT_MIN_REVIEWS,
  INTERVAL_LEVEL,
  RATING_MODEL,
  fitPrior,
  posterior,
  type BetaPrior,
  type Evidence,
} from './model.js';
export {
  recomputeRatings,
  ratingScopeOf,
  periodsWithin,
  type RecomputeOptions,
  type RecomputeResult,
} from './recompute.js';
export {
  agentRatings,
  annualRating,
  listRatings,
  NEGATIVE_RESPONSE_TARGET,
  RETURNS_TARGET,
  type Rating,
  type RatingKind,
  type RatingSort,
} from './repository.js';
export { listReturnEvents, returnTarget, type ReturnEventInput } from './returns.js';
