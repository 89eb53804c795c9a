/**
 * N processes starting together against one fresh PostgreSQL schema: the schema created once,
 * every migration applied once (by one of them), and the one-time start-up work — the shipped models,
 * the first admin key, the calendar and the demo, the demo's first training job — done exactly once.
 * Each "process" here has its own connection pool, so the advisory locks really contend; the fleet
 * test (test/fleet) starts real processes the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/index.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';
import { createInlineQueue } from '../../src/jobs/index.js';
import { runStartup } from '../../src/server.js';

const { postgres, postgresUrl } = inject('services');
if (!postgres && process.env.CI !== 'true') console.warn('!! start-up lock tests SKIPPED: no PostgreSQL');

const N = 4;
const quiet = { info() {} };

describe.skipIf(!postgres)('start-up of several processes at once on one PostgreSQL', () => {
  const schemas: string[] = [];
  const open: Db[] = [];
  const dirs: string[] = [];
  const freshSchema = () => {
    const s = `kpi_test_start_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(s);
    return s;
  };
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close().catch(() => {});
    const admin = await openPostgres({ url: postgresUrl, max: 1 });
    for (const s of schemas.splice(0)) await admin.exec(`drop schema if exists ${s} cascade`);
    await admin.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it(`${N} pools migrating a fresh schema at once: each migration applied once, by one of them`, async () => {
    const schema = freshSchema();
    const dbs = await Promise.all(Array.from({ length: N }, () => openPostgres({ url: postgresUrl, schema })));
    open.push(...dbs);
    const applied = await Promise.all(dbs.map((db) => migrate(db)));
    const all = listMigrations().map((m) => m.version);
    expect(applied.flat().sort((a, b) => a - b)).toEqual(all);
    expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
    const rows = await dbs[0]!.query<{ version: number }>('select version from schema_migrations order by version');
    expect(rows.rows.map((r) => r.version)).toEqual(all);
  });

  it(`${N} API start-ups at once (demo on): one first admin key, one demo, one first-run training job`, async () => {
    const schema = freshSchema();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kpi-start-'));
    dirs.push(dataDir);
    const config = loadConfig({
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema,
      KPI_DATA_DIR: dataDir,
      KPI_DEMO: 'true',
      // the coordination, not the demo's size, is under test (the full demo: 300 people)
      KPI_DEMO_PEOPLE: '30',
      LOG_LEVEL: 'silent',
      JOB_THREADS: 'false',
    });
    const results = await Promise.all(
      Array.from({ length: N }, async () => {
        const db = await openDb(config);
        open.push(db);
        // a queue without processors: the first-run training job is recorded, not run
        const app = await buildApp({
          config,
          db,
          queue: createInlineQueue({ db, config, processors: {} }),
          logger: false,
        });
        try {
          return await runStartup(app.services, quiet);
        } finally {
          await app.close();
        }
      }),
    );
    // the processes share a data directory here: only one of them wrote a key file
    expect(results.filter((r) => r.keyFile !== null)).toHaveLength(1);
    expect(results.filter((r) => r.setup.demoLoaded)).toHaveLength(1);
    expect(results.filter((r) => r.training !== null)).toHaveLength(1);
    const db = open[0]!;
    const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
    expect(await count('select count(*)::int as n from api_keys')).toBe(1);
    expect(await count(`select count(*)::int as n from jobs where kind = 'train_baselines'`)).toBe(1);
    expect(await count('select count(*)::int as n from schema_migrations')).toBe(listMigrations().length);
    // the demo's employees once, not N times
    const employees = await count('select count(*)::int as n from employees');
    const once = results.find((r) => r.setup.demoLoaded)!.setup.summary;
    expect(once).toContain(`${employees} employees`);
    // one active version per shipped model
    expect(
      await count(
        `select count(*)::int as n from (select kind, scope from model_versions where status = 'active' group by kind, scope having count(*) > 1) d`,
      ),
    ).toBe(0);
  }, 180_000);
});
