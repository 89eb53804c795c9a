/**
 * 360° feedback: import ratings (HR; JSON rows or CSV), read each period's calibrated scores and the
 * raters' leniency (HR and scorers). The model: src/appraisal/README.md.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { feedbackRowSchema } from '../appraisal/feedback-rows.js';
import { periodParam, warnings } from './components.js';
import { route, rowsBody } from './define.js';
import { CSV_TYPES, ingestResponses, ingestResult, requestSource } from './ingest.js';

const num = z.number();
const maybe = z.number().nullable();
const interval = z.object({ level: num, low: num, high: num });
const READ = ['hr', 'scorer'] as const;

const feedbackRows = rowsBody(feedbackRowSchema.meta({ id: 'FeedbackRow' }));

const personScore = z.object({
  ratee: z.string(),
  role: z.string().nullable(),
  team: z.string().nullable(),
  score: maybe.describe('calibrated 360 score, 0–100: what an average rater would give on the average item'),
  interval: interval.nullable(),
  on_scale: z.object({ score: num, low: num, high: num }).nullable().describe('the same on the ratings’ own scale'),
  raw_mean: maybe.describe('plain mean of the ratings, 0–100, for comparison'),
  reliability: maybe.describe('share of the score that is the person rather than rater noise, 0–1'),
  n: num,
  n_raters: num,
  relations: z.record(z.string(), num),
  self_score: maybe.describe('mean self-rating, 0–100 (not in the score)'),
  component: maybe,
});

const rater = z.object({
  rater: z.string(),
  leniency: num.describe('points (0–100 scale) this rater adds against raters of the same relation; + = lenient'),
  interval,
  z: maybe,
  flag: z.enum(['lenient', 'severe']).nullable(),
  n: num,
  n_ratees: num,
  relations: z.array(z.string()),
  raw_mean: num,
  component: num,
});

const exampleCsv =
  'ratee,rater,relation,period,item,score,scale\nE0003,E0001,manager,2026-10,service,4,1-5\nE0003,C-1001,customer,2026-10,service,9,1-10\n';
const exampleRows = [
  { ratee: 'E0003', rater: 'E0001', relation: 'manager', period: '2026-10', item: 'service', score: 4, scale: '1-5' },
  {
    ratee: 'E0003',
    rater: 'C-1001',
    relation: 'customer',
    period: '2026-10',
    item: 'service',
    score: 9,
    scale: { min: 1, max: 10 },
  },
];

const feedbackRoutes: FastifyPluginAsyncZod = async (app) => {
  const { appraisal } = app.services;

  app.post(
    '/360/ratings',
    route({
      operationId: 'importFeedbackRatings',
      tags: ['360'],
      summary:
        'Import 360° ratings (JSON rows or CSV with header ratee,rater,relation,period,item,score,scale); all-or-nothing, idempotent; recalibrates each period touched',
      description:
        'One rating per (period, ratee, rater, item); a repeat with the same score changes nothing. The scale is `1-5` (text), {"min": 1, "max": 5}, or the columns scale_min and scale_max. The ratee must be a registered employee; raters may be anyone (customers). After the write, each period touched is calibrated again (rater leniency taken out); `calibrated` says what was found, a warning `not_calibrated` why a period could not be.',
      access: ['hr'],
      upload: {
        json: feedbackRows,
        text: {
          types: CSV_TYPES,
          description:
            'CSV with the header ratee,rater,relation,period,item,score,scale (or scale_min,scale_max), UTF-8 or charset=gbk',
        },
      },
      response: ingestResponses(
        ingestResult.extend({
          calibrated: z.array(
            z.object({ period: z.string(), people: num, raters: num, flagged: num.describe('raters flagged') }),
          ),
          warnings,
        }),
      ),
      errors: [422],
      example: {
        body: exampleRows,
        text: exampleCsv,
        response: {
          received: 2,
          inserted: 2,
          updated: 0,
          unchanged: 0,
          calibrated: [{ period: '2026-10', people: 1, raters: 2, flagged: 0 }],
          warnings: [],
        },
      },
    }),
    async (request) => appraisal.importRatings(requestSource(request), request.apiKey?.id ?? null),
  );

  app.get(
    '/360/periods',
    route({
      operationId: 'listFeedbackPeriods',
      tags: ['360'],
      summary: 'Periods with 360° ratings, newest first, with counts',
      access: READ,
      response: {
        200: z.array(z.object({ period: z.string(), ratings: num, ratees: num, raters: num })),
      },
      example: { response: [{ period: '2026-10', ratings: 2, ratees: 1, raters: 2 }] },
    }),
    async () => appraisal.periods(),
  );

  app.get(
    '/360/scores',
    route({
      operationId: 'listFeedbackScores',
      tags: ['360'],
      summary: "Each person's calibrated 360 score of a period with its interval, n and reliability",
      description:
        'Scores are on 0–100 (and on the ratings’ own scale when they all used one): the score an average rater of the average relation would give on the average item. The model and its checks: src/appraisal/README.md.',
      access: READ,
      query: {
        period: periodParam({ year: false }),
        role: z.string().optional(),
        team: z.string().optional(),
      },
      response: {
        200: z.object({
          period: z.string(),
          computed_at: z.date(),
          ratings: num,
          method: z.string(),
          level: num,
          scale: z.object({ min: num, max: num }).nullable(),
          sd: z.object({ person: num, rater: num, pair: num, residual: num }),
          relation_effects: z.record(z.string(), num),
          item_effects: z.record(z.string(), num),
          components: num,
          notes: z.array(z.string()),
          people: z.array(personScore),
        }),
      },
      errors: [404, 422],
      example: {
        query: { period: '2026-10' },
        response: {
          period: '2026-10',
          computed_at: '2026-11-02T08:00:00.000Z',
          ratings: 2,
          method: 'linear mixed model on scores normalised to 0–1 …',
          level: 0.9,
          scale: null,
          sd: { person: 0, rater: 0, pair: 0, residual: 2.5 },
          relation_effects: { customer: 6.94, manager: -6.94 },
          item_effects: { service: 0 },
          components: 1,
          notes: [],
          people: [
            {
              ratee: 'E0003',
              role: 'cs_agent',
              team: '客服-售前-2',
              score: 81.94,
              interval: { level: 0.9, low: 75.1, high: 88.8 },
              on_scale: null,
              raw_mean: 81.94,
              reliability: 0,
              n: 2,
              n_raters: 2,
              relations: { customer: 1, manager: 1 },
              self_score: null,
              component: 0,
            },
          ],
        },
      },
    }),
    async (request) => {
      const { period, role, team } = request.query;
      return appraisal.scores(period, { role, team });
    },
  );

  app.get(
    '/360/raters',
    route({
      operationId: 'listFeedbackRaters',
      tags: ['360'],
      summary: "Each rater's leniency in a period with its interval and z; raters far from the rest flagged",
      access: READ,
      query: {
        period: periodParam({ year: false }),
        flagged: z
          .enum(['true', 'false'])
          .optional()
          .transform((v) => v === 'true')
          .describe('only flagged raters'),
      },
      response: {
        200: z.object({ period: z.string(), computed_at: z.date(), flag_rule: z.string(), raters: z.array(rater) }),
      },
      errors: [404, 422],
      example: {
        query: { period: '2026-10' },
        response: {
          period: '2026-10',
          computed_at: '2026-11-02T08:00:00.000Z',
          flag_rule: '|z| > 2.5 with at least 5 ratings, z = leniency / √(σ²_rater − PEV)',
          raters: [
            {
              rater: 'E0001',
              leniency: 0,
              interval: { level: 0.9, low: 0, high: 0 },
              z: null,
              flag: null,
              n: 1,
              n_ratees: 1,
              relations: ['manager'],
              raw_mean: 75,
              component: 0,
            },
          ],
        },
      },
    }),
    async (request) => appraisal.raters(request.query.period, { flagged: request.query.flagged }),
  );
};

export default feedbackRoutes;
