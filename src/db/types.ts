/**
 * The storage contract. Implementations: PGlite in a thread of its own (the embedded default,
 * ./pglite-thread.ts) or in-process (./pglite.ts, PGLITE_THREAD=false), and PostgreSQL through `pg`.
 * All speak the same SQL dialect and run the same migrations.
 * Type parsing is aligned: `date` → 'YYYY-MM-DD' string, int8 → number, timestamptz → Date.
 */

export type Row = Record<string, unknown>;

export interface QueryResult<T> {
  rows: T[];
  /** Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT. */
  rowCount: number;
}

export interface Queryable {
  /**
   * One parameterised statement. Arrays bind as PostgreSQL arrays (`$1::text[]`). Parameters are plain
   * data (strings, numbers, booleans, null, Dates, arrays, plain objects, Uint8Array): they cross to
   * PGlite's thread by structured clone.
   */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * PostgreSQL transactions only: `COPY … FROM STDIN` (text format) fed with `lines`, each one row
   * already escaped (copyLine in src/db/copy.ts) — or, async, pieces of whole lines as they are made.
   * Absent on PGlite and on the pool.
   */
  copyFrom?(sql: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * On PGlite transactions are serialised (one connection); on PostgreSQL each gets its own connection.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * PGlite only: a consistent copy of the whole data directory (a gzipped tar), taken between
   * transactions while the service runs (src/db/backup.ts). Absent on PostgreSQL (pg_dump).
   */
  dumpDataDir?(): Promise<Uint8Array>;
  /** True when a trivial query answers. Never throws. */
  ping(): Promise<boolean>;
  /**
   * PGlite only (one process opens the data directory, src/db/lock.ts, so this process makes every
   * write): per-table write generations (./write-clock.ts). `writeGeneration(tables)` moves after each
   * statement that may write one of `tables` (lower-case bare names; what triggers and cascades write
   * counts, and a statement that cannot be classified writes every table) and after each transaction
   * that did, once it has completed and before its caller goes on; without `tables`, after any write.
   * An answer copied while it read `g` for the tables it depends on is current as long as they still
   * read `g` (src/services/results.ts). Absent on PostgreSQL, where other processes write.
   */
  writeGeneration?(tables?: readonly string[]): number;
  /**
   * PGlite only: the same connection for the statements that write nothing any answer reads (the
   * stored answers themselves and their change log: src/services/results-store.ts); they leave
   * every `writeGeneration` where it is.
   */
  unversioned?: Queryable;
  close(): Promise<void>;
}
