/**
 * Shared by every bulk-ingestion route: accepts JSON or CSV (streamed), runs the pipeline,
 * answers with counts. The CSV parser hands the raw stream through; limits are enforced while reading.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { charsetOf, csvRecords, jsonRecords } from '../ingest/body.js';
import { type IngestTarget, validateRecords, writeRows } from '../ingest/pipeline.js';

export const CSV_TYPES = ['text/csv', 'application/csv'];

export const ingestResult = z.object({
  received: z.number(),
  inserted: z.number(),
  updated: z.number(),
  unchanged: z.number(),
});

export const rowErrors = z.object({
  status: z.literal(422),
  detail: z.string(),
  errors: z.array(z.object({ row: z.number(), field: z.string(), reason: z.string() })),
});

export const ingestDocs = {
  consumes: ['application/json', ...CSV_TYPES],
  response: { 200: ingestResult, 422: rowErrors.passthrough() },
};

/** Registers the pass-through CSV parser on `app` (call once, at the root). */
export function registerCsvParser(app: FastifyInstance): void {
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));
}

/** Records of the request body for `required` columns, by content type. */
export function requestRecords(
  request: FastifyRequest,
  required: readonly string[],
  limit: number,
): AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (CSV_TYPES.includes(type))
    return csvRecords(request.body as Readable, {
      limit,
      charset: charsetOf(request.headers['content-type']),
      required,
    });
  if (type === 'application/json') return jsonRecords(request.body);
  throw new UnsupportedMediaTypeError(type || undefined, ['application/json', ...CSV_TYPES]);
}

/**
 * Validates and writes the request's rows; `before` runs on the valid rows before the write (e.g.
 * to read what they replace), `after` once they are written, with what `before` returned.
 */
export async function ingestRequest<T, P = undefined>(
  app: FastifyInstance,
  request: FastifyRequest,
  target: IngestTarget<T>,
  kind: string,
  after?: (rows: T[], written: Awaited<ReturnType<typeof writeRows>>, previous: NoInfer<P>) => Promise<void>,
  before?: (rows: T[]) => Promise<P>,
) {
  const { db, config } = app.services;
  const rows = (await validateRecords(db, target, requestRecords(request, target.required, config.bodyLimit))).map(
    (r) => r.value,
  );
  const previous = (await before?.(rows)) as P;
  const result = await writeRows(db, target, rows);
  app.metrics.ingestedRows.inc({ kind }, result.inserted + result.updated);
  await after?.(rows, result, previous);
  return result;
}
