/**
 * Shared by every bulk-ingestion route: the request body (JSON, or CSV streamed through the
 * pass-through parser) as a record source for the ingestion service (src/services/ingestion.ts),
 * and the schemas of the answers.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../errors.js';
import { charsetOf, csvBatches, inBatches, jsonRecords, mayBreakTextRule } from '../ingest/body.js';
import { invalidRows, type RowError } from '../lib/errors.js';
import { textFault } from '../lib/text.js';
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
  return bodySource(request.headers['content-type'], request.body);
}

/**
 * A body of `contentType` as a record source (requestSource's work; the console's upload page reads
 * its file parts with it): CSV as a stream, JSON parsed.
 */
export function bodySource(contentType: string | undefined, body: unknown): RecordSource {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (CSV_TYPES.includes(type))
    return ({ required, limit, stripNul }) =>
      inBatches(
        textChecked(csvBatches(body as Readable, { limit, charset: charsetOf(contentType), required }), stripNul),
      );
  if (type === 'application/json')
    return ({ stripNul }) => {
      const rows = jsonRecords(body);
      const faults = rows.flatMap((r, i) => rowTextFaults(r, i + 1, stripNul));
      if (faults.length > 0) throw invalidRows(faults);
      return rows;
    };
  throw new UnsupportedMediaTypeError(type || undefined, ['application/json', ...CSV_TYPES]);
}

/**
 * The text rule (src/lib/text.ts) on one uploaded row: each member holding NUL or a lone surrogate
 * is a row error naming it — but NUL in a `stripNul` field, which the target cleans and reports.
 */
function rowTextFaults(record: unknown, row: number, stripNul: readonly string[] | undefined): RowError[] {
  if (record === null || typeof record !== 'object') return [];
  const out: RowError[] = [];
  for (const [field, v] of Object.entries(record)) {
    if (typeof v !== 'string') continue;
    const reason = textFault(stripNul?.includes(field) ? v.split('\u0000').join('') : v);
    if (reason) out.push({ row, field, reason });
  }
  return out;
}

/**
 * CSV records (in batches) with the text rule applied on the way: every row is passed on (so the
 * reader's other checks still run), and once the stream ends with a row that breaks the rule the
 * upload is a 422 naming each — before anything that reads the rows can write them.
 */
async function* textChecked(
  batches: AsyncIterable<Record<string, unknown>[]>,
  stripNul: readonly string[] | undefined,
): AsyncGenerator<Record<string, unknown>[]> {
  const faults: RowError[] = [];
  let row = 0;
  for await (const batch of batches) {
    for (const r of batch) {
      row += 1;
      let suspect = false;
      for (const k in r) {
        const v = r[k];
        if (typeof v === 'string' && mayBreakTextRule(v)) {
          suspect = true;
          break;
        }
      }
      if (suspect) faults.push(...rowTextFaults(r, row, stripNul));
    }
    yield batch;
  }
  if (faults.length > 0) throw invalidRows(faults);
}
