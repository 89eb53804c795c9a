/**
 * Reviews and ratings: the one place where new reviews are scored and the ratings they touch are
 * recomputed (an upload, a return event, the reviews left unscored at start-up), and the reads
 * behind the CS lead's screens: reviews, ratings, the reviews behind a rating, overdue negative
 * reviews, return events; plus scoring free text with the active sentiment models.
 */
import { cycleRefuses, getCycle, latestRatedPeriodOfRole } from '../appraisal/cycles-store.js';
import { recordAudit } from '../audit/store.js';
import { withinTransaction } from '../ingest/pipeline.js';
import type { Db } from '../db/types.js';
import { maskScoredText, maskStoredReview } from '../privacy/answers.js';
import { createMasker, type Masker } from '../privacy/mask.js';
import { BadRequestError, DomainError } from '../lib/errors.js';
import { overdueNegativeReviews, reviewsBehindRating } from '../ratings/evidence-reviews.js';
import { EVIDENCE_RULE } from '../ratings/evidence.js';
import { RATING_MODEL } from '../ratings/model.js';
import { type Place, previousPlaces, ratingScopeOf, recomputeRatings } from '../ratings/recompute.js';
import { isYear } from '../lib/time.js';
import { parsePeriod } from '../history/period.js';
import { closedParts, ratingsWithClosed } from '../periods/reads.js';
import { agentRatings, hasOutdatedRatings, listRatings } from '../ratings/repository.js';
import { listReturnEvents, returnTarget } from '../ratings/returns.js';
import { deleteReviewsByOrder, listReviews, reviewTarget } from '../reviews/repository.js';
import { scoreStoredReviews, type SentimentProvider } from '../reviews/scoring.js';
import type { ScoredReview, ScoreOptions } from '../reviews/sentiment/index.js';
import type { IngestionService, RecordSource } from './ingestion.js';
import { createStoredReads, type JsonText, type StoredReads } from './results.js';

/** The query argument of a store function `(db, query, …)`. */
type Query<F extends (db: Db, ...args: never[]) => unknown> = Parameters<F>[1];
type Counts = Awaited<ReturnType<IngestionService['ingest']>>;
/** A ratings query whose period may be left to the role's declared cycle. */
export type RatingsQuery = Omit<Query<typeof listRatings>, 'period'> & { period?: string | undefined };

export interface ReviewService {
  /** Upserts reviews, scores the new and changed ones, recomputes the ratings they touch (where they are and were). */
  ingestReviews(source: RecordSource): Promise<Counts & { scored: number; ratings_updated: number }>;
  /** Upserts return events and recomputes the ratings they touch. */
  ingestReturns(source: RecordSource): Promise<Counts & { ratings_updated: number }>;
  /**
   * At start-up: scores every review without a sentiment (the demo, an upload cut short), then
   * recomputes every rating when something was scored or a rating was written by an earlier model.
   * `score: false` skips the scoring (no engine at hand).
   */
  scoreUnscored(
    log?: { info(obj: object, msg: string): void },
    opts?: { score?: boolean },
  ): Promise<{ scored: number; ratings: number }>;
  listReviews(
    q: Omit<Query<typeof listReviews>, 'agent'> & { agent_id?: string | undefined },
  ): ReturnType<typeof listReviews>;
  /** @throws BadRequestError when `to` is before `from` */
  listReturns(
    q: Omit<Query<typeof listReturnEvents>, 'agent'> & { agent_id?: string | undefined },
  ): ReturnType<typeof listReturnEvents>;
  /**
   * Ratings of a period. With a role, its declared cycle rules (src/appraisal/cycles-store.ts): without a
   * period, the role's latest rated period on the kind it is tracked on; a period finer than that kind
   * is refused (422 naming `period`). Without a role a period is needed (422 naming `period`).
   */
  listRatings(q: RatingsQuery): ReturnType<typeof listRatings>;
  /** The same page as JSON text (through `serialize`, the route's schema), from the stored answers while the data is unchanged. */
  listRatingsJson(
    q: RatingsQuery,
    serialize: (page: Awaited<ReturnType<typeof listRatings>>) => string,
  ): Promise<JsonText>;
  /** One agent's ratings; a kind or period finer than the agent's role is tracked on is refused (422 naming it). */
  agentRatings(agentId: string, q: Parameters<typeof agentRatings>[2]): ReturnType<typeof agentRatings>;
  /** The reviews behind a rating; `explain` re-scores each with the active models to list the words that drove it. */
  reviewsBehindRating(
    q: Query<typeof reviewsBehindRating> & { explain: boolean },
  ): ReturnType<typeof reviewsBehindRating>;
  overdueReviews(q: Query<typeof overdueNegativeReviews>): ReturnType<typeof overdueNegativeReviews>;
  /** What the stored ratings of a role and period are now, closed or not (every agent, by id): what a close freezes. */
  liveRatings(period: string, role: string): ReturnType<typeof listRatings>;
  /** Scores free text with the active sentiment models. */
  scoreTexts(texts: readonly string[], opts: ScoreOptions): Promise<ScoredReview[]>;
  /**
   * A customer's erasure: deletes every review of the order, recomputes the ratings they counted in
   * and writes the audit row (`review.erase`), in one transaction. Retry-safe: an order with no review
   * left deletes nothing, recomputes nothing and writes no audit row (`deleted: 0`). Closed periods
   * keep answering from their snapshots (src/periods), which this never changes.
   */
  eraseOrderReviews(orderId: string, actor: string | null): Promise<OrderErasure>;
}

export interface OrderErasure {
  order_id: string;
  /** reviews deleted now (0 when a previous request already deleted them) */
  deleted: number;
  review_ids: string[];
  /** rating rows that changed */
  ratings_updated: number;
}

/**
 * The tables a ratings page reads (`listRatings`: agent_ratings joined with employees; a closed role's
 * part from period_snapshots; the role's cycle, which picks or refuses a period, from roles and
 * role_cycles), each watched by the data version: on PGlite a ratings page's copy is kept while a job
 * writes other tables (src/services/results.ts). test/services/stored-reads.test.ts checks that
 * computing the pages and the console's board names no other table.
 */
export const RATINGS_READS: readonly string[] = [
  'agent_ratings',
  'employees',
  'period_snapshots',
  'roles',
  'role_cycles',
];

export function createReviewService(deps: {
  db: Db;
  sentiment: SentimentProvider;
  ingestion: IngestionService;
  stored?: StoredReads;
  /** masks personal data in every review text answered (default: every class masked; PII_RAW=api passes a raw one) */
  masker?: Masker;
}): ReviewService {
  const { db, sentiment, ingestion } = deps;
  const masker = deps.masker ?? createMasker();
  const masked = <R extends { text: string }>(rows: R[]): R[] => rows.map((r) => maskStoredReview(masker, r));
  const stored = deps.stored ?? createStoredReads(db);

  /** Ratings of the agents and periods `touched` (where rows are now and where they were), on `on` (a transaction). */
  const recompute = async (on: Db, touched: Iterable<{ agent_id: string | null; at: string | Date }>) =>
    (await recomputeRatings(on, ratingScopeOf(touched))).updated;

  /** Ratings, with the roles closed in the period answered from their snapshots (src/periods). */
  const ratingsOf = async (q: Query<typeof listRatings>) => {
    if (isYear(q.period)) return listRatings(db, q);
    const closed = await closedParts<Awaited<ReturnType<typeof listRatings>>>(
      db,
      parsePeriod(q.period)?.id ?? q.period,
      'ratings',
      q.role,
    );
    if (closed.length === 0) return listRatings(db, q);
    return ratingsWithClosed(closed, q, () => listRatings(db, { ...q, limit: 1_000_000, offset: 0 }));
  };

  const unprocessable = (field: string, message: string) => new DomainError('unprocessable', message, { field });

  /** The query with its period picked and checked by the role's declared cycle. */
  async function byCycle(q: RatingsQuery): Promise<Query<typeof listRatings>> {
    if (q.role === undefined) {
      if (q.period === undefined)
        throw unprocessable('period', 'period: give a period, or a role whose cycle picks it');
      return { ...q, period: q.period };
    }
    const cycle = await getCycle(db, q.role);
    if (q.period === undefined) {
      const last = await latestRatedPeriodOfRole(db, q.role, cycle.tracked);
      if (last === null)
        throw unprocessable('period', `period: role ${q.role} has no ${cycle.tracked}ly rating to pick a period from`);
      return { ...q, period: last };
    }
    const kind = isYear(q.period) ? 'year' : parsePeriod(q.period)?.kind;
    const refused = kind ? cycleRefuses(cycle, kind) : null;
    if (refused) throw unprocessable('period', refused);
    return { ...q, period: q.period };
  }

  return {
    async ingestReviews(source) {
      let scored = 0;
      let ratingsUpdated = 0;
      const counts = await ingestion.ingest(reviewTarget, source, 'reviews', {
        // outside the write's transaction: where the rows are now, and the engine (loading it reads the database)
        before: async (rows) => ({
          previous: await previousPlaces(
            db,
            'reviews',
            'created_at',
            rows.map((r) => r.id),
          ),
          engine: await sentiment.get(),
        }),
        async after(rows, written, { previous, engine }, tx) {
          // new and changed reviews have no score yet; the rest keep theirs
          scored = (await scoreStoredReviews(tx, engine, { ids: rows.map((r) => r.id) })).scored;
          // a changed reply time moves the 24 h response rate even where the text (and score) stayed;
          // a review moved to another agent or date changes the ratings it left too
          if (written.inserted + written.updated > 0)
            ratingsUpdated = await recompute(tx, [
              ...rows.map((r) => ({ agent_id: r.agent_id, at: r.created_at })),
              ...previous,
            ]);
        },
      });
      return { ...counts, scored, ratings_updated: ratingsUpdated };
    },

    async ingestReturns(source) {
      let updated = 0;
      const counts = await ingestion.ingest(returnTarget, source, 'returns', {
        before: (rows) =>
          previousPlaces(
            db,
            'return_events',
            'opened_at',
            rows.map((r) => r.id),
          ),
        async after(rows, _written, previous: Place[], tx) {
          // a return moved to another agent or date changes the ratings it counted in too
          updated = await recompute(tx, [...rows.map((r) => ({ agent_id: r.agent_id, at: r.opened_at })), ...previous]);
        },
      });
      return { ...counts, ratings_updated: updated };
    },

    async scoreUnscored(log, opts = {}) {
      const scored = opts.score === false ? 0 : (await scoreStoredReviews(db, await sentiment.get())).scored;
      if (scored > 0) log?.info({ scored }, 'scored reviews that had no sentiment yet');
      // ratings follow new scores (all of them on a demo start), and a new rating model or evidence rule
      // (what counts toward an agent) replaces the rows of the old one
      if (scored === 0 && !(await hasOutdatedRatings(db))) return { scored, ratings: 0 };
      const ratings = (await recomputeRatings(db)).updated;
      log?.info(
        { ratings, rating_model: RATING_MODEL, evidence_rule: EVIDENCE_RULE },
        'service-ability ratings recomputed',
      );
      return { scored, ratings };
    },

    listReviews: async ({ agent_id, ...q }) =>
      masked(await listReviews(db, { ...q, ...(agent_id ? { agent: agent_id } : {}) })),
    async listReturns({ agent_id, ...q }) {
      if (q.from && q.to && q.to < q.from) throw new BadRequestError('`to` is before `from`');
      return listReturnEvents(db, { ...q, ...(agent_id ? { agent: agent_id } : {}) });
    },
    listRatings: async (query) => ratingsOf(await byCycle(query)),
    async listRatingsJson(query, serialize) {
      const q = await byCycle(query);
      return stored(
        ['ratings', q.period, q.role ?? null, q.team ?? null, q.evidence, q.sort, q.order, q.limit, q.offset],
        () => ratingsOf(q),
        serialize,
        RATINGS_READS,
      );
    },
    liveRatings: (period, role) =>
      listRatings(db, { period, role, sort: 'agent_id', order: 'asc', limit: 1_000_000, offset: 0 }),
    async agentRatings(agentId, q = {}) {
      const answer = await agentRatings(db, agentId, q);
      const cycle = await getCycle(db, answer.role_id);
      const asked = q.period !== undefined ? 'period' : q.kind !== undefined ? 'kind' : null;
      const kind = q.period !== undefined ? (isYear(q.period) ? 'year' : parsePeriod(q.period)?.kind) : q.kind;
      const refused = asked && kind ? cycleRefuses(cycle, kind) : null;
      if (refused) throw unprocessable(asked!, refused.replace(/^period:/, `${asked}:`));
      return answer;
    },
    async reviewsBehindRating({ explain, ...q }) {
      const page = await reviewsBehindRating(db, q, explain ? await sentiment.get() : undefined);
      return { ...page, items: masked(page.items) };
    },
    async overdueReviews(q) {
      const page = await overdueNegativeReviews(db, q);
      return { ...page, items: masked(page.items) };
    },
    eraseOrderReviews: (orderId, actor) =>
      db.transaction(async (tx) => {
        const erased = await deleteReviewsByOrder(tx, orderId);
        const out: OrderErasure = { order_id: orderId, deleted: erased.length, review_ids: [], ratings_updated: 0 };
        if (erased.length === 0) return out;
        out.review_ids = erased.map((r) => r.id);
        out.ratings_updated = await recompute(
          withinTransaction(db, tx),
          erased.map((r) => ({ agent_id: r.agent_id, at: r.created_at })),
        );
        await recordAudit(tx, {
          actor,
          action: 'review.erase',
          subject: { type: 'order', id: orderId },
          // ids and counts only: the erased text is not kept anywhere
          detail: { review_ids: out.review_ids, deleted: out.deleted, ratings_updated: out.ratings_updated },
        });
        return out;
      }),
    async scoreTexts(texts, opts) {
      const scored = await (await sentiment.get()).scoreAsync(texts, opts);
      return scored.map((s, i) => maskScoredText(masker, texts[i]!, s));
    },
  };
}
