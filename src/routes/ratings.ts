/**
 * Service-ability ratings (read by cs_lead and scorer), the reviews behind them and overdue negative
 * reviews (cs_lead), and return events for the 48 h returns SLA (cs_lead).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parsePeriod } from '../history/period.js';
import * as f from '../ingest/fields.js';
import { AGENT_ASPECTS, OTHER_ASPECTS } from '../ratings/attribution.js';
import { ingestDocs, ingestResult, requestSource, rowErrors } from './ingest.js';
import { storedReview } from './reviews.js';
import { aspectHit, explanation } from './sentiment.js';
import { isYear } from '../lib/time.js';

const periodOrYear = z
  .string()
  .trim()
  .refine((p) => isYear(p) || parsePeriod(p) !== null, {
    error: (i) =>
      `expected a week (2026-W07), month (2026-03), quarter (2026-Q1) or year (2026), got '${String(i.input)}'`,
  });

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

const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

const ratingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.services;

  app.get(
    '/ratings',
    {
      config: { scopes: ['cs_lead', 'scorer'] },
      schema: {
        tags: ['ratings'],
        summary:
          'Service-ability ratings of one period (week, month, quarter or year), by role and team; sorted and paginated',
        querystring: z.object({
          period: periodOrYear,
          role: z.string().optional(),
          team: z.string().optional(),
          evidence: z.enum(['all', 'sufficient', 'insufficient']).default('all'),
          sort: z.enum(['score', 'ci_low', 'n', 'raw_share', 'negative_response_rate', 'agent_id']).default('score'),
          order: z.enum(['asc', 'desc']).default('desc'),
          ...page,
        }),
        response: { 200: z.object({ period: z.string(), total: z.number(), items: z.array(rating) }) },
      },
    },
    async (request) => reviews.listRatings(request.query),
  );

  app.get(
    '/ratings/agents/:id',
    {
      config: { scopes: ['cs_lead', 'scorer'] },
      schema: {
        tags: ['ratings'],
        summary:
          "One agent's ratings, oldest first: a kind (default quarter) or one period, with aspect breakdown, what was not attributable and SLA rates",
        params: z.object({ id: z.string() }),
        querystring: z.object({
          kind: z.enum(['week', 'month', 'quarter', 'year']).optional(),
          period: periodOrYear.optional(),
          from: f.date.optional().describe('first period start to include'),
          to: f.date.optional().describe('last period start to include'),
        }),
        response: {
          200: z.object({
            agent_id: z.string(),
            role_id: z.string(),
            team: z.string().nullable(),
            ratings: z.array(rating),
          }),
        },
      },
    },
    async (request) => reviews.agentRatings(request.params.id, request.query),
  );

  app.get(
    '/ratings/agents/:id/reviews',
    {
      config: { scopes: ['cs_lead'] },
      schema: {
        tags: ['ratings'],
        summary:
          "The reviews behind an agent's rating of a period: whether and why each counts, its aspects and (explain=true) the words that drove its sentiment",
        params: z.object({ id: z.string() }),
        querystring: z.object({
          period: periodOrYear,
          which: z.enum(['all', 'attributable', 'not_attributable']).default('all'),
          explain: z
            .enum(['true', 'false'])
            .default('true')
            .transform((v) => v === 'true'),
          ...page,
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            agent_id: z.string(),
            period: z.string(),
            total: z.number(),
            items: z.array(
              storedReview.omit({ agent_id: true, order_id: true }).extend({
                attributable: z.boolean(),
                basis: z.enum(['agent_aspects', 'service_interaction']).nullable(),
                reason: z.string(),
                weight: z.number().nullable().describe("the review's success in the rating: P(positive service)"),
                aspects: z.array(aspectHit),
                explanation: explanation.optional().describe('n-grams that moved P(positive), strongest first'),
                explanation_model: z.string().optional(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { explain, which, period, limit, offset } = request.query;
      return reviews.reviewsBehindRating({ agentId: request.params.id, period, which, limit, offset, explain });
    },
  );

  app.get(
    '/ratings/overdue-reviews',
    {
      config: { scopes: ['cs_lead'] },
      schema: {
        tags: ['ratings'],
        summary:
          'Negative reviews (label negative or 1–2 stars) without a reply 24 h after they arrived, oldest first, for follow-up',
        querystring: z.object({
          agent_id: z.string().optional(),
          role: z.string().optional(),
          team: z.string().optional(),
          since: f.timestamp.optional(),
          ...page,
        }),
        response: {
          200: z.object({
            total: z.number(),
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
      },
    },
    async (request) => reviews.overdueReviews({ ...request.query, agentId: request.query.agent_id }),
  );

  app.post(
    '/returns',
    {
      config: { scopes: ['cs_lead'] },
      schema: {
        tags: ['ratings'],
        summary:
          "Upsert return events (JSON rows or CSV with header id,agent_id,order_id,opened_at,closed_at); all-or-nothing, idempotent; the agents' ratings are recomputed",
        consumes: ingestDocs.consumes,
        response: { 200: ingestResult.extend({ ratings_updated: z.number() }), 422: rowErrors.passthrough() },
      },
    },
    async (request) => reviews.ingestReturns(requestSource(request)),
  );

  app.get(
    '/returns',
    {
      config: { scopes: ['cs_lead', 'scorer'] },
      schema: {
        tags: ['ratings'],
        summary: 'Return events by agent and time, newest first',
        querystring: z.object({
          agent_id: z.string().optional(),
          from: f.timestamp.optional(),
          to: f.timestamp.optional(),
          ...page,
        }),
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
      },
    },
    async (request) => reviews.listReturns(request.query),
  );
};

export default ratingRoutes;
