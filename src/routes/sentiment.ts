/** Scoring API: one text or a batch of up to 1,000. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from './define.js';

const span = z.object({ start: z.number(), end: z.number(), text: z.string() });
/** One aspect found in a review (also in the reviews behind a rating, src/routes/ratings.ts). */
export const aspectHit = z.object({
  aspect: z.enum([
    'service_attitude',
    'response_speed',
    'returns_handling',
    'logistics',
    'product_quality',
    'price',
    'packaging',
  ]),
  agentControllable: z.boolean(),
  sentiment: z.enum(['positive', 'neutral', 'negative']),
  probability: z.number(),
  span,
});
/** The n-grams that moved P(positive), strongest first. */
export const explanation = z.array(z.object({ token: z.string(), contribution: z.number() }));
const scored = z.object({
  label: z.enum(['positive', 'neutral', 'negative']),
  probability: z.number().describe('calibrated P(positive)'),
  language: z.enum(['zh', 'en', 'other']),
  aspects: z.array(aspectHit),
  explanation: explanation.optional(),
  modelVersion: z.string(),
});

/** Characters one text may carry (≈ 200–600 KB); the engine reads the first 20,000 (MAX_TEXT_CHARS). */
const MAX_REQUEST_TEXT = 200_000;

const sentimentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/sentiment/score',
    route({
      operationId: 'scoreSentiment',
      tags: ['sentiment'],
      summary:
        'Score review text: label, calibrated probability, language, aspects, explanation (on request), model version',
      access: ['cs_lead', 'scorer'],
      body: z
        .object({
          // empty or blank text answers a low-confidence neutral; a long one is read up to its first 20,000 characters
          text: z.string().max(MAX_REQUEST_TEXT).optional(),
          texts: z.array(z.string().max(MAX_REQUEST_TEXT)).min(1).max(1000).optional(),
          explain: z.boolean().default(false),
        })
        .refine((b) => (b.text === undefined) !== (b.texts === undefined), {
          message: 'send either "text" or "texts" (up to 1,000)',
        })
        .meta({
          description: 'either `text` or `texts` (up to 1,000), not both',
          oneOf: [{ required: ['text'] }, { required: ['texts'] }],
        }),
      response: { 200: z.object({ results: z.array(scored) }) },
      example: {
        body: { text: '客服回复很快，态度很好，退货也很顺利', explain: true },
        response: {
          results: [
            {
              label: 'positive',
              probability: 0.97,
              language: 'zh',
              aspects: [
                {
                  aspect: 'service_attitude',
                  agentControllable: true,
                  sentiment: 'positive',
                  probability: 0.93,
                  span: { start: 7, end: 11, text: '态度很好' },
                },
              ],
              explanation: [
                { token: '很快', contribution: 0.41 },
                { token: '态度 很好', contribution: 0.38 },
              ],
              modelVersion: 'sentiment-zh@b0861cd7e04d',
            },
          ],
        },
      },
    }),
    async (request) => {
      const texts = request.body.texts ?? [request.body.text!];
      return { results: await app.services.reviews.scoreTexts(texts, { explain: request.body.explain }) };
    },
  );
};

export default sentimentRoutes;
