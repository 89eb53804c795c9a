/**
 * One error handler: problem+json (RFC 9457) for every error; messages only below 500,
 * never a stack trace or internal detail on a 5xx. 5xx are logged with the request context.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { DomainError, UnavailableError } from '../lib/errors.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

/** HTTP status of each domain error code (src/lib/errors.ts); codes not listed answer 400. */
export const STATUS_OF_CODE: Record<string, number> = {
  bad_request: 400,
  bad_period: 400,
  not_found: 404,
  // the agent scope (issue 18): an agent key asking about another agent's review, or a key bound to no agent
  not_own_review: 403,
  not_an_agent_key: 403,
  no_model: 404,
  conflict: 409,
  invalid_rows: 422,
  unprocessable: 422,
  // targets and weights (src/kpi): valid requests the data cannot answer, or values out of bounds
  bad_weights: 422,
  value_out_of_range: 422,
  wrong_role: 422,
  no_history: 422,
  no_history_before_period: 422,
  horizon_too_long: 422,
  // the baselines' input codes (src/baselines/errors.ts), passed on by src/kpi/targets.ts
  no_series: 422,
  bad_horizon: 422,
  mixed_frequency: 422,
  bad_frequency: 422,
  bad_model: 422,
  // the appraisal framework (src/appraisal): declarations refused field by field, and what the stored
  // state refuses (a ledger that would go below 0, a reward above the level, out of stock, a task done)
  invalid_plan: 422,
  invalid_pool: 422,
  invalid_catalogue: 422,
  insufficient_points: 409,
  level_too_low: 409,
  out_of_stock: 409,
  limit_reached: 409,
  payload_too_large: 413,
  limit_exceeded: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  // maker–checker (src/periods): the key that requested an override cannot decide on it
  self_approval: 403,
  service_unavailable: 503,
};

/** The members a route's schema of `context` (querystring, body) names, for an unknown-member error. */
function acceptedKeys(schema: unknown, context: string | undefined): string[] {
  const part = context ? (schema as Record<string, unknown> | undefined)?.[context] : undefined;
  const shape = (part as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://kpi-calibrator.dev/problems/${code}`,
    title: code.replace(/_/g, ' '),
    status,
    code,
    detail,
    ...extra,
  };
}

export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) request.log.error({ err }, 'request failed');
      return reply.status(err.status).type(PROBLEM).send(err.toJSON());
    }
    if (err instanceof DomainError) {
      const status = STATUS_OF_CODE[err.code] ?? 400;
      if (err instanceof UnavailableError) reply.header('retry-after', String(err.retryAfterSeconds));
      if (status >= 500) request.log.error({ err }, 'request failed');
      return reply
        .status(status)
        .type(PROBLEM)
        .send(problem(status, err.code, err.message, err.extra));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.flatMap((v) => {
        const path = [err.validationContext, ...v.instancePath.split('/').filter(Boolean)];
        // a strict schema (every query string): one error per unknown member, named, with what is accepted
        const unknown = v.keyword === 'unrecognized_keys' ? (v.params?.keys as string[] | undefined) : undefined;
        if (!unknown) return [{ field: path.join('.'), reason: v.message ?? 'invalid' }];
        const known = acceptedKeys(request.routeOptions.schema, err.validationContext);
        const reason =
          err.validationContext === 'querystring'
            ? `unknown query parameter; this route takes ${known.length ? known.join(', ') : 'none'}`
            : `unknown member; accepted: ${known.join(', ')}`;
        return unknown.map((key) => ({ field: [...path, key].join('.'), reason }));
      });
      // a size limit (a string or list too long: a batch over its cap, a 100 KB text) is 413, the rest 400
      const overLimit = err.validation.every(
        (v) => v.keyword === 'too_big' && ['string', 'array'].includes(String(v.params?.origin)),
      );
      const status = overLimit ? 413 : 400;
      const detail = errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
      return reply
        .status(status)
        .type(PROBLEM)
        .send(problem(status, overLimit ? 'limit_exceeded' : 'invalid_request', detail, { errors }));
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply
        .status(500)
        .type(PROBLEM)
        .send(problem(500, 'internal_error', 'the server could not complete the request; it has been logged'));
    }
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'payload_too_large'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported_media_type'
          : status === 429
            ? 'rate_limited'
            : status === 404
              ? 'not_found'
              : 'bad_request';
    return reply
      .status(status)
      .type(PROBLEM)
      .send(problem(status, code, err.message));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .type(PROBLEM)
      .send(problem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
});
