/**
 * The ingestion pipeline every bulk endpoint uses:
 *   records → per-row schema → duplicate natural keys → reference checks → one transaction of upserts.
 * All-or-nothing: any invalid row means nothing is written and every bad row is reported.
 * Idempotent: upserts change a stored row only when a value differs, so a repeat changes nothing.
 */
import type { z } from 'zod';
import type { Db, Queryable } from '../db/types.js';
import { InvalidRowsError } from '../lib/errors.js';
import type { RowError } from '../history/types.js';

export interface Numbered<T> {
  /** 1-based data row number (CSV: the header is not counted; JSON: array index + 1). */
  row: number;
  value: T;
}

export interface IngestTarget<T> {
  /** Plural noun for messages, e.g. "history rows". */
  what: string;
  /** Columns every record must carry (a CSV header missing one is rejected once, as row 0). */
  required: readonly string[];
  schema: z.ZodType<T>;
  /** Natural key; two rows with the same key in one request are an error. */
  key(row: T): string;
  keyFields: string;
  /** Checks against stored data (unknown employee, metric bounds, …). */
  check?(db: Queryable, rows: Numbered<T>[]): Promise<RowError[]>;
  /** Writes one chunk inside the request's transaction. */
  upsert(tx: Queryable, rows: T[]): Promise<{ inserted: number; updated: number }>;
}

export interface IngestResult {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

const CHUNK = 25_000;

/** Validates every record; returns the parsed rows or throws InvalidRowsError listing all problems. */
export async function validateRecords<T>(
  db: Queryable,
  target: IngestTarget<T>,
  records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
): Promise<Numbered<T>[]> {
  const errors: RowError[] = [];
  const rows: Numbered<T>[] = [];
  const seen = new Map<string, number>();
  let n = 0;
  for await (const record of records) {
    n += 1;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      errors.push({ row: n, field: '(row)', reason: 'expected an object with named fields' });
      continue;
    }
    const parsed = target.schema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.push({ row: n, field: issue.path.join('.') || '(row)', reason: issue.message });
      continue;
    }
    const k = target.key(parsed.data);
    const first = seen.get(k);
    if (first !== undefined) {
      errors.push({ row: n, field: target.keyFields, reason: `duplicates row ${first} (same ${target.keyFields})` });
      continue;
    }
    seen.set(k, n);
    rows.push({ row: n, value: parsed.data });
  }
  if (n === 0) errors.push({ row: 0, field: '(body)', reason: `no ${target.what} in the request` });
  if (errors.length === 0 && target.check) errors.push(...(await target.check(db, rows)));
  if (errors.length > 0)
    throw new InvalidRowsError(
      errors.sort((a, b) => a.row - b.row),
      target.what,
    );
  return rows;
}

/** Validates all records, then upserts them in one transaction. */
export async function ingest<T>(
  db: Db,
  target: IngestTarget<T>,
  records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
): Promise<IngestResult> {
  const rows = await validateRecords(db, target, records);
  return writeRows(
    db,
    target,
    rows.map((r) => r.value),
  );
}

/** Upserts already-validated rows in one transaction, chunked. */
export async function writeRows<T>(db: Db, target: IngestTarget<T>, rows: T[]): Promise<IngestResult> {
  const counts = await db.transaction(async (tx) => {
    let inserted = 0;
    let updated = 0;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const r = await target.upsert(tx, rows.slice(i, i + CHUNK));
      inserted += r.inserted;
      updated += r.updated;
    }
    return { inserted, updated };
  });
  return { received: rows.length, ...counts, unchanged: rows.length - counts.inserted - counts.updated };
}

/** Runs an upsert statement written as `with up as (insert … returning (xmax = 0) as ins)` and counts. */
export async function countUpsert(
  tx: Queryable,
  sql: string,
  params: unknown[],
): Promise<{ inserted: number; updated: number }> {
  const r = await tx.query<{ inserted: number; updated: number }>(
    `with up as (${sql} returning (xmax = 0) as ins) select count(*) filter (where ins)::int8 as inserted, count(*) filter (where not ins)::int8 as updated from up`,
    params,
  );
  return r.rows[0] ?? { inserted: 0, updated: 0 };
}
