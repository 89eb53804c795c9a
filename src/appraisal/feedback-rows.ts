/**
 * One 360° rating as it is imported (CSV or JSON): ratee, rater, relation, period, item, score and the
 * scale the score was given on. The scale is `1-5` (text, CSV), `{ "min": 1, "max": 5 }` (JSON), or
 * the two columns `scale_min` and `scale_max`. No SQL here: the routes document this schema.
 */
import { z } from 'zod';
import * as f from '../ingest/fields.js';
import { RELATION, type RatingInput } from './rater-input.js';

export interface FeedbackRow extends RatingInput {
  period: string;
}

/** The 360 score of a person as /v1/kpi-inputs shows it. */
export interface Feedback360 {
  score: number | null;
  interval: { level: number; low: number; high: number } | null;
  reliability: number | null;
  raw_mean: number | null;
  n: number;
  n_raters: number;
  self_score: number | null;
}

/** `1-5`, `1–5`, `0-100`, `1..10`: the scale written as text. */
const SCALE_TEXT = /^\s*([+-]?\d+(?:\.\d+)?)\s*(?:-|–|\.\.|~|to)\s*([+-]?\d+(?:\.\d+)?)\s*$/;

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export const feedbackRowSchema = z
  .object({
    ratee: f.id.describe('the employee rated'),
    rater: f.id.describe('who rated: an employee id, or any id of a customer or outsider'),
    relation: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : 'expected text') })
      .trim()
      .toLowerCase()
      .regex(
        RELATION,
        "expected a lowercase relation such as 'manager', 'peer', 'direct_report', 'customer' or 'self'",
      ),
    period: f.period,
    item: f.id.describe('the question, e.g. service, ownership, teamwork'),
    score: f.finiteNumber,
    scale: z
      .union([z.string(), z.object({ min: f.finiteNumber, max: f.finiteNumber }).strict()])
      .optional()
      .describe('the scale the score was given on: `1-5` or {"min": 1, "max": 5}'),
    scale_min: z.preprocess((v) => (blank(v) ? undefined : v), f.finiteNumber.optional()),
    scale_max: z.preprocess((v) => (blank(v) ? undefined : v), f.finiteNumber.optional()),
  })
  .transform((r, ctx): FeedbackRow => {
    let scale: { min: number; max: number } | null = null;
    if (typeof r.scale === 'string' && r.scale.trim() !== '') {
      const m = SCALE_TEXT.exec(r.scale);
      if (!m) {
        ctx.addIssue({ code: 'custom', path: ['scale'], message: `expected a scale such as 1-5, got '${r.scale}'` });
        return z.NEVER;
      }
      scale = { min: Number(m[1]), max: Number(m[2]) };
    } else if (r.scale !== undefined && typeof r.scale === 'object') scale = r.scale;
    else if (r.scale_min !== undefined && r.scale_max !== undefined) scale = { min: r.scale_min, max: r.scale_max };
    if (!scale) {
      ctx.addIssue({
        code: 'custom',
        path: ['scale'],
        message: 'is required: `1-5`, {"min": 1, "max": 5}, or the columns scale_min and scale_max',
      });
      return z.NEVER;
    }
    if (!(scale.min < scale.max)) {
      ctx.addIssue({ code: 'custom', path: ['scale'], message: `max (${scale.max}) must be above min (${scale.min})` });
      return z.NEVER;
    }
    if (r.score < scale.min || r.score > scale.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['score'],
        message: `${r.score} is outside the stated scale ${scale.min}–${scale.max}`,
      });
      return z.NEVER;
    }
    if (r.relation === 'self' && r.rater !== r.ratee) {
      ctx.addIssue({ code: 'custom', path: ['relation'], message: `'self' needs rater = ratee` });
      return z.NEVER;
    }
    if (r.relation !== 'self' && r.rater === r.ratee) {
      ctx.addIssue({ code: 'custom', path: ['relation'], message: `a rating of oneself must have relation 'self'` });
      return z.NEVER;
    }
    return {
      period: r.period,
      ratee: r.ratee,
      rater: r.rater,
      relation: r.relation,
      item: r.item,
      score: r.score,
      scale,
    };
  });

/** The columns a CSV must carry (plus `scale`, or `scale_min` and `scale_max`). */
export const FEEDBACK_COLUMNS = ['ratee', 'rater', 'relation', 'period', 'item', 'score'] as const;
