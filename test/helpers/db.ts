/**
 * Databases for tests. PGlite: a copy of a migrated template directory (initdb once per run,
 * not per file). PostgreSQL: a fresh schema per suite on the real server, dropped afterwards.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openDb } from '../../src/db/index.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';

export type BackendName = 'pglite' | 'postgres';

export interface TestDb {
  db: Db;
  /** Data directory (PGlite) or schema (PostgreSQL). */
  where: string;
  dispose(): Promise<void>;
}

export async function openTestDb(backend: BackendName): Promise<TestDb> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-test-'));
    cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
    const db = await openDb({ dataDir: dir, databaseUrl: undefined, databaseSchema: 'public' });
    return {
      db,
      where: dir,
      async dispose() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { postgresUrl } = inject('services');
  const schema = `kpi_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const db = await openDb({ dataDir: os.tmpdir(), databaseUrl: postgresUrl, databaseSchema: schema });
  return {
    db,
    where: schema,
    async dispose() {
      await db.close();
      const admin = await openPostgres({ url: postgresUrl, max: 1 });
      await admin.exec(`drop schema if exists ${schema} cascade`);
      await admin.close();
    },
  };
}

/** Backends this run can reach; PostgreSQL is skipped (loudly, by global-setup) only outside CI. */
export function backends(): BackendName[] {
  return inject('services').postgres ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Declares `fn` once per backend, each with its own database opened before the suite.
 * `get()` returns the open TestDb inside tests.
 */
export function describeEachBackend(title: string, fn: (get: () => TestDb, backend: BackendName) => void): void {
  for (const backend of ['pglite', 'postgres'] as const) {
    const skip = backend === 'postgres' && !inject('services').postgres;
    describe.skipIf(skip)(`${title} [${backend}]`, () => {
      let t: TestDb | undefined;
      beforeAll(async () => {
        t = await openTestDb(backend);
      });
      afterAll(async () => {
        await t?.dispose();
      });
      fn(() => {
        if (!t) throw new Error('test database not open');
        return t;
      }, backend);
    });
  }
}
