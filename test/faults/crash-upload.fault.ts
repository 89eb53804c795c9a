/**
 * Crash safety of a bulk upload (issue 16): the real `kpi serve` is SIGKILLed in the middle of a
 * 100,000-row history upload, on a PGlite data directory and on PostgreSQL. After a restart the stored
 * rows are the old set or the new set, never a part of the new one (count, sum and an md5 over every
 * row). The new set adds 50,000 rows and changes the values of 50,000 old ones, so a part would show.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDb } from '../../src/db/index.js';
import type { Queryable } from '../../src/db/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ROWS = 100_000;
const PEOPLE = 1000;
const METRICS = ['gmv', 'aov', 'visitors'];
const ADMIN = `crash-test-admin-key-${'x'.repeat(16)}`;
const { postgres, postgresUrl } = inject('services');

interface Row {
  employee: string;
  metric: string;
  period: string;
  value: number;
}
/** Row i of the key space (people × metrics × weeks), valued v. */
function row(i: number, bump: number): Row {
  const person = i % PEOPLE;
  const k = Math.floor(i / PEOPLE);
  const week = Math.floor(k / METRICS.length);
  return {
    employee: `C${String(person).padStart(4, '0')}`,
    metric: METRICS[k % METRICS.length]!,
    period: `${2015 + Math.floor(week / 52)}-W${String((week % 52) + 1).padStart(2, '0')}`,
    value: 100 + (i % 5000) + bump,
  };
}
/** The old set: keys 0…99,999; the new upload: keys 50,000…149,999 with every value + 7. */
const OLD = Array.from({ length: ROWS }, (_, i) => row(i, 0));
const UPLOAD = Array.from({ length: ROWS }, (_, i) => row(i + ROWS / 2, 7));
const NEW = [...OLD.slice(0, ROWS / 2), ...UPLOAD];
const csv = (rows: Row[]) =>
  `employee_id,metric_id,period,value\n${rows.map((r) => `${r.employee},${r.metric},${r.period},${r.value}`).join('\n')}\n`;

interface Sum {
  count: number;
  sum: number;
  md5: string;
}
const line = (r: Row) => `${r.employee}:${r.metric}:${r.period}:${r.value}`;
function sumOf(rows: Row[]): Sum {
  const lines = rows.map(line).sort();
  return {
    count: rows.length,
    sum: rows.reduce((s, r) => s + r.value, 0),
    md5: createHash('md5').update(lines.join(',')).digest('hex'),
  };
}
const EXPECT = { old: sumOf(OLD), new: sumOf(NEW) };

async function stored(db: Queryable): Promise<Sum> {
  const r = await db.query<{ count: string; sum: string; md5: string | null }>(
    `select count(*)::text as count, coalesce(sum(value), 0)::bigint::text as sum,
       md5(string_agg(employee_id || ':' || metric_id || ':' || period || ':' || value::bigint::text, ',' order by
         employee_id || ':' || metric_id || ':' || period || ':' || value::bigint::text collate "C")) as md5
     from kpi_history where employee_id like 'C%'`,
  );
  const x = r.rows[0]!;
  return { count: Number(x.count), sum: Number(x.sum), md5: x.md5 ?? '' };
}
const which = (s: Sum): 'old' | 'new' | 'PART' =>
  JSON.stringify(s) === JSON.stringify(EXPECT.old)
    ? 'old'
    : JSON.stringify(s) === JSON.stringify(EXPECT.new)
      ? 'new'
      : 'PART';

interface Server {
  proc: ChildProcess;
  url: string;
  out: string[];
  exited: Promise<number | null>;
}
async function serve(env: Record<string, string>): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      KPI_DEMO: 'false',
      LOG_LEVEL: 'info',
      REDIS_URL: '',
      KPI_ADMIN_KEY: ADMIN,
      BODY_LIMIT: '256mb',
      FORECAST_THREAD: 'false',
      JOB_THREADS: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out.join('')}`)), 60_000);
    const on = (c: Buffer) => {
      out.push(String(c));
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    void exited.then((code) => reject(new Error(`server exited (${code}):\n${out.join('')}`)));
  });
  return { proc, url, out, exited };
}

const post = (s: Server, url: string, body: string, type: string) =>
  fetch(`${s.url}${url}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type },
  });

async function kill(s: Server): Promise<void> {
  s.proc.kill('SIGKILL');
  await s.exited;
}

/** The old set written straight into the database, before the server starts (seed and migrate with it). */
async function seedOld(db: Queryable): Promise<void> {
  const people = Array.from({ length: PEOPLE }, (_, i) => `C${String(i).padStart(4, '0')}`);
  await db.query(`insert into employees (id, role_id) select unnest($1::text[]), 'sales_ops'`, [people]);
  await db.query(
    `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value)
     select e, m, p, 'week', date '2015-01-05', v from unnest($1::text[], $2::text[], $3::text[], $4::float8[]) as t(e, m, p, v)`,
    [OLD.map((r) => r.employee), OLD.map((r) => r.metric), OLD.map((r) => r.period), OLD.map((r) => r.value)],
  );
}

/**
 * One backend holding the old set: the new set's upload with the server SIGKILLed while it writes
 * (`whileWriting` resolves when the kill is due), the rows checked with the server down; then a
 * restart and the new set's upload whole, which lands.
 */
async function crashRun(opts: {
  env: Record<string, string>;
  /** reads the stored rows with the server stopped */
  read: () => Promise<Sum>;
  whileWriting: (started: number) => Promise<void>;
}): Promise<{ state: string; cutAfterMs: number; wholeMs: number }> {
  expect(which(await opts.read())).toBe('old');
  let s = await serve(opts.env);
  try {
    const body = csv(UPLOAD);
    const started = performance.now();
    const answer = post(s, '/v1/history', body, 'text/csv').then(
      (r) => `answered ${r.status}`,
      () => 'no answer',
    );
    await opts.whileWriting(started);
    const cutAfterMs = performance.now() - started;
    await kill(s);
    // the kill came before the answer: the upload was cut in the middle
    expect(await answer).toBe('no answer');
    const state = which(await opts.read());
    expect(state).not.toBe('PART');
    // the service restarts on the data and takes the whole upload
    s = await serve(opts.env);
    const t0 = performance.now();
    const last = await post(s, '/v1/history', body, 'text/csv');
    expect(last.status, (await last.text()).slice(0, 300)).toBe(200);
    const wholeMs = performance.now() - t0;
    await kill(s);
    expect(which(await opts.read())).toBe('new');
    return { state, cutAfterMs, wholeMs };
  } finally {
    if (s.proc.exitCode === null) await kill(s);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a SIGKILL in the middle of a 100,000-row upload leaves the old set or the new set', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kpi-crash-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('PGlite data directory', async () => {
    const dir = path.join(tmp, 'data');
    cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
    const open = () => openDb({ databaseUrl: undefined, databaseSchema: 'public', dataDir: dir });
    const seed = await open();
    await seedOld(seed);
    await seed.close();
    const read = async () => {
      const db = await open();
      try {
        return await stored(db);
      } finally {
        await db.close();
      }
    };
    // the kill lands once the upload's transaction writes: the write-ahead log grows
    const wal = path.join(dir, 'pglite', 'pg_wal');
    const walStamp = () =>
      readdirSync(wal)
        .filter((f) => /^[0-9A-F]{24}$/.test(f))
        .reduce((n, f) => n + statSync(path.join(wal, f)).mtimeMs, 0);
    const r = await crashRun({
      env: { KPI_DATA_DIR: dir, DATABASE_URL: '' },
      read,
      whileWriting: async (started) => {
        const before = walStamp();
        while (performance.now() - started < 60_000) {
          await sleep(5);
          if (walStamp() !== before) {
            await sleep(20);
            return;
          }
        }
        throw new Error('the upload never wrote');
      },
    });
    console.log(
      `PGlite: killed ${Math.round(r.cutAfterMs)} ms into the upload → ${r.state} set; the whole upload after the restart: ${Math.round(r.wholeMs)} ms`,
    );
  }, 120_000);

  it.skipIf(!postgres)(
    'PostgreSQL',
    async () => {
      const schema = `crash_${process.pid}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        const read = async () => {
          await admin.query(`set search_path to ${schema}`);
          return stored(admin as unknown as Queryable);
        };
        const seed = await openDb({ databaseUrl: postgresUrl, databaseSchema: schema, dataDir: path.join(tmp, 'pg') });
        await seedOld(seed);
        await seed.close();
        // the kill lands while the upload's transaction is open in the server (seen in pg_stat_activity)
        const r = await crashRun({
          env: { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, KPI_DATA_DIR: path.join(tmp, 'pg') },
          read,
          whileWriting: async (started) => {
            while (performance.now() - started < 30_000) {
              const r = await admin.query(
                `select count(*)::int as n from pg_stat_activity
               where pid <> pg_backend_pid() and xact_start is not null and query ilike '%kpi_history%'
                 and query not ilike '%pg_stat_activity%'`,
              );
              if (r.rows[0].n > 0) return;
              await sleep(5);
            }
            throw new Error('the upload never wrote to kpi_history');
          },
        });
        console.log(
          `PostgreSQL: killed ${Math.round(r.cutAfterMs)} ms into the upload → ${r.state} set; the whole upload after the restart: ${Math.round(r.wholeMs)} ms`,
        );
      } finally {
        await admin.query(`drop schema if exists ${schema} cascade`).catch(() => {});
        await admin.end();
      }
    },
    120_000,
  );
});
