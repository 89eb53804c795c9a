/**
 * Service-ability ratings (read by cs_lead and scorer), the reviews behind them and overdue negative
 * reviews (cs_lead), and return events for the 48 h returns SLA (cs_lead).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parsePeriod } from '../history/period.js';
import * as f from '../ingest/fields.js';
import { AGENT_ASPECTS, OTHER_ASPECTS, REASON_CODES } from '../ratings/attribution.js';
import { isYear } from '../lib/time.js';
import { rowSchemas } from '../services/ingestion.js';
import { sendJsonText, page as pageOf, periodForms } from './components.js';
import { route, rowsBody } from './define.js';
import { CSV_TYPES, ingestResponses, ingestResult, requestSource } from './ingest.js';
import { closedFields } from './kpi-schemas.js';
import { exampleReview, storedReview } from './reviews.js';
import { aspectHit, explanation } from './sentiment.js';

const periodOrYear = z
  .string()
  .trim()
  .refine((p) => isYear(p) || parsePeriod(p) !== null, {
    error: (i) =>
      `expected a week (2026-W07), month (2026-03), quarter (2026-Q1) or year (2026), got '${String(i.input)}'`,
  })
  .meta({ pattern: periodForms({ year: true }).pattern, description: periodForms({ year: true }).said });

const slaRate = { rate: z.number().nullable(), target: z.number(), met: z.boolean().nullable() };

const rating = z.object({
  agent_id: z.string(),
  role_id: z.string(),
  team: z.string().nullable(),
  period: z.string(),
  period_kind: z.enum(['week', 'month', 'quarter', 'year']),
  score: z.number().nullable().describe('0–100: 100 × posterior mean'),
  stars: z.number().nullable().describe('1–5: 1 + 4 × posterior mean'),
  posterior_mean: z.number().nullable().describe('posterior mean of the positive-service share'),
  interval: z.object({ level: z.number(), low: z.number().nullable(), high: z.number().nullable() }),
  n: z.number().describe('attributable reviews'),
  positive: z.number().describe('Σ P(positive service) over the attributable reviews'),
  effective_n: z
    .number()
    .nullable()
    .describe(
      "n in yes/no-review equivalents, n / prior.rho: calibrated probabilities vary less than yes/no outcomes, so each review says more about the agent's share; the posterior and interval use it",
    ),
  raw_share: z.number().nullable(),
  insufficient_evidence: z.boolean(),
  min_reviews: z.number(),
  prior: z
    .object({
      alpha: z.number(),
      beta: z.number(),
      mean: z.number(),
      method: z.string(),
      rho: z
        .number()
        .describe(
          "the role's within-agent variance of a review's P(positive) relative to a yes/no outcome's, this period (1 for yes/no labels); a review counts as 1 / rho trials",
        ),
    })
    .nullable(),
  aspects: z.object(
    Object.fromEntries(
      AGENT_ASPECTS.map((k) => [k, z.object({ n: z.number(), positive: z.number(), share: z.number().nullable() })]),
    ),
  ),
  not_attributable: z.object({
    reviews: z.number(),
    aspects: z.object(
      Object.fromEntries(OTHER_ASPECTS.map((k) => [k, z.object({ mentions: z.number(), negative: z.number() })])),
    ),
  }),
  reviews: z.number(),
  unscored: z.number(),
  sla: z.object({
    negative_response_24h: z.object({
      negative_reviews: z.number(),
      replied_within_24h: z.number(),
      late: z.number(),
      pending: z.number(),
      ...slaRate,
    }),
    returns_48h: z.object({
      returns: z.number(),
      closed_within_48h: z.number(),
      late: z.number(),
      pending: z.number(),
      ...slaRate,
    }),
  }),
  sentiment_models: z.array(z.string()),
  rating_model: z.string(),
  quarters: z.array(z.string()).optional(),
});

const page = pageOf({ max: 1000, default: 100 });

/** One agent's month, as the examples show it. */
export const ratingExample = {
  agent_id: 'E0003',
  role_id: 'cs_agent',
  team: '客服-售前-2',
  period: '2026-10',
  period_kind: 'month',
  score: 86.4,
  stars: 4.46,
  posterior_mean: 0.864,
  interval: { level: 0.9, low: 0.79, high: 0.92 },
  n: 42,
  positive: 37.1,
  effective_n: 61.8,
  raw_share: 0.883,
  insufficient_evidence: false,
  min_reviews: 10,
  prior: { alpha: 8.2, beta: 1.6, mean: 0.837, method: 'eb', rho: 0.68 },
  aspects: {
    service_attitude: { n: 20, positive: 18.2, share: 0.91 },
    response_speed: { n: 14, positive: 11.5, share: 0.82 },
    returns_handling: { n: 5, positive: 4.1, share: 0.82 },
  },
  not_attributable: {
    reviews: 6,
    aspects: {
      logistics: { mentions: 4, negative: 3 },
      product_quality: { mentions: 2, negative: 1 },
      price: { mentions: 1, negative: 0 },
      packaging: { mentions: 0, negative: 0 },
    },
  },
  reviews: 48,
  unscored: 0,
  sla: {
    negative_response_24h: {
      negative_reviews: 5,
      replied_within_24h: 4,
      late: 1,
      pending: 0,
      rate: 0.8,
      target: 1,
      met: false,
    },
    returns_48h: { returns: 3, closed_within_48h: 3, late: 0, pending: 0, rate: 1, target: 0.95, met: true },
  },
  sentiment_models: ['sentiment-zh@b0861cd7e04d'],
  rating_model: 'eb-beta-binomial@3',
};
/** One agent's ratings (GET /v1/ratings/agents/:id and, for an agent key, GET /v1/me/ratings). */
export const agentRatingsQuery = {
  kind: z.enum(['week', 'month', 'quarter', 'year']).optional(),
  period: periodOrYear.optional(),
  from: f.date.optional().describe('first period start to include'),
  to: f.date.optional().describe('last period start to include'),
};
export const agentRatingsAnswer = z.object({
  agent_id: z.string(),
  role_id: z.string(),
  team: z.string().nullable(),
  ratings: z.array(rating),
});
/** The reviews behind a rating (GET /v1/ratings/agents/:id/reviews and, for an agent key, GET /v1/me/reviews). */
export const ratingReviewsQuery = {
  period: periodOrYear,
  which: z.enum(['all', 'attributable', 'not_attributable']).default('all'),
  explain: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  ...pageOf({ max: 200, default: 50 }),
};
export const ratingReviewsAnswer = z.object({
  agent_id: z.string(),
  period: z.string(),
  total: z.number().int(),
  items: z.array(
    storedReview.omit({ agent_id: true, order_id: true }).extend({
      attributable: z.boolean(),
      basis: z
        .enum(['agent_aspects', 'service_interaction', 'correction'])
        .nullable()
        .describe("correction: a quality lead's correction decides (POST /v1/reviews/{id}/corrections)"),
      reason_code: z
        .enum(REASON_CODES)
        .describe(
          'why it counts or not, stable: excluded or marked_not_agent / marked_agent (a correction), unscored, agent_aspects, service_interaction (a service channel with no aspect), other_aspects (only what the agent does not control), language (not recognised), outside_control (a service channel with no aspect, naming weather, platform rules or a bank), no_service',
        ),
      reason: z.string().describe('the same in English words (may be reworded; branch on reason_code)'),
      weight: z.number().nullable().describe("the review's success in the rating: P(positive service)"),
      aspects: z.array(aspectHit).describe('as corrected by a quality lead where a correction is in force'),
      correction_id: z.number().int().nullable().describe('the correction in force, null when none'),
      explanation: explanation.optional().describe('n-grams that moved P(positive), strongest first'),
      explanation_model: z.string().optional(),
    }),
  ),
});

const READ = ['cs_lead', 'scorer'] as const;
const returnRows = rowsBody(rowSchemas.returns.meta({ id: 'ReturnEventRow' }));

export const ratingsPage = z.object({
  ...closedFields,
  period: z.string(),
  total: z.number().int(),
  items: z.array(rating),
});

const ratingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.services;

  app.get(
    '/ratings',
    route({
      operationId: 'listRatings',
      tags: ['ratings'],
      summary:
        'Service-ability ratings of one period (week, month, quarter or year), by role and team; sorted and paginated',
      description:
        "With a role, the role's declared cycle (GET /v1/roles/{role}/cycle) rules: without a period, the role's latest rated period on the kind it is tracked on; a period finer than that kind (a week for a role tracked monthly) is refused with 422 naming `period`. Without a role, a period is needed (422 naming `period`).",
      access: READ,
      query: {
        period: periodOrYear
          .optional()
          .describe(
            "default (with a role): the role's latest rated period on the kind it is tracked on (its declared cycle)",
          ),
        role: z.string().optional(),
        team: z.string().optional(),
        evidence: z.enum(['all', 'sufficient', 'insufficient']).default('all'),
        sort: z.enum(['score', 'ci_low', 'n', 'raw_share', 'negative_response_rate', 'agent_id']).default('score'),
        order: z.enum(['asc', 'desc']).default('desc'),
        ...page,
      },
      response: { 200: ratingsPage },
      errors: [404, 422],
      example: {
        query: { period: '2026-10', role: 'cs_agent', limit: 20 },
        response: { period: '2026-10', total: 1, items: [ratingExample] },
      },
    }),
    async (request, reply) => {
      // a stored page while the data is unchanged; written through this route's schema, as a computed one would be
      const answer = await reviews.listRatingsJson(request.query, (p) => JSON.stringify(ratingsPage.parse(p)));
      return sendJsonText(reply, answer);
    },
  );

  app.get(
    '/ratings/agents/:id',
    route({
      operationId: 'getAgentRatings',
      tags: ['ratings'],
      summary:
        "One agent's ratings, oldest first: a kind (default quarter) or one period, with aspect breakdown, what was not attributable and SLA rates",
      access: READ,
      params: { id: z.string() },
      query: agentRatingsQuery,
      response: { 200: agentRatingsAnswer },
      errors: [404],
      example: {
        params: { id: 'E0003' },
        query: { period: '2026-10' },
        response: { agent_id: 'E0003', role_id: 'cs_agent', team: '客服-售前-2', ratings: [ratingExample] },
      },
    }),
    async (request) => reviews.agentRatings(request.params.id, request.query),
  );

  app.get(
    '/ratings/agents/:id/reviews',
    route({
      operationId: 'listRatingReviews',
      tags: ['ratings'],
      summary:
        "The reviews behind an agent's rating of a period: whether and why each counts, its aspects and (explain=true) the words that drove its sentiment",
      access: ['cs_lead'],
      params: { id: z.string() },
      query: ratingReviewsQuery,
      response: { 200: ratingReviewsAnswer },
      errors: [404],
      example: {
        params: { id: 'E0003' },
        query: { period: '2026-10', which: 'attributable', explain: 'false', limit: 10 },
        response: {
          agent_id: 'E0003',
          period: '2026-10',
          total: 1,
          items: [
            {
              id: exampleReview.id,
              channel: exampleReview.channel,
              text: exampleReview.text,
              rating: 5,
              created_at: exampleReview.created_at,
              replied_at: null,
              language: 'zh',
              sentiment_label: 'positive',
              sentiment_probability: 0.97,
              sentiment_model: 'sentiment-zh@b0861cd7e04d',
              attributable: true,
              basis: 'agent_aspects',
              reason_code: 'agent_aspects',
              reason: 'mentions service attitude, response speed or returns handling',
              weight: 0.95,
              aspects: [
                {
                  aspect: 'service_attitude',
                  agentControllable: true,
                  sentiment: 'positive',
                  probability: 0.93,
                  span: { start: 7, end: 11, text: '态度很好' },
                },
              ],
              correction_id: null,
            },
          ],
        },
      },
    }),
    async (request) => {
      const { explain, which, period, limit, offset } = request.query;
      return reviews.reviewsBehindRating({ agentId: request.params.id, period, which, limit, offset, explain });
    },
  );

  app.get(
    '/ratings/overdue-reviews',
    route({
      operationId: 'listOverdueReviews',
      tags: ['ratings'],
      summary:
        'Negative reviews (label negative or 1–2 stars) without a reply 24 h after they arrived, oldest first, for follow-up',
      access: ['cs_lead'],
      query: {
        agent_id: z.string().optional(),
        role: z.string().optional(),
        team: z.string().optional(),
        since: f.timestamp.optional(),
        ...page,
      },
      response: {
        200: z.object({
          total: z.number().int(),
          items: z.array(
            storedReview
              .pick({
                id: true,
                agent_id: true,
                channel: true,
                text: true,
                rating: true,
                created_at: true,
                sentiment_label: true,
                sentiment_probability: true,
              })
              .extend({ role_id: z.string().nullable(), team: z.string().nullable(), hours_waiting: z.number() }),
          ),
        }),
      },
      example: {
        query: { role: 'cs_agent', since: '2026-10-01T00:00:00+08:00' },
        response: {
          total: 1,
          items: [
            {
              id: 'R-90002',
              agent_id: 'E0003',
              channel: 'taobao',
              text: '等了两天都没人回复，太差了',
              rating: 1,
              created_at: '2026-10-14T01:00:00.000Z',
              sentiment_label: 'negative',
              sentiment_probability: 0.04,
              role_id: 'cs_agent',
              team: '客服-售前-2',
              hours_waiting: 52.5,
            },
          ],
        },
      },
    }),
    async (request) => reviews.overdueReviews({ ...request.query, agentId: request.query.agent_id }),
  );

  app.post(
    '/returns',
    route({
      operationId: 'upsertReturns',
      tags: ['ratings'],
      summary:
        "Upsert return events (JSON rows or CSV with header id,agent_id,order_id,opened_at,closed_at); all-or-nothing, idempotent; the agents' ratings are recomputed",
      access: ['cs_lead'],
      upload: {
        json: returnRows,
        text: {
          types: CSV_TYPES,
          description: 'CSV with the header id,agent_id,order_id,opened_at,closed_at (UTF-8, or charset=gbk)',
        },
      },
      response: ingestResponses(ingestResult.extend({ ratings_updated: z.number().int() })),
      errors: [422],
      example: {
        body: [
          {
            id: 'RT-5001',
            agent_id: 'E0003',
            order_id: 'O-7001',
            opened_at: '2026-10-13T09:00:00+08:00',
            closed_at: '2026-10-14T15:00:00+08:00',
          },
        ],
        text: 'id,agent_id,order_id,opened_at,closed_at\nRT-5001,E0003,O-7001,2026-10-13T09:00:00+08:00,2026-10-14T15:00:00+08:00\n',
        response: { received: 1, inserted: 1, updated: 0, unchanged: 0, ratings_updated: 3 },
      },
    }),
    async (request) => reviews.ingestReturns(requestSource(request)),
  );

  app.get(
    '/returns',
    route({
      operationId: 'listReturns',
      tags: ['ratings'],
      summary: 'Return events by agent and time, newest first',
      access: READ,
      query: {
        agent_id: z.string().optional(),
        from: f.timestamp.optional(),
        to: f.timestamp.optional(),
        ...page,
      },
      response: {
        200: z.array(
          z.object({
            id: z.string(),
            agent_id: z.string(),
            order_id: z.string().nullable(),
            opened_at: z.date(),
            closed_at: z.date().nullable(),
            hours_to_close: z.number().nullable(),
          }),
        ),
      },
      example: {
        query: { agent_id: 'E0003', from: '2026-10-01T00:00:00+08:00' },
        response: [
          {
            id: 'RT-5001',
            agent_id: 'E0003',
            order_id: 'O-7001',
            opened_at: '2026-10-13T01:00:00.000Z',
            closed_at: '2026-10-14T07:00:00.000Z',
            hours_to_close: 30,
          },
        ],
      },
    }),
    async (request) => reviews.listReturns(request.query),
  );
};

export default ratingRoutes;
