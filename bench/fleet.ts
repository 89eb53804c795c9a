/**
 * `npm run bench:fleet -- [--json] [--duration S] [--connections C]`
 * Requests per API process in the fleet configuration: `kpi serve` on PostgreSQL and Redis (the
 * rate-limit counts in Redis, BullMQ jobs), one process then two on one fresh schema, each loaded by
 * autocannon from this process with C connections (default 10) for S seconds (default 8) on a cheap
 * authenticated read (`GET /v1/employees?role=cs_agent&limit=20`, 16 people uploaded first) and on
 * `/live`. With two processes both are loaded at once and the figures are summed. Prints the load
 * average with the figures: on a shared 2-core machine the second process mostly shares the cores.
 * Needs PostgreSQL and Redis: TEST_DATABASE_URL, TEST_REDIS_URL (the test defaults).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { openPostgres } from '../src/db/postgres.js';
import { generateDemo } from '../src/demo/index.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
  },
});
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = fileURLToPath(new URL('..', import.meta.url));
const RUN = `${process.pid}${randomBytes(2).toString('hex')}`;
const SCHEMA = `kpi_bench_fleet_${RUN}`;
const PREFIX = `kpi-bench-fleet:${RUN}:`;
const KEY = `bench-admin-${randomBytes(18).toString('base64url')}`;
const log = (msg: string) => {
  if (!args.json) process.stderr.write(`${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;

function startApi(port: number, dataDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: SCHEMA,
      REDIS_URL,
      JOB_QUEUE: `kpi-bench-fleet-${RUN}`,
      RATE_LIMIT_PREFIX: `${PREFIX}rl:`,
      RATE_LIMIT_MAX: '100000000',
      KPI_ADMIN_KEY: KEY,
      KPI_DEMO: 'false',
      KPI_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      FORECAST_THREAD: 'false',
    },
  });
}

async function ready(port: number) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`API on ${port} not ready`);
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-fleet-'));
  const ports = [4700 + (process.pid % 100), 4800 + (process.pid % 100)];
  const procs: ChildProcess[] = [];
  const auth = { authorization: `Bearer ${KEY}` };
  const results: Record<string, unknown> = {};
  try {
    procs.push(startApi(ports[0]!, dataDir));
    await ready(ports[0]!);
    const agents = generateDemo({ seed: 5, people: 16, endDate: '2026-11-22', years: 1 }).employees.filter(
      (e) => e.role === 'cs_agent',
    );
    await fetch(`http://127.0.0.1:${ports[0]}/v1/employees`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(agents),
    });
    const routes = { employees: '/v1/employees?role=cs_agent&limit=20', live: '/live' };
    const load = async (n: number) => {
      for (const [name, url] of Object.entries(routes)) {
        const rs = await Promise.all(
          ports.slice(0, n).map((p) =>
            autocannon({
              url: `http://127.0.0.1:${p}${url}`,
              connections: Number(args.connections),
              duration: Number(args.duration),
              headers: auth,
            }),
          ),
        );
        const perProcess = rs.map((r) => Math.round(r.requests.average));
        const bad = rs.reduce((s, r) => s + r.non2xx + r.errors, 0);
        results[`${name}_${n}_process`] = {
          req_s_per_process: perProcess,
          req_s_total: perProcess.reduce((a, b) => a + b, 0),
          p99_ms: rs.map((r) => r.latency.p99),
          failed: bad,
          load: os.loadavg().map((x) => Math.round(x * 10) / 10),
        };
        log(`${n} process(es) ${name}: ${JSON.stringify(results[`${name}_${n}_process`])}`);
      }
    };
    await load(1);
    procs.push(startApi(ports[1]!, dataDir));
    await ready(ports[1]!);
    await load(2);
    results.cores = os.cpus().length;
    console.log(JSON.stringify(results));
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
    const admin = await openPostgres({ url: PG_URL, max: 1 });
    await admin.exec(`drop schema if exists ${SCHEMA} cascade`);
    await admin.close();
    const r = new Redis(REDIS_URL);
    for (const pattern of [`${PREFIX}*`, `bull:kpi-bench-fleet-${RUN}:*`]) {
      const keys = await r.keys(pattern);
      if (keys.length) await r.del(...keys);
    }
    await r.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
