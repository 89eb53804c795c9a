import path from 'node:path';
import type { Config } from '../config.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { seedCatalogue } from './seed.js';
import type { Db } from './types.js';

export type { Db, Queryable, QueryResult, Row } from './types.js';

/** Opens the configured database (PostgreSQL when DATABASE_URL is set, else PGlite), migrates and seeds it. */
export async function openDb(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<Db> {
  const db = config.databaseUrl
    ? await openPostgres({ url: config.databaseUrl, schema: config.databaseSchema })
    : await openPglite(path.join(config.dataDir, 'pglite'));
  try {
    await migrate(db);
    await seedCatalogue(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
