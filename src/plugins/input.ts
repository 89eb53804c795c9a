/**
 * The text rule (src/lib/text.ts) on every route, before validation: a query or path parameter, or a
 * string anywhere in a JSON body (member names too), holding U+0000 or a lone UTF-16 surrogate is a
 * 400 naming it (`querystring.role`, `params.id`, `body.0.team`). Upload bodies are left to the
 * ingestion pipeline, which names the row and field in a 422 (and cleans a review's text instead).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { findTextFaults, type TextFault } from '../lib/text.js';

/** Where a fault was found: the request part's name as the validation errors name it. */
function faultsOf(request: FastifyRequest): TextFault[] {
  const faults = [...findTextFaults(request.params, 'params'), ...findTextFaults(request.query, 'querystring')];
  const schema = request.routeOptions.schema as Record<string, unknown> | undefined;
  // uploads: the pipeline checks each row (422 naming the row); a stream is not parsed here
  const body = request.body;
  if (!schema?.['x-upload'] && body !== null && typeof body === 'object' && !isStream(body))
    faults.push(...findTextFaults(body, 'body'));
  return faults;
}

const isStream = (v: object) => typeof (v as { pipe?: unknown }).pipe === 'function' || Buffer.isBuffer(v);

export class InvalidTextError extends AppError {
  constructor(faults: TextFault[]) {
    super(
      400,
      'invalid_request',
      `${faults.map((f) => f.field).join(', ')}: text may not hold NUL characters or lone UTF-16 surrogates`,
      { errors: faults },
    );
  }
}

export default fp(async function input(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const faults = faultsOf(request);
    if (faults.length > 0) throw new InvalidTextError(faults);
  });
});
