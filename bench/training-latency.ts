/**
 * `npm run bench:training -- [--json] [--runs 3] [--root DIR] [--main-thread] [--template DIR] [--skip-alone] [--skip-latency] [--stale-ratings] [--phases idle,train_baselines,rescore] [--alone train_baselines,rescore]`
 *
 * Does the API keep answering while models train? `kpi serve` on the embedded default (PGlite,
 * in-process runner) with the demo data, then:
 *
 * 1. latency: GET /health and one page of GET /v1/ratings (20 rows), each at a fixed rate
 *    (autocannon, `--rate` requests/s per route, 2 connections each), first with no job (the anchor),
 *    then while a `train_baselines` job (all demo scopes, with the network) runs, then while a full
 *    rescore runs as a sentiment promote submits it (`score_reviews` with `rescore` and
 *    `then_recompute`: every review stamped with another version first, then every rating
 *    recomputed); p50/p99/max per route and phase (`--phases` picks some of them);
 * 2. each job alone (`--alone`), `--runs` times (median): `train_baselines` (runs one after another in
 *    one server) and the full rescore with its recompute (each run on a fresh copy of the data, every
 *    review stamped stale before the server starts); wall time, the server process's CPU time (all its
 *    threads, from /proc) and the part of it on the main thread — the machine is shared, so CPU times
 *    are the steadier figures. `--data '{"role":"product_ops"}'` trains a subset.
 *
 * Against the previous commit: `node scripts/bench-compare.mjs <base> HEAD bench:training` (each side's
 * own bench and server, the medians and b/a of every figure both print), or this bench driving the
 * other tree's server on the same data: `git archive <base> | tar -x -C /tmp/base && ln -s $PWD/node_modules
 * /tmp/base/ && npm run bench:training -- --root /tmp/base --template DIR` (a template kept with
 * `--keep-template`).
 *
 * `--stale-ratings`: every stored rating moved a little before the server starts, so the recompute after
 * the rescore genuinely changes them (without it the same model scores again and no rating changes).
 *
 * `--main-thread` starts the server with JOB_THREADS=false (the computation on the main thread, as
 * before the job threads); `--root DIR` runs another source tree's server (e.g. an exported older
 * commit: `git archive <commit> | tar -x -C DIR` and a node_modules link) against the same data.
 * `--template DIR` reuses a prepared data directory (copied per run; default: a first start with the
 * demo, ≈ 1–2 min). Prints a table, or one JSON object with `--json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    root: { type: 'string' },
    'main-thread': { type: 'boolean', default: false },
    template: { type: 'string' },
    rate: { type: 'string', default: '20' },
    'skip-alone': { type: 'boolean', default: false },
    'skip-latency': { type: 'boolean', default: false },
    'keep-template': { type: 'boolean', default: false },
    /** also move every stored rating a little before the server starts, so the recompute after the rescore changes them all */
    'stale-ratings': { type: 'boolean', default: false },
    /** the latency phases to run, in this order */
    phases: { type: 'string', default: 'idle,train_baselines,rescore' },
    /** the jobs timed alone */
    alone: { type: 'string', default: 'train_baselines,rescore' },
    /** the train_baselines job's data (default {}: every demo scope, with the network) */
    data: { type: 'string', default: '{}' },
    /** write the server's CPU profiles (every thread) into this directory (read them with bench/loop-blocks.ts) */
    'cpu-prof': { type: 'string' },
  },
});
const ROOT = path.resolve(args.root ?? path.join(import.meta.dirname, '..'));
const RUNS = Number(args.runs);
const RATE = Number(args.rate);
const log = (line: string) => !args.json && console.error(line);
const TRAIN = JSON.parse(args.data!) as object;
const PHASES = new Set(args.phases!.split(','));
const ALONE = new Set(args.alone!.split(','));

interface CannonResult {
  latency: { p50: number; p99: number; max: number; average: number };
  requests: { total: number };
  non2xx: number;
  errors: number;
}
interface CannonInstance {
  stop(): void;
  on(event: 'done', fn: (r: CannonResult) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: Record<string, unknown>,
  cb?: (err: Error | null, r: CannonResult) => void,
) => CannonInstance;

interface Server {
  proc: ChildProcess;
  url: string;
  key: string;
  dir: string;
  output: string[];
  /** the event-loop monitor's lines (bench/loop-monitor.ts) */
  loopFile: string;
}

/** This tree's event-loop monitor, preloaded into the server (also with --root). */
const LOOP_MONITOR = path.join(import.meta.dirname, 'loop-monitor.ts');

async function startServer(dir: string, port: number): Promise<Server> {
  const output: string[] = [];
  const loopFile = path.join(dir, 'loop-monitor.jsonl');
  const prof = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])] : [];
  const node = ['--import', 'tsx', '--import', LOOP_MONITOR, ...prof];
  const proc = spawn(process.execPath, [...node, path.join(ROOT, 'src/cli.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KPI_DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '1000000',
      JOB_THREADS: args['main-thread'] ? 'false' : 'true',
      LOOP_MONITOR_FILE: loopFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  // a server that stops on its own (stopServer's SIGTERM ends it with 0) is said at once, with what it printed last
  proc.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL')
      console.error(`server exited (code ${code}, signal ${signal}): ${output.join('').slice(-3000)}`);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${output.join('').slice(-2000)}`);
    if (output.join('').includes('listening on')) {
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {
        // not yet
      }
    }
    if (i > 3000) throw new Error('server did not start in 10 min');
    await new Promise((r) => setTimeout(r, 200));
  }
  const key = readFileSync(path.join(dir, 'admin-key.txt'), 'utf8').trim();
  return { proc, url, key, dir, output, loopFile };
}

async function stopServer(s: Server): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
}

async function api<T>(s: Server, method: string, url: string, body?: unknown): Promise<T> {
  const send = () =>
    fetch(`${s.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${s.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  // a kept-alive connection the server closed as the request left (ECONNRESET, seen at load 35): a GET is sent again
  const r = await send().catch(async (err: unknown) => {
    if (method !== 'GET' || s.proc.exitCode !== null) throw err;
    await new Promise((res) => setTimeout(res, 500));
    return send();
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Job {
  id: string;
  state: string;
  error: string | null;
  result: unknown;
}

async function submit(s: Server, kind: string, data: object): Promise<Job> {
  return api<Job>(s, 'POST', '/v1/jobs', { kind, data, idempotency_key: `bench-${Date.now()}-${Math.random()}` });
}

async function waitJob(s: Server, id: string, timeoutMs = 30 * 60_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = await api<Job>(s, 'GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (j.state === 'completed') return j;
    if (j.state === 'failed' || j.state === 'cancelled') throw new Error(`job ${id} ${j.state}: ${j.error}`);
    if (Date.now() > until) throw new Error(`job ${id} did not finish`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** CPU seconds (user + system) of a process (all its threads), or of one thread with `tid`, from /proc. */
function cpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return ticks / 100; // USER_HZ
}

/** A first start with the demo: data loaded, scored, rated, the demo's models trained. */
async function prepareTemplate(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-training-'));
  log(`preparing the demo data in ${dir} (first start)…`);
  const s = await startServer(dir, 3900 + Math.floor(Math.random() * 90));
  const id = /job (train_baselines-[0-9a-f]+)/.exec(s.output.join(''))?.[1];
  if (id) await waitJob(s, id);
  await stopServer(s);
  return dir;
}

/** Stamps every review with another model version, so a rescore scores them all again. */
async function staleScores(dir: string): Promise<number> {
  const { openDb } = await import('../src/db/index.js');
  const { loadConfig } = await import('../src/config.js');
  const db = await openDb(loadConfig({ KPI_DATA_DIR: dir, LOG_LEVEL: 'silent' }));
  try {
    const r = await db.query(
      `update reviews set sentiment_model = 'sentiment-bench@stale' where sentiment_model is not null`,
    );
    if (args['stale-ratings']) await db.query('update agent_ratings set posterior_mean = posterior_mean * 0.999');
    return r.rowCount;
  } finally {
    await db.close();
  }
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  failed: number;
}

function load(s: Server, urlPath: string): { stop(): Promise<Latency> } {
  let result: CannonResult | undefined;
  let stopper = () => {};
  const done = new Promise<void>((resolve) => {
    const inst = autocannon(
      {
        url: `${s.url}${urlPath}`,
        connections: 2,
        overallRate: RATE,
        duration: 3600,
        headers: { authorization: `Bearer ${s.key}` },
      },
      (err, r) => {
        if (!err) result = r;
        resolve();
      },
    );
    stopper = () => inst.stop();
  });
  return {
    async stop() {
      stopper();
      await done;
      const r = result!;
      return {
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
        requests: r.requests.total,
        failed: r.non2xx + r.errors,
      };
    },
  };
}

const RATINGS = '/v1/ratings?period=2026-10&limit=20';

/**
 * A full rescore as a sentiment promote submits it (`score_reviews` with `rescore` and `then_recompute`):
 * the planning job fans out into chunk jobs (10,000 reviews each), which the runner takes in turn; the
 * chunk that finds every review scored submits the recompute_ratings job. Waits for all of them.
 */
async function fullRescore(s: Server): Promise<{ scored: number; recomputes: number }> {
  const planned = await waitJob(s, (await submit(s, 'score_reviews', { rescore: true, then_recompute: true })).id);
  const chunks = (planned.result as { jobs?: string[] }).jobs ?? [];
  let scored = (planned.result as { scored?: number }).scored ?? 0;
  const recomputes = new Set<string>();
  for (const id of chunks) {
    const r = (await waitJob(s, id)).result as { scored?: number; recompute?: unknown };
    scored += r.scored ?? 0;
    if (typeof r.recompute === 'string') recomputes.add(r.recompute);
  }
  for (const id of recomputes) await waitJob(s, id);
  return { scored, recomputes: recomputes.size };
}

/** Wall time, CPU of the server process (all threads) and of its main thread while `what` runs. */
async function timed(s: Server, what: () => Promise<unknown>): Promise<{ wall: number; cpu: number; main: number }> {
  const c0 = cpuSeconds(s.proc.pid!);
  const m0 = cpuSeconds(s.proc.pid!, s.proc.pid!); // the main thread (its tid is the pid)
  const t0 = performance.now();
  await what();
  return {
    wall: Math.round((performance.now() - t0) / 100) / 10,
    cpu: Math.round((cpuSeconds(s.proc.pid!) - c0) * 10) / 10,
    main: Math.round((cpuSeconds(s.proc.pid!, s.proc.pid!) - m0) * 10) / 10,
  };
}

function summary(runs: { wall: number; cpu: number; main: number }[]) {
  return {
    wall_s: runs.map((r) => r.wall),
    cpu_s: runs.map((r) => r.cpu),
    main_thread_cpu_s: runs.map((r) => r.main),
    median_wall_s: median(runs.map((r) => r.wall)),
    median_cpu_s: median(runs.map((r) => r.cpu)),
    median_main_thread_cpu_s: median(runs.map((r) => r.main)),
  };
}

/** A fresh copy of the template with every review stamped stale (so a rescore scores them all). */
async function freshDir(stale: boolean): Promise<{ dir: string; stale: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-run-'));
  cpSync(template, dir, { recursive: true });
  rmSync(path.join(dir, 'kpi.lock'), { force: true });
  return { dir, stale: stale ? await staleScores(dir) : 0 };
}

interface Loop {
  /** the highest per-second p99 of the event-loop delay (ms) */
  p99: number;
  max: number;
  /** blocks of ≥ 20 ms: count, total ms, the longest (ms) */
  blocks: number;
  blocked_ms: number;
  longest: number[];
}

/** What the server's event-loop monitor saw between two instants. */
function loopBetween(s: Server, from: number, to: number): Loop {
  const lines = existsSync(s.loopFile)
    ? readFileSync(s.loopFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { t: number; p99: number; max: number; blocks: [number, number][] })
        .filter((l) => l.t > from && l.t <= to + 1000)
    : [];
  const blocks = lines.flatMap((l) => l.blocks.filter(([at]) => at > from && at <= to).map(([, ms]) => ms));
  return {
    p99: Math.max(0, ...lines.map((l) => l.p99)),
    max: Math.max(0, ...lines.map((l) => l.max)),
    blocks: blocks.length,
    blocked_ms: blocks.reduce((a, b) => a + b, 0),
    longest: blocks.sort((a, b) => b - a).slice(0, 8),
  };
}

async function during(
  s: Server,
  what: () => Promise<unknown>,
): Promise<{ health: Latency; ratings: Latency; s: number; loop: Loop }> {
  const h = load(s, '/health');
  const r = load(s, RATINGS);
  const t0 = performance.now();
  const from = Date.now();
  await what();
  const secs = (performance.now() - t0) / 1000;
  const to = Date.now();
  const out = { health: await h.stop(), ratings: await r.stop(), s: Math.round(secs * 10) / 10 };
  await new Promise((res) => setTimeout(res, 1100)); // the monitor's last line of the phase
  return { ...out, loop: loopBetween(s, from, to) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const template = args.template ? path.resolve(args.template) : await prepareTemplate();
const result: Record<string, unknown> = {
  root: ROOT,
  mode: args['main-thread'] ? 'main-thread (JOB_THREADS=false)' : 'default',
  stale_ratings: args['stale-ratings'],
  cpus: os.availableParallelism(),
  load_before: os.loadavg()[0],
};
const port = 4000 + Math.floor(Math.random() * 900);

if (!args['skip-latency']) {
  const { dir, stale } = await freshDir(true);
  result.reviews_rescored = stale;
  const s = await startServer(dir, port);
  try {
    await api(s, 'GET', RATINGS); // warm the route
    const latency: Record<string, Awaited<ReturnType<typeof during>>> = {};
    if (PHASES.has('idle')) {
      log('latency: no job (10 s)…');
      latency.idle = await during(s, () => new Promise((r) => setTimeout(r, 10_000)));
    }
    if (PHASES.has('train_baselines')) {
      log('latency: while train_baselines runs…');
      latency.train_baselines = await during(s, async () => waitJob(s, (await submit(s, 'train_baselines', TRAIN)).id));
      log(`  ${latency.train_baselines.s} s`);
    }
    if (PHASES.has('rescore')) {
      if (args['stale-ratings']) log('(every stored rating moved: the recompute changes them all)');
      log(
        'latency: while the full rescore and the ratings recompute after it run (as a sentiment promote submits them)…',
      );
      latency.rescore = await during(s, async () => {
        const r = await fullRescore(s);
        result.reviews_scored = r.scored;
        result.recompute_jobs = r.recomputes;
      });
      log(`  ${latency.rescore.s} s`);
    }
    result.latency = latency;
  } finally {
    await stopServer(s);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!args['skip-alone'] && ALONE.has('train_baselines')) {
  const { dir } = await freshDir(false);
  const s = await startServer(dir, port + 1);
  try {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await timed(s, async () => waitJob(s, (await submit(s, 'train_baselines', TRAIN)).id)));
      const r = runs.at(-1)!;
      log(`train_baselines alone, run ${i + 1}: ${r.wall} s wall, ${r.cpu} s CPU (${r.main} s on the main thread)`);
    }
    result.train_baselines_alone = { data: TRAIN, ...summary(runs) };
  } finally {
    await stopServer(s);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!args['skip-alone'] && ALONE.has('rescore')) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const { dir, stale } = await freshDir(true);
    const s = await startServer(dir, port + 2 + i);
    try {
      await api(s, 'GET', RATINGS);
      runs.push(await timed(s, () => fullRescore(s)));
      const r = runs.at(-1)!;
      log(
        `full rescore alone (${stale} reviews), run ${i + 1}: ${r.wall} s wall, ${r.cpu} s CPU (${r.main} s on the main thread)`,
      );
    } finally {
      await stopServer(s);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  result.rescore_alone = summary(runs);
}
result.load_after = os.loadavg()[0];
if (!args.template && !args['keep-template']) rmSync(template, { recursive: true, force: true });
else if (!args.template) result.template = template;

if (args.json) console.log(JSON.stringify(result));
else {
  const lat = result.latency as Record<string, Awaited<ReturnType<typeof during>>> | undefined;
  if (lat) {
    console.log(
      `latency (ms), ${RATE} requests/s per route — ${result.mode}${args['stale-ratings'] ? ', stale ratings' : ''}, root ${ROOT}`,
    );
    console.log(
      'phase            | s     | /health p50 / p99 / max   | ratings page p50 / p99 / max | requests (failed)',
    );
    for (const [phase, v] of Object.entries(lat))
      console.log(
        `${phase.padEnd(16)} | ${String(v.s).padStart(5)} | ${[v.health.p50, v.health.p99, v.health.max].join(' / ').padEnd(25)} | ${[v.ratings.p50, v.ratings.p99, v.ratings.max].join(' / ').padEnd(28)} | ${v.health.requests + v.ratings.requests} (${v.health.failed + v.ratings.failed})`,
      );
    console.log('event loop of the server (bench/loop-monitor.ts): per-second p99 (highest), max; blocks ≥ 20 ms');
    for (const [phase, v] of Object.entries(lat))
      console.log(
        `${phase.padEnd(16)} | p99 ${v.loop.p99} ms, max ${v.loop.max} ms | ${v.loop.blocks} blocks, ${v.loop.blocked_ms} ms; longest ${v.loop.longest.join(', ')}`,
      );
  }
  for (const [name, key] of [
    ['train_baselines alone', 'train_baselines_alone'],
    ['full rescore alone', 'rescore_alone'],
  ] as const) {
    const alone = result[key] as ReturnType<typeof summary> | undefined;
    if (alone)
      console.log(
        `${name}: median ${alone.median_wall_s} s wall (${alone.wall_s.join(', ')}), ${alone.median_cpu_s} s CPU (${alone.cpu_s.join(', ')}), ${alone.median_main_thread_cpu_s} s on the main thread`,
      );
  }
  console.log(`load average ${result.load_before} → ${result.load_after} on ${result.cpus} CPUs`);
  if (existsSync(template) && !args.template) console.log(`template kept: ${template}`);
}
