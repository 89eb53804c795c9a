/**
 * The OpenAPI document at /docs/json lints clean with Redocly CLI's recommended rules (0 errors,
 * 0 warnings), run offline: telemetry and the update check are off, and a preload refuses and logs
 * any network access (the test fails if the linter tried).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the OpenAPI document', () => {
  let db: TestDb;
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDb('pglite');
    t = await buildTestApp(db.db);
    dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-openapi-'));
  });
  afterAll(async () => {
    await t?.app.close();
    await db?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes redocly lint (recommended rules) with no errors and no warnings, without the network', async () => {
    const r = await t.app.inject({ url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, r.body);
    const networkLog = path.join(dir, 'network.log');
    const lint = spawnSync(
      process.execPath,
      [
        '--require',
        path.join(ROOT, 'test/helpers/no-network.cjs'),
        path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'),
        'lint',
        file,
        '--config',
        path.join(ROOT, 'redocly.yaml'),
        '--format',
        'json',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_NETWORK_LOG: networkLog,
        },
        timeout: 120_000,
      },
    );
    const json = lint.stdout.slice(lint.stdout.indexOf('{'));
    const report = JSON.parse(json) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer?: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(lint.status).toBe(0);
    expect(existsSync(networkLog) ? readFileSync(networkLog, 'utf8') : '').toBe('');
  });

  it('has an operationId, a summary, a 4xx and an example answer on every operation', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string; summary?: string; responses: object }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([url, item]) =>
      Object.entries(item).map(([method, op]) => ({ url, method, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(50);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { url, method, op } of ops) {
      expect(op.summary, `${method} ${url}`).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith('4')),
        `${method} ${url}`,
      ).toBe(true);
      const ok = Object.entries(op.responses as Record<string, { content?: Record<string, { example?: unknown }> }>)
        .filter(([s]) => s.startsWith('2'))
        .map(([, r]) => r);
      const hasExample = ok.some((r) => !r.content || Object.values(r.content).some((m) => m.example !== undefined));
      expect(hasExample, `${method} ${url} has no example answer`).toBe(true);
    }
  });
});
