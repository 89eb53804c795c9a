/**
 * The schemas every route shares, declared once as OpenAPI components (`.meta({ id })` puts them in
 * `components.schemas` and routes reference them): the one Problem of every error answer, the one
 * Warning of successful answers, and the parameter formats (integers, periods, dates, timestamps)
 * with the patterns the document states.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Warning as WarningValue } from '../lib/warnings.js';
import type { JsonText } from '../services/results.js';

/** One problem with one input row (row 0: a CSV header or the body as a whole). */
export const rowError = z
  .object({
    file: z.string().optional().describe('the uploaded file the row is in (imports of named files)'),
    row: z.number().int().min(0).describe('1 = the first data row; 0 = the CSV header or the body as a whole'),
    field: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'RowError' });

/**
 * The body of every error answer (RFC 9457, `application/problem+json`): a stable `code`, a
 * readable `detail`, and for input errors `errors` naming each field (400, 413) or row (422).
 * The error plugin (src/plugins/errors.ts) builds them; the conformance test checks every answer
 * against this schema.
 */
export const problem = z
  .looseObject({
    type: z.string().describe('https://kpi-calibrator.dev/problems/<code>'),
    title: z.string().describe('the code in words'),
    status: z.number().int().min(400).max(599),
    code: z
      .string()
      .describe(
        'stable: invalid_request, bad_request, bad_period, limit_exceeded, unauthorized, forbidden, not_found, no_model, conflict, invalid_rows, unprocessable, payload_too_large, unsupported_media_type, request_timeout, header_too_large, rate_limited, service_unavailable, …',
      ),
    detail: z.string(),
    errors: z
      .array(
        z.union([
          rowError,
          z.object({
            field: z.string().describe('querystring.<name>, params.<name> or body.<path>'),
            reason: z.string(),
          }),
          z.object({ path: z.string(), message: z.string() }),
        ]),
      )
      .optional()
      .describe('each field (400, 413) or row (422) at fault; a 422 lists the first ROW_ERROR_LIMIT (default 100)'),
    error_count: z.number().int().optional().describe('a 422 of rows: every error found, listed in `errors` or not'),
  })
  .meta({
    id: 'Problem',
    description: 'An error answer (RFC 9457). Members other than these may be added; clients ignore them.',
  });

/** A note in a successful answer: something was done differently from what the request may expect. */
export const warning = z
  .object({
    code: z.string().describe('stable, e.g. partial_period, rows_skipped, value_not_computed'),
    message: z.string(),
  })
  .meta({
    id: 'Warning',
    description: 'A note in a successful answer; the request was carried out.',
  }) satisfies z.ZodType<WarningValue>;

export const warnings = z.array(warning).describe('notes on what was done; empty when there are none');

/**
 * An integer query parameter: digits only, so an empty `offset=` is a 400 naming it (coercion would
 * read it as 0). The document says integer with its bounds and default.
 */
export function queryInt(o: { min: number; max?: number; default: number; description?: string }) {
  return intParam(o).prefault(o.default);
}

/** An optional integer query parameter (see queryInt). */
export function optionalQueryInt(o: { min: number; max?: number; description?: string }) {
  return intParam(o).optional();
}

function intParam(o: { min: number; max?: number; default?: number; description?: string }) {
  const inner = z
    .number({
      error: (i) =>
        i.input === ''
          ? 'is empty: send an integer or leave the parameter out'
          : `expected an integer, got '${i.input}'`,
    })
    .int()
    .min(o.min);
  return z
    .preprocess(
      (v) => (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : v),
      o.max === undefined ? inner : inner.max(o.max),
    )
    .meta({
      type: 'integer',
      minimum: o.min,
      ...(o.max === undefined ? {} : { maximum: o.max }),
      ...(o.default === undefined ? {} : { default: o.default }),
      ...(o.description ? { description: o.description } : {}),
    });
}

/** `limit` and `offset` of a paginated list. */
export const page = (limit: { max: number; default: number }) => ({
  limit: queryInt({ min: 1, ...limit, description: 'items per page' }),
  offset: queryInt({ min: 0, default: 0, description: 'items to skip' }),
});

/** A page of people (targets, KPI inputs), by employee id: 100 by default, at most 1,000. */
export const peoplePage = {
  limit: queryInt({ min: 1, max: 1000, default: 100, description: 'people per page (by employee id)' }),
  offset: queryInt({ min: 0, default: 0, description: 'people to skip' }),
};

/** The content type of an answer sent as stored JSON text (src/services/results.ts). */
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends a stored answer as it is (no serialisation): the bytes of this process's copy when there is
 * one (src/services/results.ts), else the text.
 */
export const sendJsonText = (reply: FastifyReply, answer: JsonText) =>
  reply.type(JSON_TYPE).send((answer.body ?? answer.json) as never);

const YEAR = '[1-9]\\d{3}';
const WEEK = `${YEAR}-W(0[1-9]|[1-4]\\d|5[0-3])`;
const MONTH = `${YEAR}-(0[1-9]|1[0-2])`;
const QUARTER = `${YEAR}-Q[1-4]`;

/**
 * A period parameter. The document states the exact forms (years 1000–9999); the schema refuses
 * anything of another shape (400 naming the field: `0000`, `0999`, `2026-3`), and a period of the
 * right shape that does not exist (a week 53 in a year without one) is refused by the service
 * (400 `bad_period`), as before.
 */
export function periodParam(o: { year: boolean }) {
  const { pattern, said } = periodForms(o);
  const shape = new RegExp(`^${YEAR}(-(W\\d{2}|\\d{2}|Q\\d))${o.year ? '?' : ''}$`);
  return z
    .string()
    .trim()
    .regex(shape, { error: (i) => `expected ${said}, got '${String(i.input)}'` })
    .meta({ pattern, description: said });
}

/** The exact pattern of a period (and year) and its words, for the document. */
export function periodForms(o: { year: boolean }) {
  const forms = [WEEK, MONTH, QUARTER, ...(o.year ? [YEAR] : [])];
  return {
    pattern: `^(${forms.join('|')})$`,
    said: o.year
      ? 'an ISO week (2026-W07), month (2026-03), quarter (2026-Q1) or year (2026)'
      : 'an ISO week (2026-W07), month (2026-03) or quarter (2026-Q1)',
  };
}

/** A calendar date `YYYY-MM-DD`. */
export const datePattern = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$';
