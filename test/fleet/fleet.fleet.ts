/**
 * The fleet: two API processes (`kpi serve`) and two workers (`kpi worker`) as separate OS processes,
 * each on its own test host (a network namespace, test/fleet/hosts.ts), on one PostgreSQL schema and
 * one Redis (a queue and rate-limit prefix of this run's own), behind a load balancer that never
 * retries (test/fleet/balancer.ts). Driven through both APIs in turn:
 *   both APIs started at once on a fresh schema (one bootstrap key, migrations once) → history
 *   uploaded on one → a training job taken by either worker → targets equal from both → an override
 *   on one seen on the other at once → a shared rate limit exact to the request → a key revoked on one
 *   refused by the other within the key cache's 5 s → a worker SIGKILLed mid-job, the job completed by
 *   the other → each API restarted in turn (SIGTERM: not ready, drain, restart) under steady load
 *   through the balancer, with zero failed requests counted by a client that never retries.
 * Run by `npm test` after the main suite (scripts/test.mjs), or `npm run test:fleet`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_CACHE_MS } from '../../src/auth/keys.js';
import { listMigrations } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';
import { generateDemo } from '../../src/demo/index.js';
import { type Balancer, startBalancer } from './balancer.js';
import { type Host, makeNetwork, type Network } from './hosts.js';

const { postgres, redis, postgresUrl, redisUrl } = inject('services');
if ((!postgres || !redis) && process.env.CI !== 'true')
  console.warn('!! fleet test SKIPPED: it needs PostgreSQL and Redis');

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUN = `${process.pid}${randomBytes(3).toString('hex')}`;
const SCHEMA = `kpi_test_fleet_${RUN}`;
const QUEUE = `kpi-fleet-${RUN}`;
const RL_PREFIX = `kpi-fleet:${RUN}:rl:`;
const ADMIN_KEY = `fleet-admin-${randomBytes(18).toString('base64url')}`;
const RATE_MAX = 40;
const RATE_WINDOW_S = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  host: Host;
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One request, one fresh connection, no retry. */
function call(
  base: string,
  method: string,
  url: string,
  { key, body }: { key?: string; body?: unknown } = {},
): Promise<Answer> {
  const u = new URL(url, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent: false,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
) {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
}

describe.skipIf(!postgres || !redis)('fleet: two APIs and two workers on one PostgreSQL and one Redis', () => {
  let net: Network;
  let balancer: Balancer | undefined;
  let db: Db;
  const procs: Proc[] = [];
  const dataDirs: string[] = [];
  const apis: Proc[] = [];
  const workers: Proc[] = [];
  const base = (p: Proc) => `http://${p.host.address}:${p.host.port}`;

  const envFor = (host: Host, role: 'api' | 'worker'): NodeJS.ProcessEnv => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `kpi-fleet-${host.name}-`));
    dataDirs.push(dataDir);
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: net.rewrite(postgresUrl, host),
      DATABASE_SCHEMA: SCHEMA,
      REDIS_URL: net.rewrite(redisUrl, host),
      JOB_QUEUE: QUEUE,
      RATE_LIMIT_PREFIX: RL_PREFIX,
      RATE_LIMIT_MAX: String(RATE_MAX),
      RATE_LIMIT_WINDOW: `${RATE_WINDOW_S} s`,
      KPI_ADMIN_KEY: ADMIN_KEY,
      KPI_DEMO: 'false',
      KPI_DATA_DIR: dataDir,
      LOG_LEVEL: role === 'api' ? 'warn' : 'info',
      HOST: host.address,
      PORT: String(host.port),
      TRUST_PROXY: 'true',
      SHUTDOWN_DRAIN_MS: '2500',
      SHUTDOWN_GRACE_MS: '5000',
      FORECAST_THREAD: 'false',
      KPI_TF_BACKEND: 'wasm',
    };
  };

  const start = (name: string, host: Host, role: 'api' | 'worker'): Proc => {
    const args =
      role === 'api'
        ? ['serve']
        : ['worker', '--queue', QUEUE, '--lock-ms', '2000', '--grace-ms', '2000', '--concurrency', '1'];
    const proc = host.spawn(
      [process.execPath, '--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args],
      envFor(host, role),
    );
    const output: string[] = [];
    const keep = (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) output.push(line);
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exited = new Promise<number | null>((r) =>
      proc.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))),
    );
    const p = { name, host, proc, output, exited };
    procs.push(p);
    return p;
  };

  const whenReady = (p: Proc) =>
    Promise.race([
      waitFor(`${p.name} ready`, async () => (await call(base(p), 'GET', '/ready')).status === 200, 90_000, 200),
      p.exited.then((c) => {
        throw new Error(`${p.name} exited (${c}):\n${p.output.slice(-15).join('\n')}`);
      }),
    ]);
  const workerReady = (p: Proc) =>
    Promise.race([
      waitFor(`${p.name} ready`, async () => p.output.some((l) => l.includes('"worker ready"')), 90_000, 200),
      p.exited.then((c) => {
        throw new Error(`${p.name} exited (${c}):\n${p.output.slice(-15).join('\n')}`);
      }),
    ]);
  const jobRow = async (id: string) =>
    (
      await db.query<{ state: string; worker: string | null; attempts: number }>(
        'select state, worker, attempts from jobs where id = $1',
        [id],
      )
    ).rows[0];
  const workerName = (p: Proc) => `${os.hostname()}:${p.proc.pid}`;

  beforeAll(async () => {
    const pg = new URL(postgresUrl);
    const rd = new URL(redisUrl);
    net = await makeNetwork(
      ['api1', 'api2', 'worker1', 'worker2'],
      [Number(pg.port || 5432), Number(rd.port || 6379)],
      3900 + (process.pid % 50) * 10,
    );
    const [h1, h2, h3, h4] = net.hosts as [Host, Host, Host, Host];
    // both APIs and both workers start at once on a schema that does not exist yet
    apis.push(start('api1', h1, 'api'), start('api2', h2, 'api'));
    workers.push(start('worker1', h3, 'worker'), start('worker2', h4, 'worker'));
    await Promise.all([...apis.map(whenReady), ...workers.map(workerReady)]);
    db = await openPostgres({ url: postgresUrl, schema: SCHEMA, max: 3 });
    balancer = await startBalancer(apis.map((a) => ({ name: a.name, host: a.host.address, port: a.host.port })));
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => Promise.race([p.exited, sleep(5000)])));
    await balancer?.close().catch(() => {});
    await db?.close().catch(() => {});
    await net?.dispose().catch(() => {});
    const admin = await openPostgres({ url: postgresUrl, max: 1 });
    await admin.exec(`drop schema if exists ${SCHEMA} cascade`).catch(() => {});
    await admin.close();
    const r = new Redis(redisUrl);
    for (const pattern of [`bull:${QUEUE}:*`, `${RL_PREFIX}*`]) {
      const keys = await r.keys(pattern);
      if (keys.length) await r.del(...keys);
    }
    await r.quit();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('started together: one bootstrap key, each migration once, both ready', async () => {
    console.log(`fleet hosts: ${net.isolated ? 'network namespaces' : 'loopback ports (no namespaces)'}`);
    const keys = await db.query<{ id: string }>('select id from api_keys');
    expect(keys.rows).toHaveLength(1);
    const versions = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
    expect(versions.rows[0]!.n).toBe(listMigrations().length);
    for (const a of apis) expect((await call(base(a), 'GET', '/ready')).status).toBe(200);
    expect(net.isolated ? apis[0]!.host.address : '127.0.0.1').not.toBe(net.isolated ? apis[1]!.host.address : '');
  });

  const demo = generateDemo({ seed: 5, people: 16, endDate: '2026-11-22', years: 2 });
  const agents = demo.employees.filter((e) => e.role === 'cs_agent');
  const ids = new Set(agents.map((e) => e.id));
  const period = '2026-11';
  let trainJob = '';

  it('history uploaded on api1; a training job submitted on api2 is taken by either worker', async () => {
    const [a1, a2] = apis as [Proc, Proc];
    const emp = await call(base(a1), 'POST', '/v1/employees', { key: ADMIN_KEY, body: agents });
    expect(emp.status, emp.body).toBe(200);
    const rows = demo.history.filter(
      (h) => ids.has(h.employee_id) && ['csat', 'first_response_time'].includes(h.metric_id),
    );
    const hist = await call(base(a1), 'POST', '/v1/history', { key: ADMIN_KEY, body: { rows } });
    expect(hist.status, hist.body).toBe(200);
    expect(JSON.parse(hist.body)).toMatchObject({ inserted: rows.length });
    // the upload through api1 is seen through api2 at once
    const seen = await call(base(a2), 'GET', '/v1/employees?role=cs_agent', { key: ADMIN_KEY });
    expect(JSON.parse(seen.body)).toHaveLength(agents.length);

    const started = Date.now();
    const train = await call(base(a2), 'POST', '/v1/baselines/train', {
      key: ADMIN_KEY,
      body: { role: 'cs_agent', network: false, promote: true },
    });
    expect(train.status, train.body).toBe(202);
    trainJob = JSON.parse(train.body).id;
    const done = await waitFor(
      'training',
      async () => {
        const j = JSON.parse((await call(base(a1), 'GET', `/v1/jobs/${trainJob}`, { key: ADMIN_KEY })).body);
        if (j.state === 'failed') throw new Error(`training failed: ${JSON.stringify(j.error ?? j)}`);
        return j.state === 'completed' ? j : null;
      },
      90_000,
      200,
    );
    console.log(`fleet: classical training of cs_agent (2 metrics) took ${Date.now() - started} ms`);
    expect(done.state).toBe('completed');
    expect(workers.map(workerName)).toContain((await jobRow(trainJob))!.worker);
  }, 120_000);

  const targetsUrl = `/v1/targets?role=cs_agent&period=${period}&metric=csat`;

  it('targets are the same answer from both APIs; an override on api1 is seen on api2 at once', async () => {
    const [a1, a2] = apis as [Proc, Proc];
    const t1 = await call(base(a1), 'GET', targetsUrl, { key: ADMIN_KEY });
    const t2 = await call(base(a2), 'GET', targetsUrl, { key: ADMIN_KEY });
    expect(t1.status, t1.body).toBe(200);
    expect(t2.body).toBe(t1.body);
    const person = JSON.parse(t1.body).metrics[0].people[0];
    expect(person.override).toBeNull();

    for (const [writer, reader, value] of [
      [a1, a2, 0.97],
      [a2, a1, 0.91],
    ] as const) {
      const set = await call(base(writer), 'PUT', '/v1/targets/overrides', {
        key: ADMIN_KEY,
        body: {
          role: 'cs_agent',
          metric: 'csat',
          period,
          employee_id: person.employee_id,
          value,
          reason: 'fleet test: seen everywhere',
        },
      });
      expect(set.status, set.body).toBe(200);
      // the very next read, through the other process
      const after = JSON.parse((await call(base(reader), 'GET', targetsUrl, { key: ADMIN_KEY })).body);
      const p = after.metrics[0].people.find((x: { employee_id: string }) => x.employee_id === person.employee_id);
      expect(p.target).toBe(value);
    }
  });

  it(`a shared rate limit: ${RATE_MAX} requests per key per ${RATE_WINDOW_S} s in all, alternating APIs, exact to the request`, async () => {
    const [a1, a2] = apis as [Proc, Proc];
    const created = await call(base(a1), 'POST', '/v1/admin/keys', {
      key: ADMIN_KEY,
      body: { name: 'fleet-limit', scopes: ['scorer'] },
    });
    const { key } = JSON.parse(created.body);
    const codes: number[] = [];
    for (let i = 0; i < RATE_MAX + 6; i++)
      codes.push((await call(base(i % 2 ? a2 : a1), 'GET', '/v1/metrics', { key })).status);
    expect(codes.slice(0, RATE_MAX).every((c) => c === 200)).toBe(true);
    expect(codes.slice(RATE_MAX)).toEqual(Array(6).fill(429));
  });

  it(`a key revoked through api1 is refused by api2 within the key cache's ${KEY_CACHE_MS} ms`, async () => {
    const [a1, a2] = apis as [Proc, Proc];
    const { id, key } = JSON.parse(
      (
        await call(base(a1), 'POST', '/v1/admin/keys', {
          key: ADMIN_KEY,
          body: { name: 'fleet-revoke', scopes: ['hr'] },
        })
      ).body,
    );
    // api2 has verified (and cached) it
    expect((await call(base(a2), 'GET', '/v1/employees?limit=1', { key })).status).toBe(200);
    const revoked = Date.now();
    expect((await call(base(a1), 'DELETE', `/v1/admin/keys/${id}`, { key: ADMIN_KEY })).status).toBe(204);
    expect((await call(base(a1), 'GET', '/v1/employees?limit=1', { key })).status).toBe(401);
    await waitFor(
      'revocation on api2',
      async () => (await call(base(a2), 'GET', '/v1/employees?limit=1', { key })).status === 401,
      KEY_CACHE_MS + 2000,
      100,
    );
    expect(Date.now() - revoked).toBeLessThanOrEqual(KEY_CACHE_MS + 1000);
  });

  it('a worker SIGKILLed mid-job: the other worker completes the job', async () => {
    const [a1] = apis as [Proc];
    const train = await call(base(a1), 'POST', '/v1/baselines/train', {
      key: ADMIN_KEY,
      body: { role: 'cs_agent', metric: 'csat', network: true, steps: 60, promote: false },
    });
    expect(train.status, train.body).toBe(202);
    const id = JSON.parse(train.body).id as string;
    const row = await waitFor(
      'the job taken',
      async () => {
        const r = await jobRow(id);
        return r?.state === 'active' && r.worker ? r : null;
      },
      60_000,
      50,
    );
    const victim = workers.find((w) => workerName(w) === row.worker)!;
    const survivor = workers.find((w) => w !== victim)!;
    expect(victim).toBeDefined();
    victim.proc.kill('SIGKILL');
    await victim.exited;
    expect((await jobRow(id))!.state).not.toBe('completed'); // killed mid-job
    const done = await waitFor(
      'completion by the other worker',
      async () => {
        const r = await jobRow(id);
        if (r?.state === 'failed') throw new Error('job failed');
        return r?.state === 'completed' ? r : null;
      },
      120_000,
      200,
    );
    expect(done.worker).toBe(workerName(survivor));
  }, 150_000);

  it('each API restarted in turn under steady load through the balancer: zero failed requests', async () => {
    const lb = balancer!;
    await Promise.all(apis.map((a) => lb.waitFor(a.name, true)));
    // keys enough that the steady load stays under the rate limit
    // The admin key shares the fleet's rate limit (RATE_MAX per RATE_WINDOW_S) with the tests before,
    // which may have used most of it (the worker test polls its job): a 429 waits its Retry-After. Every
    // key is checked created — a missing one sent the load without a key (401 "an API key is required").
    const keys: string[] = [];
    for (let i = 0; i < 24; ) {
      const r = await call(lb.url, 'POST', '/v1/admin/keys', {
        key: ADMIN_KEY,
        body: { name: `load-${i}`, scopes: ['hr'] },
      });
      if (r.status === 429) {
        await sleep(1000 * Number(r.headers['retry-after'] ?? 1));
        continue;
      }
      expect(r.status, r.body).toBe(201);
      keys.push(JSON.parse(r.body).key as string);
      i++;
    }
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const byBackend: Record<string, number> = {};
    const client = async (n: number) => {
      for (let i = n; !stop; i += 2) {
        const url = i % 2 ? targetsUrl : '/v1/employees?role=cs_agent&limit=5';
        try {
          const r = await call(lb.url, 'GET', url, { key: keys[i % keys.length]! });
          if (r.status === 200) ok++;
          // which backend, and the problem's detail
          else failures.push(`${r.status} from ${String(r.headers['x-backend'])}: ${r.body.slice(0, 300)}`);
          const b = String(r.headers['x-backend']);
          byBackend[b] = (byBackend[b] ?? 0) + 1;
        } catch (err) {
          failures.push((err as Error).message);
        }
        await sleep(40);
      }
    };
    const load = [client(0), client(1)];
    await sleep(1000);
    const restartedAt: number[] = [];
    for (const [i, old] of apis.entries()) {
      const served = lb.backends.find((b) => b.name === old.name)!.served;
      expect(served).toBeGreaterThan(0);
      old.proc.kill('SIGTERM');
      await lb.waitFor(old.name, false, 5000); // readiness false first …
      expect(old.proc.exitCode).toBeNull(); // … while the process still serves (the drain)
      expect(await old.exited).toBe(0);
      const fresh = start(old.name, old.host, 'api');
      apis[i] = fresh;
      await whenReady(fresh);
      await lb.waitFor(fresh.name, true);
      restartedAt.push(ok);
      await sleep(800);
    }
    stop = true;
    await Promise.all(load);
    console.log(
      `fleet rolling restart: ${ok} requests answered 200, ${failures.length} failed, by backend ${JSON.stringify(byBackend)}`,
    );
    if (failures.length) console.log(`balancer transitions:\n${lb.transitions.join('\n')}`);
    expect(failures).toEqual([]);
    expect(lb.upstreamErrors).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // the restarted processes answer the same targets
    const [a1, a2] = apis as [Proc, Proc];
    expect((await call(base(a1), 'GET', targetsUrl, { key: ADMIN_KEY })).body).toBe(
      (await call(base(a2), 'GET', targetsUrl, { key: ADMIN_KEY })).body,
    );
  }, 180_000);
});
