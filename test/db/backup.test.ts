/**
 * Backups (issue 16): a consistent copy of the PGlite database while the service runs
 * (POST /v1/admin/backup), restored with `restorePglite` / `kpi restore` and compared by row counts;
 * PostgreSQL answers 409 naming pg_dump. The CLI pair `kpi backup` / `kpi restore` on a stopped service.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { archiveCounts, restorePglite, tableCounts } from '../../src/db/backup.js';
import { openDb } from '../../src/db/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const run = promisify(execFile);
/** Opening a database (openDb: migrations, the catalogue's seed) notes a data version in read_changes: left out. */
const data = (counts: Record<string, number>) => {
  const { read_changes: _, ...rest } = counts;
  return rest;
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'kpi-backup-'));
/** A data directory holding a migrated database: a copy of the run's template (initdb once per run, not here). */
const migrated = () => {
  const dir = tmp();
  cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
};

const employees = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `B${String(from + i).padStart(5, '0')}`,
    role: 'cs_agent',
    team: 'backup',
    hire_date: '2024-01-01',
  }));

describeEachBackend('backups', (get, backend) => {
  let t: TestApp;
  const dirs: string[] = [];
  beforeAll(async () => {
    t = await buildTestApp(get().db);
  });
  afterAll(async () => {
    await t?.app.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown, scope: 'hr' | 'admin' = 'hr') =>
    t.app.inject({ method: 'POST', url, headers: t.auth(scope), payload: payload as object });

  if (backend === 'postgres') {
    it('answers 409 naming pg_dump on PostgreSQL', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/v1/admin/backup', headers: t.auth('admin') });
      expect(r.statusCode).toBe(409);
      expect(r.json().detail).toContain('pg_dump');
      expect(r.json().detail).toContain('pg_restore');
    });
    return;
  }

  it('copies the running database consistently while writes go on, and a restore has the same row counts', async () => {
    expect((await post('/v1/employees', employees(0, 200))).statusCode).toBe(200);
    // writes racing the copy: each batch is in the copy whole or not at all
    const writes = Promise.all([1, 2, 3].map((k) => post('/v1/employees', employees(k * 1000, 300))));
    const res = await t.app.inject({ method: 'POST', url: '/v1/admin/backup', headers: t.auth('admin') });
    for (const w of await writes) expect(w.statusCode).toBe(200);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="kpi-backup-.*\.tar\.gz"/);
    const archive = res.rawPayload;
    const counts = JSON.parse(String(res.headers['x-backup-counts'])) as Record<string, number>;
    expect(counts.employees! - 200).toBeGreaterThanOrEqual(0);
    expect((counts.employees! - 200) % 300).toBe(0);
    expect(counts.api_keys).toBeGreaterThanOrEqual(4);

    // restored into a fresh data directory: the same tables and counts
    const dir = tmp();
    dirs.push(dir);
    expect(await restorePglite(dir, archive)).toBeNull();
    const restored = await openDb({ dataDir: dir, databaseUrl: undefined, databaseSchema: 'public' });
    try {
      expect(data(await tableCounts(restored))).toEqual(data(counts));
    } finally {
      await restored.close();
    }
    expect(await archiveCounts(archive)).toEqual(counts);

    const audit = (await t.app.inject({ url: '/v1/audit?action=backup.create', headers: t.auth('admin') })).json()
      .entries as { actor: string; detail: { sha256: string; counts: Record<string, number> } }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail.sha256).toBe(res.headers['x-backup-sha256']);
    expect(audit[0]!.detail.counts).toEqual(counts);
    expect((await t.app.inject({ method: 'POST', url: '/v1/admin/backup', headers: t.auth('hr') })).statusCode).toBe(
      403,
    );
  }, 120_000);

  it('kpi backup and kpi restore on a stopped service: the restored database has the same counts, the old one kept', async () => {
    const src = migrated();
    const dst = migrated();
    dirs.push(src, dst);
    const db = await openDb({ dataDir: src, databaseUrl: undefined, databaseSchema: 'public' });
    await db.query(
      `insert into employees (id, role_id, team, hire_date) select 'C' || g, 'cs_agent', 'cli', '2024-01-01' from generate_series(1, 250) g`,
    );
    const before = await tableCounts(db);
    await db.close();
    const file = path.join(src, 'copy.tar.gz');
    const env = { ...process.env, LOG_LEVEL: 'silent', KPI_DEMO: 'false', DATABASE_URL: '' };
    const cli = (args: string[], dataDir: string) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
        env: { ...env, KPI_DATA_DIR: dataDir },
        timeout: 120_000,
      });
    const backup = await cli(['backup', '--out', file], src);
    expect(backup.stdout, backup.stderr).toContain('sha256');
    expect(backup.stdout).toMatch(/employees\t250/);
    // a database already there (dst's copy of the template) is kept beside the restored one
    const restore = await cli(['restore', file], dst);
    expect(restore.stdout).toContain('kept in');
    const printed = Object.fromEntries(
      restore.stdout
        .split('\n')
        .filter((l) => /^\w+\t\d+$/.test(l))
        .map((l) => [l.split('\t')[0], Number(l.split('\t')[1])]),
    );
    expect(data(printed)).toEqual(data(before));
    expect(printed.employees).toBe(250);
  }, 240_000);
});
