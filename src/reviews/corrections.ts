/**
 * Corrections (复核) of a review's attribution by a quality lead, and the pure rules behind them:
 * what the corrected aspects become, and what a correction teaches the aspect model (the labels of
 * the training export). SQL lives in corrections-store.ts; the workflow (audit, recompute, appeals)
 * in src/services/corrections.ts.
 */
import { AGENT_CONTROLLABLE, ASPECT_ORDER, type Aspect, type AspectHit } from './sentiment/aspects.js';
import { DomainError } from '../lib/errors.js';

export const ATTRIBUTIONS = ['auto', 'agent', 'not_agent', 'excluded'] as const;
/**
 * auto: the attribution rule decides (src/ratings/attribution.ts); agent: the review counts toward
 * its agent (through its corrected agent aspects, else its overall sentiment); not_agent: it never
 * counts toward the agent (its agent aspects are dropped, the others stay beside the rating);
 * excluded: it is left out of the rating altogether (neither evidence nor "not attributable").
 */
export type Attribution = (typeof ATTRIBUTIONS)[number];
export const POLARITIES = ['positive', 'negative', 'neutral'] as const;
export type Polarity = (typeof POLARITIES)[number];

/** One aspect as a lead states it: the aspect, and its polarity when the lead gives one. */
export interface AspectClaim {
  aspect: Aspect;
  polarity?: Polarity | undefined;
}

/** What a correction asks for (also what an appeal requests). */
export interface CorrectionRequest {
  /** The review's aspects as they should be (replaces the model's); null or absent: keep the model's. */
  aspects?: AspectClaim[] | null | undefined;
  attribution: Attribution;
}

/** A stored aspect as a lead set it (its span: the model's clause for that aspect, else the whole text). */
export interface CorrectedHit extends AspectHit {
  corrected: true;
}

/** P(positive) a lead's polarity stands for: certain for positive and negative, 0.5 for neutral. */
export const POLARITY_PROBABILITY: Record<Polarity, number> = { positive: 1, negative: 0, neutral: 0.5 };

const sentimentOf = (p: number): Polarity => (p >= 0.65 ? 'positive' : p <= 0.35 ? 'negative' : 'neutral');

/**
 * The review's aspects after a correction: one hit per claimed aspect (a repeated aspect counts once,
 * the last claim wins). A claim with a polarity gets that polarity's probability; one without keeps
 * the model's clause probability for that aspect (the mean over its hits) or, where the model saw no
 * such clause, the review's overall probability (0.5 when unscored). The model's span is kept where
 * it had the aspect; otherwise the span is the whole text.
 *
 * @example correctedAspects([{ aspect: 'service_attitude', polarity: 'negative' }], [], 0.8, '态度差')
 *   // → [{ aspect: 'service_attitude', agentControllable: true, sentiment: 'negative', probability: 0,
 *   //      span: { start: 0, end: 3, text: '态度差' }, corrected: true }]
 */
export function correctedAspects(
  claims: readonly AspectClaim[],
  model: readonly AspectHit[],
  reviewProbability: number | null,
  text: string,
): CorrectedHit[] {
  const byAspect = new Map<Aspect, AspectClaim>();
  for (const c of claims) byAspect.set(c.aspect, c);
  return [...byAspect.values()].map((c) => {
    const seen = model.filter((h) => h.aspect === c.aspect);
    const probability =
      c.polarity !== undefined
        ? POLARITY_PROBABILITY[c.polarity]
        : seen.length > 0
          ? seen.reduce((s, h) => s + h.probability, 0) / seen.length
          : (reviewProbability ?? 0.5);
    return {
      aspect: c.aspect,
      agentControllable: AGENT_CONTROLLABLE.has(c.aspect),
      sentiment: c.polarity ?? sentimentOf(probability),
      probability,
      span: seen[0]?.span ?? { start: 0, end: text.length, text },
      corrected: true,
    };
  });
}

/** A correction as the training export states it: labels a reader gave (aspect → polarity), and whether it is the agent's complaint. */
export interface CorrectionLabels {
  aspects: Partial<Record<Aspect, Polarity>>;
  agent_complaint: boolean;
}

/**
 * The labels a correction gives, or null when it gives no aspect labels (an attribution-only
 * correction says nothing about which aspects the text holds, so it is not training data for the
 * aspect model). The agent's complaint: not excluded, not marked not-the-agent's, and an agent
 * aspect is negative — or, marked the agent's without agent aspects, the review itself is negative.
 */
export function correctionLabels(
  c: { aspects: readonly CorrectedHit[] | null; attribution: Attribution },
  reviewLabel: string | null,
): CorrectionLabels | null {
  if (c.aspects === null) return null;
  const aspects: Partial<Record<Aspect, Polarity>> = {};
  for (const h of c.aspects) aspects[h.aspect] = h.sentiment;
  const agentHits = c.aspects.filter((h) => h.agentControllable);
  const counts = c.attribution !== 'not_agent' && c.attribution !== 'excluded';
  const complaint =
    counts &&
    (agentHits.some((h) => h.sentiment === 'negative') ||
      (c.attribution === 'agent' && agentHits.length === 0 && reviewLabel === 'negative'));
  return { aspects, agent_complaint: complaint };
}

export const isAspect = (s: string): s is Aspect => (ASPECT_ORDER as readonly string[]).includes(s);

export interface Appeal {
  id: number;
  review_id: string;
  agent_id: string | null;
  requested: CorrectionRequest;
  reason: string;
  state: 'pending' | 'accepted' | 'rejected';
  submitted_by: string | null;
  submitted_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  correction_id: number | null;
}

/** One review as the corrections page shows it: its aspects as in force (corrected, else the model's) and its correction state. */
export interface ReviewUnderCorrection {
  id: string;
  agent_id: string | null;
  channel: string | null;
  text: string;
  rating: number | null;
  created_at: Date;
  sentiment_label: string | null;
  sentiment_probability: number | null;
  aspects: AspectHit[];
  attribution: Attribution;
  correction_id: number | null;
}

/**
 * An `agent` key asked about a review of another agent, or a route only for agent keys was called by a
 * key bound to no agent (403, code `not_own_review` / `not_an_agent_key`).
 */
export class NotOwnReviewError extends DomainError {
  constructor(reviewId: string) {
    super(
      'not_own_review',
      `review '${reviewId}' is not charged to this key's agent; an agent key appeals only its own reviews`,
    );
  }
}
export class NotAgentKeyError extends DomainError {
  constructor() {
    super('not_an_agent_key', 'this route answers for the agent an `agent` key is bound to; this key is bound to none');
  }
}
