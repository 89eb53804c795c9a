/**
 * A throw-away database for a benchmark: PGlite in a temporary directory, or a schema of its own on
 * PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test). `drop()` closes it and
 * removes both; `drop({ keep: true })` leaves the PostgreSQL schema for a look afterwards.
 * PGlite runs in its own thread, as the service's default; PGLITE_THREAD=false in the environment keeps it
 * in-process (the benchmark before and after the thread).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/db/index.js';
import { openPostgres } from '../src/db/postgres.js';
import type { Db } from '../src/db/types.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDb {
  db: Db;
  /** the data directory (PGlite's, and KPI_DATA_DIR for an app built on it) */
  dir: string;
  schema: string;
  drop(opts?: { keep?: boolean }): Promise<void>;
}

export async function scratchDb(name: string, backend: 'pglite' | 'postgres'): Promise<ScratchDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kpi-bench-${name}-`));
  const schema = `kpi_bench_${name}_${process.pid}`;
  const db = await openDb({
    dataDir: dir,
    databaseUrl: backend === 'postgres' ? PG_URL : undefined,
    databaseSchema: schema,
    pgliteThread: process.env.PGLITE_THREAD !== 'false',
  });
  return {
    db,
    dir,
    schema,
    async drop(opts = {}) {
      await db.close();
      if (backend === 'postgres' && !opts.keep) {
        const admin = await openPostgres({ url: PG_URL, max: 1 });
        await admin.exec(`drop schema if exists ${schema} cascade`);
        await admin.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
