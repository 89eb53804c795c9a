/**
 * Shared by every bulk-ingestion route: the request body (JSON, or CSV streamed through the
 * pass-through parser) as a record source for the ingestion service (src/services/ingestion.ts),
 * and the schemas of the answers.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { charsetOf, csvRecords, jsonRecords } from '../ingest/body.js';
import type { RecordSource } from '../services/ingestion.js';
import { rowError, warnings } from './components.js';

export const CSV_TYPES = ['text/csv', 'application/csv'];

export const ingestResult = z
  .object({
    received: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    warnings: warnings.optional(),
  })
  .meta({ id: 'IngestResult', description: 'Rows received, and how many were inserted, changed or already so' });

/**
 * The 422 of an upload as it is serialised since before the Problem schema (the pinned bytes of
 * test/routes/problem-bytes.test.ts: these members first). The document shows the Problem.
 */
const rowErrors = z
  .object({
    status: z.literal(422),
    detail: z.string(),
    errors: z.array(rowError).describe('the first ROW_ERROR_LIMIT (default 100) errors, in row order'),
    error_count: z.number().int().optional().describe('every error, listed or not'),
  })
  .passthrough();

/** The answers of an upload: `ok` (default: the counts) and the 422 listing the bad rows. */
export const ingestResponses = <T extends z.ZodType = typeof ingestResult>(ok?: T) => ({
  200: (ok ?? ingestResult) as T,
  422: rowErrors,
});

/** Registers the pass-through CSV parser on `app` (call once, at the root). */
export function registerCsvParser(app: FastifyInstance): void {
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));
}

/**
 * The request body as a record source: CSV (streamed, with the limit and header check the service
 * asks for) or JSON (an array, or `{ "rows": [...] }`); any other content type is a 415 at once.
 */
export function requestSource(request: FastifyRequest): RecordSource {
  const contentType = request.headers['content-type'];
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (CSV_TYPES.includes(type))
    return ({ required, limit }) =>
      csvRecords(request.body as Readable, { limit, charset: charsetOf(contentType), required });
  if (type === 'application/json') return () => jsonRecords(request.body);
  throw new UnsupportedMediaTypeError(type || undefined, ['application/json', ...CSV_TYPES]);
}
