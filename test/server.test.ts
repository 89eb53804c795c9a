/**
 * The real process: `kpi serve` on PGlite, a request in flight when SIGTERM arrives finishes,
 * and the key CLI refuses a data directory the server holds but works once it stopped; a first
 * start on PostgreSQL; configurations refused at start.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function post(
  url: string,
  key: string,
  type: string,
  body: string,
  onSent: () => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.on('finish', onSent);
    req.end(body);
  });
}

describe('kpi serve (a real process on PGlite)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-server-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes an in-flight upload on SIGTERM, then exits 0; the CLI waits for the lock', async () => {
    cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
    const env = {
      ...process.env,
      KPI_DATA_DIR: dir,
      PORT: '0',
      KPI_DEMO: 'false',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      REDIS_URL: '',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
      child!.stdout!.on('data', () => {
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    expect(out).toContain('admin key:  written to');
    const key = readFileSync(path.join(dir, 'admin-key.txt'), 'utf8').trim();
    expect(out).not.toContain(key);

    // the data directory is held: the CLI must not open it concurrently
    const locked = spawnSync(TSX, ['src/cli.ts', 'keys', 'list'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(locked.status).toBe(1);
    expect(locked.stderr).toContain('in use by process');
    // a usage error is answered before the data directory is opened, so it is not hidden behind the lock
    const bad = spawnSync(TSX, ['src/cli.ts', 'keys', 'create', '--name', 'x', '--scopes', 'root'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown scope(s): root');

    const emp = await post(
      `${address}/v1/employees`,
      key,
      'application/json',
      JSON.stringify([{ id: 'S1', role: 'sales_ops' }]),
      () => {},
    );
    expect(emp.status).toBe(200);
    const lines = ['employee_id,metric_id,period,value'];
    for (let i = 0; i < 30_000; i++)
      lines.push(`S1,gmv,${2000 + Math.floor(i / 52)}-W${String((i % 52) + 1).padStart(2, '0')},${i}`);
    const upload = post(`${address}/v1/history`, key, 'text/csv', lines.join('\n'), () => child!.kill('SIGTERM'));
    const res = await upload.catch((e: Error) => {
      throw new Error(`${e.message}; server said:\n${out}`);
    });
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ received: 30_000, inserted: 30_000 });
    expect(await exited).toBe(0);

    // stopped: the CLI can now create a key, and it is stored hashed
    const created = spawnSync(TSX, ['src/cli.ts', 'keys', 'create', '--name', 'ci', '--scopes', 'scorer,hr'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/key:\s+kpi_[0-9a-f]{12}_/);
    const listed = spawnSync(TSX, ['src/cli.ts', 'keys', 'list'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(listed.stdout).toContain('ci\tscorer,hr');
    // four processes start here, each loading TypeScript through tsx: slow on a busy machine
  }, 180_000);

  it('fails at start with a message naming a bad variable', () => {
    const r = spawnSync(TSX, ['src/cli.ts', 'serve'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PORT:');
  });

  it.skipIf(!inject('services').postgres)(
    'on PostgreSQL, a first start creates the missing data directory and writes the admin key there',
    async () => {
      const { postgresUrl } = inject('services');
      const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kpi-server-')), 'not-yet');
      const schema = `server_first_${process.pid}`;
      const env = {
        ...process.env,
        KPI_DATA_DIR: dataDir,
        PORT: '0',
        KPI_DEMO: 'false',
        LOG_LEVEL: 'info',
        DATABASE_URL: postgresUrl,
        DATABASE_SCHEMA: schema,
        REDIS_URL: '',
        FORECAST_THREAD: 'false',
      };
      const pg = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      pg.stdout!.on('data', (c) => (out += c));
      pg.stderr!.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((resolve) => pg.on('exit', (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
          pg.stdout!.on('data', () => {
            if (/listening on/.test(out)) {
              clearTimeout(timer);
              resolve();
            }
          });
          void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)));
        });
        expect(readFileSync(path.join(dataDir, 'admin-key.txt'), 'utf8')).toMatch(/^kpi_/);
      } finally {
        pg.kill('SIGTERM');
        await exited;
        const { openPostgres } = await import('../src/db/postgres.js');
        const admin = await openPostgres({ url: postgresUrl, max: 1 });
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.close();
        rmSync(path.dirname(dataDir), { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('refuses REDIS_URL without DATABASE_URL before opening anything (no worker could reach PGlite)', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'kpi-server-'));
    try {
      const env = { ...process.env, KPI_DATA_DIR: empty, DATABASE_URL: '', REDIS_URL: 'redis://127.0.0.1:6379' };
      const r = spawnSync(TSX, ['src/cli.ts', 'serve'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/REDIS_URL: needs DATABASE_URL/);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
