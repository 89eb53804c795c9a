import path from 'node:path';
import type { Config } from '../config.js';
import { lockDataDir } from './lock.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPgliteThread } from './pglite-thread.js';
import { openPostgres } from './postgres.js';
import { seedCatalogue } from './seed.js';
import type { Db } from './types.js';

export type { Db, Queryable, QueryResult, Row } from './types.js';

/**
 * Opens the configured database (PostgreSQL when DATABASE_URL is set, else PGlite: in a thread of its
 * own unless `pgliteThread` is false), migrates and seeds it.
 */
export async function openDb(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'dataDir'> & Partial<Pick<Config, 'pgliteThread'>>,
): Promise<Db> {
  let db: Db;
  if (config.databaseUrl) {
    db = await openPostgres({ url: config.databaseUrl, schema: config.databaseSchema });
  } else {
    const unlock = lockDataDir(config.dataDir);
    try {
      const open = config.pgliteThread === false ? openPglite : openPgliteThread;
      const inner = await open(path.join(config.dataDir, 'pglite'));
      db = { ...inner, close: () => inner.close().finally(unlock) };
    } catch (err) {
      unlock();
      throw err;
    }
  }
  try {
    await migrate(db);
    await seedCatalogue(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
