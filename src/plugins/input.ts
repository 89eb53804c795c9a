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
  const faults = [...faultsIn(request.params, 'params'), ...faultsIn(request.query, 'querystring')];
  // uploads: the pipeline checks each row (422 naming the row); a stream is not parsed here
  const body = request.body;
  if (body !== null && typeof body === 'object' && !isStream(body) && !isUpload(request))
    faults.push(...findTextFaults(body, 'body'));
  return faults;
}

/** Most requests have no path parameter and a short query: an empty one costs no walk. */
const faultsIn = (v: unknown, root: string): TextFault[] => (isEmpty(v) ? [] : findTextFaults(v, root));

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  for (const _ in v as object) return false;
  return true;
}

const isUpload = (request: FastifyRequest) =>
  Boolean((request.routeOptions.schema as Record<string, unknown> | undefined)?.['x-upload']);

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
  app.addHook('preValidation', (request, _reply, done) => {
    const faults = faultsOf(request);
    done(faults.length > 0 ? new InvalidTextError(faults) : undefined);
  });
});
