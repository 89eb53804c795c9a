/**
 * Corrections (复核) and appeals (申诉) of a review's attribution (issue 18, parts 4–5).
 *
 * **Correct**: lock the review → build the corrected aspects → append the correction and make it the
 * review's current one → audit (`review.correct`: before, after, why) → recompute the agent's ratings
 * of the review's week, month and quarter — all in one transaction. Closed periods keep answering from
 * their snapshots (src/periods); the live rows follow the correction.
 * **Appeal**: filed for the review's agent by a lead (`review_appeal.submit`, audited); decided by a
 * lead: accepted (the requested correction is applied in the deciding transaction, with the appeal's
 * id) or rejected (`review_appeal.accept` / `.reject`, audited with the decision's reason).
 * **Export**: the corrections in force that carry aspect labels, texts masked (src/privacy), as the
 * training rows `npm run train:aspects -- --corrections FILE` reads.
 */
import { appealAcceptedReason } from '../audit/reasons.js';
import { recordAudit } from '../audit/store.js';
import type { Db, Queryable } from '../db/types.js';
import { withinTransaction } from '../ingest/pipeline.js';
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.js';
import { createMasker, type Masker } from '../privacy/mask.js';
import { ratingScopeOf, recomputeRatings } from '../ratings/recompute.js';
import {
  type Attribution,
  type CorrectedHit,
  type CorrectionRequest,
  correctedAspects,
  NotOwnReviewError,
} from '../reviews/corrections.js';
import {
  type Appeal,
  appealForDecision,
  type Correction,
  type CorrectionQuery,
  correctionTrainingRows,
  type CorrectionTrainingRow,
  decideAppeal,
  insertAppeal,
  insertCorrection,
  listAppeals,
  listCorrections,
  type ReviewForCorrection,
  reviewForCorrection,
  type ReviewUnderCorrection,
  reviewUnderCorrection,
} from '../reviews/corrections-store.js';

export type { CorrectionTrainingRow } from '../reviews/corrections-store.js';

export interface CorrectionResult {
  correction: Correction;
  /** agent rating rows the correction changed (weeks, months, quarters) */
  ratings_updated: number;
}

export interface CorrectionService {
  /**
   * @throws NotFoundError when the review does not exist
   * @throws BadRequestError when the reason is empty
   */
  correct(
    reviewId: string,
    req: CorrectionRequest & { reason: string },
    actor: string | null,
  ): Promise<CorrectionResult>;
  /** Corrections, newest first (`current`: only those in force). */
  list(q: CorrectionQuery): Promise<Array<Correction & { agent_id: string | null }>>;
  /** The training rows of the corrections in force with aspect labels (texts masked). */
  exportTraining(q: { language?: 'zh' | 'en' | undefined }): Promise<CorrectionTrainingRow[]>;
  /**
   * Files an appeal for the review's agent (by a lead, or by the agent's own `agent` key).
   * @throws NotFoundError when the review does not exist
   * @throws NotOwnReviewError when an agent key files for a review of another agent (403)
   * @throws ConflictError when the review has no agent or already has a pending appeal
   */
  appeal(
    reviewId: string,
    req: { requested: CorrectionRequest; reason: string },
    caller: AppealCaller,
  ): Promise<Appeal>;
  /**
   * @throws NotFoundError when the appeal does not exist
   * @throws ConflictError when it was already decided
   */
  decide(
    appealId: number,
    d: { decision: 'accept' | 'reject'; reason: string },
    actor: string | null,
  ): Promise<{ appeal: Appeal; correction: Correction | null; ratings_updated: number }>;
  listAppeals(q: Parameters<typeof listAppeals>[1]): Promise<Appeal[]>;
  /** One review with its aspects as in force and its correction state; null when there is none. */
  review(id: string): Promise<ReviewUnderCorrection | null>;
}

/** Who files an appeal: a lead (for the review's agent) or an `agent` key bound to one agent. */
export interface AppealCaller {
  actor: string | null;
  /** set for an `agent` key: the review must be charged to this agent */
  agentId?: string | null | undefined;
}

const currentAttribution = (r: ReviewForCorrection): Attribution => r.attribution_override ?? 'auto';

function requireReason(reason: string): string {
  const r = reason.trim();
  if (!r) throw new BadRequestError('a reason is required');
  return r;
}

export function createCorrectionService(deps: { db: Db; masker?: Masker }): CorrectionService {
  const { db } = deps;
  const masker = deps.masker ?? createMasker();
  // the aspects' spans quote the review: their text is masked in every answer and audit row
  const maskHits = <H extends { span?: { text: string } | null | undefined }>(hits: H[] | null): H[] | null =>
    hits?.map((h) => (h.span ? { ...h, span: { ...h.span, text: masker.maskText(h.span.text) } } : h)) ?? null;
  const maskCorrection = <C extends Correction>(c: C): C => ({
    ...c,
    aspects: maskHits(c.aspects),
    before: { ...c.before, aspects: maskHits(c.before.aspects) },
  });

  /** Inside `tx`: the correction, its audit row and the recomputed ratings. */
  async function apply(
    tx: Queryable,
    review: ReviewForCorrection,
    req: CorrectionRequest & { reason: string },
    actor: string | null,
    appealId: number | null,
  ): Promise<CorrectionResult> {
    const aspects: CorrectedHit[] | null =
      req.aspects === null || req.aspects === undefined
        ? null
        : correctedAspects(req.aspects, review.aspects ?? [], review.sentiment_probability, review.text);
    const before = {
      aspects: review.corrected_aspects ?? review.aspects,
      attribution: currentAttribution(review),
      corrected: review.correction_id !== null,
    };
    const correction = await insertCorrection(tx, {
      review_id: review.id,
      aspects,
      attribution: req.attribution,
      reason: req.reason,
      actor,
      appeal_id: appealId,
      before,
    });
    await recordAudit(tx, {
      actor,
      action: 'review.correct',
      subject: { type: 'review', id: review.id },
      employeeId: review.agent_id,
      before: { ...before, aspects: maskHits(before.aspects) },
      after: { aspects: maskHits(aspects ?? review.aspects), attribution: req.attribution, corrected: true },
      reason: req.reason,
      detail: { correction_id: correction.id, appeal_id: appealId, sentiment_model: review.sentiment_model },
    });
    const updated = (
      await recomputeRatings(
        withinTransaction(db, tx),
        ratingScopeOf([{ agent_id: review.agent_id, at: review.created_at }]),
      )
    ).updated;
    return { correction, ratings_updated: updated };
  }

  async function lockedReview(tx: Queryable, id: string): Promise<ReviewForCorrection> {
    const review = await reviewForCorrection(tx, id);
    if (!review) throw new NotFoundError(`review '${id}'`);
    return review;
  }

  return {
    async correct(reviewId, req, actor) {
      const reason = requireReason(req.reason);
      const r = await db.transaction(async (tx) =>
        apply(tx, await lockedReview(tx, reviewId), { ...req, reason }, actor, null),
      );
      return { ...r, correction: maskCorrection(r.correction) };
    },

    list: async (q) => (await listCorrections(db, q)).map(maskCorrection),

    exportTraining: (q) => correctionTrainingRows(db, q),

    async appeal(reviewId, req, { actor, agentId }) {
      const reason = requireReason(req.reason);
      return db.transaction(async (tx) => {
        const review = await lockedReview(tx, reviewId);
        if (agentId && review.agent_id !== agentId) throw new NotOwnReviewError(reviewId);
        if (review.agent_id === null) throw new ConflictError(`review '${reviewId}' has no agent to appeal for`);
        const appeal = await insertAppeal(tx, {
          review_id: reviewId,
          agent_id: review.agent_id,
          requested: req.requested,
          reason,
          submitted_by: actor,
        });
        if (!appeal) throw new ConflictError(`review '${reviewId}' already has a pending appeal`);
        await recordAudit(tx, {
          actor,
          action: 'review_appeal.submit',
          subject: { type: 'review_appeal', id: String(appeal.id) },
          employeeId: review.agent_id,
          before: {
            aspects: maskHits(review.corrected_aspects ?? review.aspects),
            attribution: currentAttribution(review),
          },
          after: req.requested,
          reason,
          detail: { review_id: reviewId, ...(agentId ? { filed_by_agent: agentId } : {}) },
        });
        return appeal;
      });
    },

    async decide(appealId, d, actor) {
      const reason = requireReason(d.reason);
      return db.transaction(async (tx) => {
        const appeal = await appealForDecision(tx, appealId);
        if (!appeal) throw new NotFoundError(`appeal ${appealId}`);
        if (appeal.state !== 'pending') throw new ConflictError(`appeal ${appealId} was already ${appeal.state}`);
        let correction: Correction | null = null;
        let updated = 0;
        if (d.decision === 'accept') {
          const review = await lockedReview(tx, appeal.review_id);
          const r = await apply(
            tx,
            review,
            { ...appeal.requested, reason: appealAcceptedReason(appeal.id, reason) },
            actor,
            appeal.id,
          );
          correction = r.correction;
          updated = r.ratings_updated;
        }
        const decided = await decideAppeal(tx, {
          id: appealId,
          state: d.decision === 'accept' ? 'accepted' : 'rejected',
          by: actor,
          reason,
          correction_id: correction?.id ?? null,
        });
        await recordAudit(tx, {
          actor,
          action: `review_appeal.${d.decision}`,
          subject: { type: 'review_appeal', id: String(appealId) },
          employeeId: appeal.agent_id,
          before: { state: 'pending' },
          after: { state: decided.state, correction_id: decided.correction_id },
          reason,
          detail: { review_id: appeal.review_id, submitted_by: appeal.submitted_by },
        });
        return { appeal: decided, correction: correction && maskCorrection(correction), ratings_updated: updated };
      });
    },

    listAppeals: (q) => listAppeals(db, q),
    review: (id) => reviewUnderCorrection(db, id),
  };
}
