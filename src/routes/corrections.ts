/**
 * Corrections (复核) and appeals (申诉) of a review's attribution (issue 18): a quality lead corrects
 * a review's aspects, polarity or attribution, or excludes it from the rating (audited, the ratings
 * recomputed at once); an appeal filed for the agent is accepted or rejected by a lead; the
 * corrections in force export as training rows (texts masked). Service: src/services/corrections.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ATTRIBUTIONS, NotAgentKeyError, POLARITIES } from '../reviews/corrections.js';

import { optionalQueryInt, queryInt } from './components.js';
import { route } from './define.js';
import {
  agentRatingsAnswer,
  agentRatingsQuery,
  ratingExample,
  ratingReviewsAnswer,
  ratingReviewsQuery,
} from './ratings.js';
import { exampleReview } from './reviews.js';
import { aspectHit } from './sentiment.js';

const reviewId = z.string().min(1).max(200);
const reason = z.string().trim().min(3).max(500).describe('why (required, audited)');
const aspect = aspectHit.shape.aspect;

const aspectClaim = z.object({
  aspect,
  polarity: z
    .enum(POLARITIES)
    .optional()
    .describe("the aspect's polarity; absent: the model's for that clause (or the review's overall sentiment)"),
});

const correctionRequest = z.object({
  aspects: z
    .array(aspectClaim)
    .max(7)
    .nullable()
    .optional()
    .describe("the review's aspects as they should be (replaces the model's); null or absent: keep the model's"),
  attribution: z
    .enum(ATTRIBUTIONS)
    .default('auto')
    .describe(
      'auto: the attribution rule decides; agent: it counts toward the agent; not_agent: never (its agent aspects dropped); excluded: left out of the rating',
    ),
});

const correctedHit = aspectHit.extend({ corrected: z.literal(true) });
const attribution = z.enum(ATTRIBUTIONS);

const correction = z.object({
  id: z.number().int(),
  review_id: z.string(),
  aspects: z.array(correctedHit).nullable().describe("null: the model's aspects stay"),
  attribution,
  reason: z.string(),
  actor: z.string().nullable().describe('the API key that made it'),
  appeal_id: z.number().int().nullable().describe('the accepted appeal this correction carries out'),
  before: z.object({
    aspects: z.array(aspectHit).nullable(),
    attribution,
    corrected: z.boolean().describe('a correction was already in force'),
  }),
  created_at: z.date(),
});
const listedCorrection = correction.extend({ agent_id: z.string().nullable() });

const appeal = z.object({
  id: z.number().int(),
  review_id: z.string(),
  agent_id: z.string().nullable(),
  requested: z.object({
    aspects: z.array(aspectClaim).nullable().optional(),
    attribution,
  }),
  reason: z.string(),
  state: z.enum(['pending', 'accepted', 'rejected']),
  submitted_by: z.string().nullable(),
  submitted_at: z.date(),
  decided_by: z.string().nullable(),
  decided_at: z.date().nullable(),
  decision_reason: z.string().nullable(),
  correction_id: z.number().int().nullable().describe('the correction an accepted appeal applied'),
});

const trainingRow = z.object({
  id: z.string(),
  review_id: z.string(),
  correction_id: z.number().int(),
  language: z.string().nullable(),
  text: z.string().describe('the review text with personal data masked'),
  aspects: z.record(z.string(), z.enum(POLARITIES)).describe('aspect → polarity, as the lead labelled it'),
  agent_complaint: z.boolean(),
  attribution,
  corrected_at: z.date(),
});

const exampleCorrection = {
  id: 1,
  review_id: exampleReview.id,
  aspects: [
    {
      aspect: 'service_attitude' as const,
      agentControllable: true,
      sentiment: 'negative' as const,
      probability: 0,
      span: { start: 0, end: 7, text: '客服回复很快，' },
      corrected: true as const,
    },
  ],
  attribution: 'agent' as const,
  reason: 'the customer complains about the agent, read in the chat log',
  actor: 'k_3f9a2c',
  appeal_id: null,
  before: { aspects: [], attribution: 'auto' as const, corrected: false },
  created_at: '2026-10-13T08:00:00.000Z',
};

const exampleAppeal = {
  id: 1,
  review_id: exampleReview.id,
  agent_id: 'E0003',
  requested: {
    aspects: [{ aspect: 'logistics' as const, polarity: 'negative' as const }],
    attribution: 'not_agent' as const,
  },
  reason: 'the complaint is about the courier, not the agent',
  state: 'pending' as const,
  submitted_by: 'k_3f9a2c',
  submitted_at: '2026-10-13T09:00:00.000Z',
  decided_by: null,
  decided_at: null,
  decision_reason: null,
  correction_id: null,
};

const before = optionalQueryInt({
  min: 1,
  description: 'only items older than this id (the last id of the previous page)',
});
const limit = queryInt({ min: 1, max: 500, default: 50, description: 'items per page' });

const correctionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { corrections, reviews } = app.services;
  type Caller = { apiKey?: { id: string; agentId: string | null } | null | undefined };
  const actor = (r: Caller) => r.apiKey?.id ?? null;
  /** The agent an `agent` key is bound to (the /me routes answer for it alone); 403 for any other key. */
  const ownAgent = (r: Caller): string => {
    const id = r.apiKey?.agentId;
    if (!id) throw new NotAgentKeyError();
    return id;
  };

  app.post(
    '/reviews/:id/corrections',
    route({
      operationId: 'correctReview',
      tags: ['reviews'],
      summary:
        "Correct a review's aspects, their polarity or its attribution, or exclude it from the rating (复核); audited, ratings recomputed at once",
      description:
        "The correction replaces what the model said for the rating until another correction (`attribution: auto` and no `aspects` gives the review back to the model). It survives rescoring by a new model. A polarity given counts as certain (P(positive) 1, 0 or 0.5 for neutral). Ratings of closed periods keep answering from their snapshots; the live ratings of the review's week, month and quarter are recomputed in the same transaction (`ratings_updated`).",
      access: ['cs_lead'],
      params: { id: reviewId },
      body: correctionRequest.extend({ reason }),
      response: { 201: z.object({ correction, ratings_updated: z.number().int() }) },
      errors: [404],
      example: {
        params: { id: exampleReview.id },
        body: {
          aspects: [{ aspect: 'service_attitude', polarity: 'negative' }],
          attribution: 'agent',
          reason: 'the customer complains about the agent, read in the chat log',
        },
        response: { correction: exampleCorrection, ratings_updated: 3 },
      },
    }),
    async (request, reply) =>
      reply.status(201).send(await corrections.correct(request.params.id, request.body, actor(request))),
  );

  app.get(
    '/reviews/:id/corrections',
    route({
      operationId: 'listReviewCorrections',
      tags: ['reviews'],
      summary: "A review's corrections, newest first (the first is in force)",
      access: ['cs_lead'],
      params: { id: reviewId },
      query: { limit },
      response: { 200: z.object({ items: z.array(listedCorrection) }) },
      example: {
        params: { id: exampleReview.id },
        response: { items: [{ ...exampleCorrection, agent_id: 'E0003' }] },
      },
    }),
    async (request) => ({
      items: await corrections.list({ review_id: request.params.id, limit: request.query.limit }),
    }),
  );

  app.get(
    '/corrections',
    route({
      operationId: 'listCorrections',
      tags: ['reviews'],
      summary: 'Corrections of every review, newest first',
      access: ['cs_lead'],
      query: {
        agent_id: z.string().max(64).optional(),
        current: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true')
          .describe('only the corrections in force'),
        before,
        limit,
      },
      response: { 200: z.object({ items: z.array(listedCorrection) }) },
      example: { query: { agent_id: 'E0003', limit: 20 }, response: { items: [] } },
    }),
    async (request) => {
      const q = request.query;
      return {
        items: await corrections.list({
          agent_id: q.agent_id,
          current: q.current,
          before_id: q.before,
          limit: q.limit,
        }),
      };
    },
  );

  app.get(
    '/corrections/export',
    route({
      operationId: 'exportCorrections',
      tags: ['reviews'],
      summary:
        'The corrections in force with aspect labels, as training rows for the aspect model (texts masked); save as a file for `npm run train:aspects -- --corrections FILE`',
      access: ['cs_lead'],
      query: { language: z.enum(['zh', 'en']).optional() },
      response: { 200: z.object({ items: z.array(trainingRow) }) },
      example: { query: { language: 'zh' }, response: { items: [] } },
    }),
    async (request) => ({ items: await corrections.exportTraining({ language: request.query.language }) }),
  );

  app.post(
    '/reviews/:id/appeals',
    route({
      operationId: 'submitReviewAppeal',
      tags: ['reviews'],
      summary:
        "File an appeal (申诉) for the review's agent against its attribution, with the correction asked for (audited)",
      description:
        "One pending appeal per review (409 while one waits). A lead accepts or rejects it (POST /v1/appeals/{id}/decision). An `agent` key files only for reviews charged to its own agent (403 `not_own_review` for another agent's).",
      access: ['cs_lead', 'agent'],
      params: { id: reviewId },
      body: z.object({ requested: correctionRequest, reason }),
      response: { 201: appeal },
      errors: [404, 409],
      example: {
        params: { id: exampleReview.id },
        body: { requested: exampleAppeal.requested, reason: exampleAppeal.reason },
        response: exampleAppeal,
      },
    }),
    async (request, reply) =>
      reply.status(201).send(
        await corrections.appeal(request.params.id, request.body, {
          actor: actor(request),
          agentId: request.apiKey?.agentId,
        }),
      ),
  );

  app.get(
    '/appeals',
    route({
      operationId: 'listReviewAppeals',
      tags: ['reviews'],
      summary: 'Appeals, newest first',
      access: ['cs_lead'],
      query: {
        state: z.enum(['pending', 'accepted', 'rejected']).optional(),
        agent_id: z.string().max(64).optional(),
        review_id: reviewId.optional(),
        before,
        limit,
      },
      response: { 200: z.object({ items: z.array(appeal) }) },
      example: { query: { state: 'pending' }, response: { items: [exampleAppeal] } },
    }),
    async (request) => {
      const { before: b, ...q } = request.query;
      return { items: await corrections.listAppeals({ ...q, before_id: b }) };
    },
  );

  app.post(
    '/appeals/:id/decision',
    route({
      operationId: 'decideReviewAppeal',
      tags: ['reviews'],
      summary:
        'Accept (the requested correction is applied, ratings recomputed) or reject a pending appeal, with a reason (audited)',
      access: ['cs_lead'],
      params: { id: z.string().regex(/^[1-9]\d{0,17}$/, 'expected an appeal id') },
      body: z.object({ decision: z.enum(['accept', 'reject']), reason }),
      response: {
        201: z.object({
          appeal,
          correction: correction.nullable().describe('the correction applied (accepted), else null'),
          ratings_updated: z.number().int(),
        }),
      },
      errors: [404, 409],
      example: {
        params: { id: '999999' },
        body: { decision: 'accept', reason: 'the chat log shows a courier delay' },
        response: {
          appeal: {
            ...exampleAppeal,
            state: 'accepted',
            decided_by: 'k_9b1d07',
            decided_at: '2026-10-14T09:00:00.000Z',
            decision_reason: 'the chat log shows a courier delay',
            correction_id: 2,
          },
          correction: {
            ...exampleCorrection,
            id: 2,
            aspects: [
              {
                aspect: 'logistics' as const,
                agentControllable: false,
                sentiment: 'negative' as const,
                probability: 0,
                span: { start: 0, end: 18, text: exampleReview.text },
                corrected: true as const,
              },
            ],
            attribution: 'not_agent' as const,
            reason: 'appeal 1 accepted: the chat log shows a courier delay',
            appeal_id: 1,
          },
          ratings_updated: 3,
        },
      },
    }),
    async (request, reply) =>
      reply.status(201).send(await corrections.decide(Number(request.params.id), request.body, actor(request))),
  );

  // ── the agent's own view (scope agent: a key bound to one agent; any other key gets 403) ──
  app.get(
    '/me/ratings',
    route({
      operationId: 'getMyRatings',
      tags: ['ratings'],
      summary:
        "An agent key's own ratings, oldest first (as GET /v1/ratings/agents/{id} for the agent the key is bound to)",
      access: ['agent'],
      query: agentRatingsQuery,
      response: { 200: agentRatingsAnswer },
      errors: [404],
      example: {
        query: { period: '2026-10' },
        response: { agent_id: 'E0003', role_id: 'cs_agent', team: '客服-售前-2', ratings: [ratingExample] },
      },
    }),
    async (request) => reviews.agentRatings(ownAgent(request), request.query),
  );

  app.get(
    '/me/reviews',
    route({
      operationId: 'listMyRatingReviews',
      tags: ['ratings'],
      summary:
        "The reviews behind an agent key's own rating of a period: whether and why each counts (appeal one with POST /v1/reviews/{id}/appeals)",
      access: ['agent'],
      query: ratingReviewsQuery,
      response: { 200: ratingReviewsAnswer },
      errors: [404],
      example: {
        query: { period: '2026-10', which: 'attributable', explain: 'false', limit: 10 },
        response: { agent_id: 'E0003', period: '2026-10', total: 0, items: [] },
      },
    }),
    async (request) => {
      const { explain, which, period, limit, offset } = request.query;
      return reviews.reviewsBehindRating({ agentId: ownAgent(request), period, which, limit, offset, explain });
    },
  );

  app.get(
    '/me/appeals',
    route({
      operationId: 'listMyAppeals',
      tags: ['ratings'],
      summary: "An agent key's own appeals and their state, newest first",
      access: ['agent'],
      query: { state: z.enum(['pending', 'accepted', 'rejected']).optional(), before, limit },
      response: { 200: z.object({ items: z.array(appeal) }) },
      example: { query: { state: 'pending' }, response: { items: [exampleAppeal] } },
    }),
    async (request) => {
      const { before: b, ...q } = request.query;
      return { items: await corrections.listAppeals({ ...q, agent_id: ownAgent(request), before_id: b }) };
    },
  );
};

export default correctionRoutes;
