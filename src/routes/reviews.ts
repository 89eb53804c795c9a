/** Customer reviews: bulk upsert (JSON or CSV) and reads. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { previousPlaces, ratingScopeOf, recomputeRatings, type Place } from '../ratings/recompute.js';
import type { ReviewInput } from '../history/types.js';
import { listReviews, reviewTarget } from '../reviews/repository.js';
import { scoreStoredReviews } from '../reviews/scoring.js';
import { ingestDocs, ingestRequest, ingestResult, rowErrors } from './ingest.js';

/** A stored review with its sentiment (`StoredReview`, src/reviews/repository.ts). */
export const storedReview = z.object({
  id: z.string(),
  agent_id: z.string().nullable(),
  order_id: z.string().nullable(),
  channel: z.string().nullable(),
  text: z.string(),
  rating: z.number().nullable(),
  created_at: z.date(),
  replied_at: z.date().nullable(),
  language: z.string().nullable(),
  sentiment_label: z.string().nullable(),
  sentiment_probability: z.number().nullable(),
  sentiment_model: z.string().nullable(),
});

const reviewRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.services;

  app.post(
    '/reviews',
    {
      config: { scopes: ['cs_lead'] },
      schema: {
        tags: ['reviews'],
        summary:
          'Upsert reviews (JSON rows or CSV with header id,agent_id,order_id,channel,text,rating,created_at,replied_at); all-or-nothing, idempotent',
        description:
          'New and changed reviews are scored by the sentiment model before the answer (`scored` counts them), and the ratings of their agents for the weeks, months and quarters they fall in are recomputed (`ratings_updated` counts the rating rows that changed).',
        consumes: ingestDocs.consumes,
        response: {
          200: ingestResult.extend({ scored: z.number(), ratings_updated: z.number() }),
          422: rowErrors.passthrough(),
        },
      },
    },
    async (request) => {
      let scored = 0;
      let ratingsUpdated = 0;
      const counts = await ingestRequest<ReviewInput, Place[]>(
        app,
        request,
        reviewTarget,
        'reviews',
        async (rows, written, previous) => {
          // new and changed reviews have no score yet; the rest keep theirs
          scored = (await scoreStoredReviews(db, await app.services.sentiment.get(), { ids: rows.map((r) => r.id) }))
            .scored;
          // a changed reply time moves the 24 h response rate even where the text (and score) stayed;
          // a review moved to another agent or date changes the ratings it left too
          if (written.inserted + written.updated > 0) {
            const touched = [...rows.map((r) => ({ agent_id: r.agent_id, at: r.created_at })), ...previous];
            ratingsUpdated = (await recomputeRatings(db, ratingScopeOf(touched))).updated;
          }
        },
        async (rows) =>
          previousPlaces(
            db,
            'reviews',
            'created_at',
            rows.map((r) => r.id),
          ),
      );
      return { ...counts, scored, ratings_updated: ratingsUpdated };
    },
  );

  app.get(
    '/reviews',
    {
      config: { scopes: ['cs_lead', 'scorer'] },
      schema: {
        tags: ['reviews'],
        summary: 'Read reviews, newest first',
        querystring: z.object({
          agent_id: z.string().optional(),
          from: f.timestamp.optional(),
          to: f.timestamp.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.array(storedReview),
        },
      },
    },
    async (request) => listReviews(db, { ...request.query, agent: request.query.agent_id }),
  );
};

export default reviewRoutes;
