/**
 * The ingestion pipeline every bulk endpoint uses:
 *   records → per-row schema → duplicate natural keys → reference checks → one transaction of upserts.
 * All-or-nothing: any invalid row means nothing is written and every bad row is reported.
 * Idempotent: upserts change a stored row only when a value differs, so a repeat changes nothing.
 */
import type { z } from 'zod';
import type { Db, Queryable } from '../db/types.js';
import { InvalidRowsError, rowErrorLimit } from '../lib/errors.js';

export { invalidRows, setRowErrorLimit } from '../lib/errors.js';
import type { Warning } from '../lib/warnings.js';
import { stripNul, textFault } from '../lib/text.js';
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
  /**
   * Free-text fields cleaned rather than refused: NUL characters are removed (counted in
   * `Validated.stripped`); every other string field holding one is a row error.
   */
  stripNul?: readonly string[];
  /** Checks against stored data (unknown employee, metric bounds, …). */
  check?(db: Queryable, rows: Numbered<T>[]): Promise<RowError[]>;
  /** Writes one chunk inside the request's transaction. */
  upsert(tx: Queryable, rows: T[]): Promise<{ inserted: number; updated: number }>;
  /**
   * PostgreSQL's bulk path: every row COPYed into a staging table, then one upsert from it, inside
   * the request's transaction (used for COPY_MIN_ROWS rows or more where `tx.copyFrom` exists).
   */
  copyUpsert?(
    tx: Queryable & Pick<Required<Queryable>, 'copyFrom'>,
    rows: T[],
  ): Promise<{ inserted: number; updated: number }>;
}

/** From this many rows a target with `copyUpsert` writes through COPY on PostgreSQL. */
export const COPY_MIN_ROWS = 2_000;

export interface IngestResult {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** What was done differently from what was sent (e.g. NUL characters removed from a review's text). */
  warnings?: Warning[];
}

const CHUNK = 25_000;

export interface Validated<T> extends Array<Numbered<T>> {
  /** NUL characters removed from `stripNul` fields, by field. */
  stripped?: Record<string, number>;
}

/** Checks a record's text against the rule of src/lib/text.ts; cleans the `strip` fields. */
function checkText(
  record: Record<string, unknown>,
  strip: readonly string[] | undefined,
  stripped: Record<string, number>,
): { field: string; reason: string }[] {
  const faults: { field: string; reason: string }[] = [];
  for (const [field, v] of Object.entries(record)) {
    if (typeof v !== 'string') continue;
    const fault = textFault(v);
    if (!fault) continue;
    if (strip?.includes(field) && fault.startsWith('contains a NUL')) {
      const { text, removed } = stripNul(v);
      record[field] = text;
      stripped[field] = (stripped[field] ?? 0) + removed;
      const after = textFault(text);
      if (after) faults.push({ field, reason: after });
    } else faults.push({ field, reason: fault });
  }
  return faults;
}

/**
 * Validates every record; returns the parsed rows or throws InvalidRowsError listing the first
 * ROW_ERROR_LIMIT problems in row order and counting all of them. Once the answer is a 422 the
 * rest of the records are only checked, not kept.
 */
export async function validateRecords<T>(
  db: Queryable,
  target: IngestTarget<T>,
  records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
): Promise<Validated<T>> {
  const errors: RowError[] = [];
  let total = 0;
  const badRows = new Set<number>();
  const report = (e: RowError) => {
    total += 1;
    badRows.add(e.row);
    if (errors.length < rowErrorLimit) errors.push(e);
  };
  const rows: Validated<T> = [];
  const stripped: Record<string, number> = {};
  const seen = new Map<string, number>();
  let n = 0;
  for await (const record of records) {
    n += 1;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      report({ row: n, field: '(row)', reason: 'expected an object with named fields' });
      continue;
    }
    const faults = checkText(record, target.stripNul, stripped);
    if (faults.length > 0) {
      for (const f of faults) report({ row: n, ...f });
      continue;
    }
    const parsed = target.schema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        report({ row: n, field: issue.path.join('.') || '(row)', reason: issue.message });
      continue;
    }
    const k = target.key(parsed.data);
    const first = seen.get(k);
    if (first !== undefined) {
      report({ row: n, field: target.keyFields, reason: `duplicates row ${first} (same ${target.keyFields})` });
      continue;
    }
    seen.set(k, n);
    // the answer is a 422 already: the remaining rows are counted, not kept
    if (total === 0) rows.push({ row: n, value: parsed.data });
  }
  if (n === 0) report({ row: 0, field: '(body)', reason: `no ${target.what} in the request` });
  if (total === 0 && target.check)
    for (const e of (await target.check(db, rows)).sort((a, b) => a.row - b.row)) report(e);
  if (total > 0) throw new InvalidRowsError(errors, target.what, total, badRows.size);
  if (Object.keys(stripped).length > 0) rows.stripped = stripped;
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

/**
 * Upserts already-validated rows in one transaction, chunked; `after` (scoring, ratings) runs inside
 * the same transaction on `db` seen from it, so the write and the steps after it commit together or
 * not at all.
 */
export async function writeRows<T>(
  db: Db,
  target: IngestTarget<T>,
  rows: T[],
  after?: (written: IngestResult, tx: Db) => Promise<void>,
): Promise<IngestResult> {
  return db.transaction(async (tx) => {
    const written = await upsertRows(tx, target, rows);
    await after?.(written, withinTransaction(db, tx));
    return written;
  });
}

/** Upserts already-validated rows inside the caller's transaction, chunked. */
export async function upsertRows<T>(tx: Queryable, target: IngestTarget<T>, rows: T[]): Promise<IngestResult> {
  let inserted = 0;
  let updated = 0;
  if (target.copyUpsert && tx.copyFrom && rows.length >= COPY_MIN_ROWS) {
    const r = await target.copyUpsert(tx as Queryable & Pick<Required<Queryable>, 'copyFrom'>, rows);
    return { received: rows.length, ...r, unchanged: rows.length - r.inserted - r.updated };
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    const r = await target.upsert(tx, rows.slice(i, i + CHUNK));
    inserted += r.inserted;
    updated += r.updated;
  }
  return { received: rows.length, inserted, updated, unchanged: rows.length - inserted - updated };
}

/**
 * `db` seen from inside one of its transactions: every statement, and every transaction a step
 * opens (it joins this one), runs in `tx` — so steps after a write commit or roll back with it.
 */
export function withinTransaction(db: Db, tx: Queryable): Db {
  return {
    kind: db.kind,
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    transaction: (fn) => fn(tx),
    ping: () => db.ping(),
    close: async () => {},
  };
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
