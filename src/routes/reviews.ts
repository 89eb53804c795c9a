/** Customer reviews: bulk upsert (JSON or CSV) and reads. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { ingestDocs, ingestResult, requestSource, rowErrors } from './ingest.js';

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
  const { reviews } = app.services;

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
    async (request) => reviews.ingestReviews(requestSource(request)),
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
    async (request) => reviews.listReviews(request.query),
  );
};

export default reviewRoutes;
