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
import { mayBreakTextRule, type RecordBatches } from './body.js';

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
  /**
   * A precompiled check of one record for the common case: exactly what `schema` would return, or
   * undefined when the schema must decide (it then names the fault with its own message).
   */
  fast?(record: Record<string, unknown>): T | undefined;
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
   * PostgreSQL's bulk path: the rows COPYed into a staging table, then one upsert from it, inside the
   * request's transaction (for COPY_MIN_ROWS rows or more where `tx.copyFrom` exists). An upload's
   * rows are COPYed while the rest of it is still read and checked (validateAndWrite).
   */
  copy?: CopyStage<T>;
}

/** How a target's rows go through a staging table (IngestTarget.copy). */
export interface CopyStage<T> {
  /** Creates (or empties) the staging table in the transaction. */
  prepare: string;
  /** The `COPY … FROM STDIN` statement (text format) into it. */
  statement: string;
  /** The COPY text of `rows`, a line each. */
  lines(rows: readonly T[]): string;
  /** The upsert from the staging table, counted (countUpsert). */
  upsert(tx: Queryable): Promise<{ inserted: number; updated: number }>;
}

/** From this many rows a target with `copy` writes through COPY on PostgreSQL. */
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

export type Records = AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

export interface Validated<T> extends Array<Numbered<T>> {
  /** NUL characters removed from `stripNul` fields, by field. */
  stripped?: Record<string, number>;
}

/** Checks a record's text against the rule of src/lib/text.ts; cleans the `strip` fields. */
function checkText(
  record: Record<string, unknown>,
  strip: readonly string[] | undefined,
  stripped: Record<string, number>,
): { field: string; reason: string }[] | undefined {
  let faults: { field: string; reason: string }[] | undefined;
  for (const field in record) {
    if (!Object.hasOwn(record, field)) continue;
    const v = record[field];
    if (typeof v !== 'string' || !mayBreakTextRule(v)) continue;
    const fault = textFault(v);
    if (!fault) continue;
    if (strip?.includes(field) && fault.startsWith('contains a NUL')) {
      const { text, removed } = stripNul(v);
      record[field] = text;
      stripped[field] = (stripped[field] ?? 0) + removed;
      const after = textFault(text);
      if (after) (faults ??= []).push({ field, reason: after });
    } else (faults ??= []).push({ field, reason: fault });
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
  records: Records,
  /** Called with each valid row while no row is invalid (validateAndWrite COPYs them on the way). */
  onValid?: (value: T) => void,
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
  const one = (record: Record<string, unknown>) => {
    n += 1;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      report({ row: n, field: '(row)', reason: 'expected an object with named fields' });
      return;
    }
    const faults = checkText(record, target.stripNul, stripped);
    if (faults) {
      for (const f of faults) report({ row: n, ...f });
      return;
    }
    let value = target.fast?.(record);
    if (value === undefined) {
      const parsed = target.schema.safeParse(record);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          report({ row: n, field: issue.path.join('.') || '(row)', reason: issue.message });
        return;
      }
      value = parsed.data;
    }
    const k = target.key(value);
    const first = seen.get(k);
    if (first !== undefined) {
      report({ row: n, field: target.keyFields, reason: `duplicates row ${first} (same ${target.keyFields})` });
      return;
    }
    seen.set(k, n);
    // the answer is a 422 already: the remaining rows are counted, not kept
    if (total === 0) {
      rows.push({ row: n, value });
      onValid?.(value);
    }
  };
  if ('batches' in records) {
    for await (const batch of (records as RecordBatches).batches) for (const record of batch) one(record);
  } else if (Symbol.iterator in records) {
    for (const record of records) one(record);
  } else {
    for await (const record of records) one(record);
  }
  if (n === 0) report({ row: 0, field: '(body)', reason: `no ${target.what} in the request` });
  if (total === 0 && target.check)
    for (const e of (await target.check(db, rows)).sort((a, b) => a.row - b.row)) report(e);
  if (total > 0) throw new InvalidRowsError(errors, target.what, total, badRows.size);
  if (Object.keys(stripped).length > 0) rows.stripped = stripped;
  return rows;
}

/** Validates all records, then upserts them in one transaction. */
export async function ingest<T>(db: Db, target: IngestTarget<T>, records: Records): Promise<IngestResult> {
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
  if (target.copy && tx.copyFrom && rows.length >= COPY_MIN_ROWS) {
    const r = await copyUpsert(tx as CopyTx, target.copy, [rows]);
    return { received: rows.length, ...r, unchanged: rows.length - r.inserted - r.updated };
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    const r = await target.upsert(tx, rows.slice(i, i + CHUNK));
    inserted += r.inserted;
    updated += r.updated;
  }
  return { received: rows.length, inserted, updated, unchanged: rows.length - inserted - updated };
}

type CopyTx = Queryable & Pick<Required<Queryable>, 'copyFrom'>;

/** COPY of `chunks` of rows into `stage`, then its upsert. */
async function copyUpsert<T>(
  tx: CopyTx,
  stage: CopyStage<T>,
  chunks: Iterable<readonly T[]>,
): Promise<{ inserted: number; updated: number }> {
  await tx.exec(stage.prepare);
  await tx.copyFrom(stage.statement, lines(stage, chunks));
  return stage.upsert(tx);
}

/** Chunks of rows handed over while they are read (push), read by a COPY as they come. */
class ChunkFeed<T> implements AsyncIterable<readonly T[]> {
  private chunks: T[][] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  push(rows: T[]): void {
    this.chunks.push(rows);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<readonly T[]> {
    for (;;) {
      if (this.chunks.length > 0) {
        const rows = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.flat();
        this.chunks = [];
        yield rows;
      } else if (this.ended) return;
      else {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    }
  }
}

/**
 * validateRecords and then writeRows — but where the target has a COPY stage and the database COPY
 * (PostgreSQL), the rows are COPYed into the staging table while the rest of the records are still
 * read and checked, from the COPY_MIN_ROWS-th valid row on: the transaction opens then, and the
 * upsert from the stage runs once every row is valid and the reference checks pass. Any invalid
 * row rolls the transaction back: nothing is written either way.
 */
export async function validateAndWrite<T>(
  db: Db,
  target: IngestTarget<T>,
  records: Records,
): Promise<{ validated: Validated<T>; written: IngestResult }> {
  const stage = target.copy;
  if (!stage || db.kind !== 'postgres') {
    const validated = await validateRecords(db, target, records);
    const written = await writeRows(
      db,
      target,
      validated.map((r) => r.value),
    );
    return { validated, written };
  }
  let feed: ChunkFeed<T> | undefined;
  let pending: T[] = [];
  let decide: { go(): void; stop(err: unknown): void } | undefined;
  let writing: Promise<{ inserted: number; updated: number }> | undefined;
  const open = () => {
    const chunks = new ChunkFeed<T>();
    const decision = new Promise<void>((go, stop) => {
      decide = { go, stop };
    });
    decision.catch(() => {});
    writing = db.transaction(async (tx) => {
      if (!tx.copyFrom) throw new Error('COPY is not available in this transaction');
      await tx.exec(stage.prepare);
      await tx.copyFrom(stage.statement, lines(stage, chunks));
      await decision; // every row valid and the reference checks passed
      return stage.upsert(tx);
    });
    writing.catch(() => {});
    return chunks;
  };
  const onValid = (value: T) => {
    pending.push(value);
    if (feed ? pending.length >= FEED_CHUNK : pending.length >= COPY_MIN_ROWS) {
      feed ??= open();
      feed.push(pending);
      pending = [];
    }
  };
  let validated: Validated<T>;
  try {
    validated = await validateRecords(db, target, records, onValid);
  } catch (err) {
    if (feed) {
      feed.end();
      decide!.stop(err);
      await writing!.catch(() => {});
    }
    throw err;
  }
  if (!feed) {
    const written = await writeRows(db, target, pending);
    return { validated, written };
  }
  if (pending.length > 0) feed.push(pending);
  feed.end();
  decide!.go();
  const r = await writing!;
  const received = validated.length;
  return { validated, written: { received, ...r, unchanged: received - r.inserted - r.updated } };
}

/** Rows handed to the streamed COPY at a time. */
const FEED_CHUNK = 4_096;

async function* lines<T>(
  stage: CopyStage<T>,
  chunks: Iterable<readonly T[]> | AsyncIterable<readonly T[]>,
): AsyncGenerator<string> {
  for await (const rows of chunks) yield stage.lines(rows);
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
