/** Customer reviews: bulk upsert (JSON or CSV) and reads. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { rowSchemas } from '../services/ingestion.js';
import { page } from './components.js';
import { route, rowsBody } from './define.js';
import { CSV_TYPES, ingestResponses, ingestResult, requestSource } from './ingest.js';

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

const reviewRows = rowsBody(rowSchemas.reviews.meta({ id: 'ReviewRow' }));

/** One review as the examples show it (E0003 is a customer-service agent). */
export const exampleReview = {
  id: 'R-90001',
  agent_id: 'E0003',
  order_id: 'O-7001',
  channel: 'taobao',
  text: '客服回复很快，态度很好，退货也很顺利',
  rating: 5,
  created_at: '2026-10-12T02:30:00.000Z',
  replied_at: null,
};

const reviewRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.services;

  app.post(
    '/reviews',
    route({
      operationId: 'upsertReviews',
      tags: ['reviews'],
      summary:
        'Upsert reviews (JSON rows or CSV with header id,agent_id,order_id,channel,text,rating,created_at,replied_at); all-or-nothing, idempotent',
      description:
        'New and changed reviews are scored by the sentiment model before the answer (`scored` counts them), and the ratings of their agents for the weeks, months and quarters they fall in are recomputed (`ratings_updated` counts the rating rows that changed).',
      access: ['cs_lead'],
      upload: {
        json: reviewRows,
        text: {
          types: CSV_TYPES,
          description:
            'CSV with the header id,agent_id,order_id,channel,text,rating,created_at,replied_at (UTF-8, or charset=gbk)',
        },
      },
      response: ingestResponses(ingestResult.extend({ scored: z.number().int(), ratings_updated: z.number().int() })),
      errors: [422],
      example: {
        body: [{ ...exampleReview, created_at: '2026-10-12T10:30:00+08:00' }],
        text: 'id,agent_id,order_id,channel,text,rating,created_at,replied_at\nR-90001,E0003,O-7001,taobao,客服回复很快，态度很好，退货也很顺利,5,2026-10-12T10:30:00+08:00,\n',
        response: { received: 1, inserted: 1, updated: 0, unchanged: 0, scored: 1, ratings_updated: 3 },
      },
    }),
    async (request) => reviews.ingestReviews(requestSource(request)),
  );

  app.get(
    '/reviews',
    route({
      operationId: 'listReviews',
      tags: ['reviews'],
      summary: 'Read reviews, newest first',
      access: ['cs_lead', 'scorer'],
      query: {
        agent_id: z.string().optional(),
        from: f.timestamp.optional(),
        to: f.timestamp.optional(),
        ...page({ max: 1000, default: 100 }),
      },
      response: { 200: z.array(storedReview) },
      example: {
        query: { agent_id: 'E0003', from: '2026-10-01T00:00:00+08:00', limit: 20 },
        response: [
          {
            ...exampleReview,
            language: 'zh',
            sentiment_label: 'positive',
            sentiment_probability: 0.97,
            sentiment_model: 'sentiment-zh@b0861cd7e04d',
          },
        ],
      },
    }),
    async (request) => reviews.listReviews(request.query),
  );

  app.delete(
    '/orders/:order_id/reviews',
    route({
      operationId: 'eraseOrderReviews',
      tags: ['reviews'],
      summary:
        "Erase a customer's reviews by order id (personal data), audited; the ratings they counted in are recomputed",
      description:
        'Deletes every review of the order, recomputes the ratings of the agents and periods they counted in and writes one audit entry (`review.erase`, the review ids and counts, never the text), all in one transaction. Retry-safe: when no review of the order is left (already erased, or none) the answer is 200 with `deleted: 0`, nothing changes and no audit entry is written. Closed periods keep answering from their snapshots.',
      access: ['cs_lead'],
      params: { order_id: z.string().min(1).max(200) },
      response: {
        200: z.object({
          order_id: z.string(),
          deleted: z.number().int().describe('reviews deleted by this request (0 on a retry)'),
          review_ids: z.array(z.string()),
          ratings_updated: z.number().int().describe('rating rows that changed'),
        }),
      },
      example: {
        params: { order_id: 'O-7001' },
        response: { order_id: 'O-7001', deleted: 1, review_ids: ['R-90001'], ratings_updated: 3 },
      },
    }),
    async (request) => reviews.eraseOrderReviews(request.params.order_id, request.apiKey?.id ?? null),
  );
};

export default reviewRoutes;
