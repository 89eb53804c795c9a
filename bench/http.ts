/**
 * `npm run bench:http -- [--json] [--duration S] [--connections C] [--runs R] [--only a,b] [--data-dir DIR]`
 * The service as an outside client sees it: `kpi serve` (the `npm start` command) on the embedded
 * default (PGlite, in-process jobs, the demo data, the default log level) in a child process, and
 * a bare Fastify answering `GET /` in another child process (bench/http-bare.mjs), both loaded by
 * autocannon from this process with C connections (default 10) for S seconds (default 10) per
 * endpoint. The endpoints run round-robin, R rounds (default 3), so the anchor is measured between
 * the others; each figure is the median of the R runs and its share is against the anchor's median
 * of the same run. An endpoint the service does not answer with 200 is reported with its status.
 *
 * Also printed: the service's RSS after the warm-up (every endpoint read once) and after the load,
 * the first computation of a role's targets for a period nothing has asked for yet (`cold_ms`), and
 * the start-up time. Beside req/s, the CPU time (user + system, every thread) the answering process
 * spent per request (from /proc/<pid>/stat) and its share (bare Fastify's CPU per request over the
 * endpoint's): on a machine loaded by other work, req/s follows the load, CPU per request far less.
 * `--data-dir` reuses a data directory (else a fresh one per run, removed after).
 * The rate limit is raised for the run (RATE_LIMIT_MAX), as a load test is not a flood to refuse.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'data-dir': { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const RUNS = Number(args.runs);

interface CannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}
/** autocannon ships no types; the part used here */
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}) => Promise<CannonResult>;

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (msg: string) => {
  if (!args.json) process.stderr.write(`${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** CPU seconds (user + system, every thread) the process `pid` has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ of /proc/<pid>/stat (100 on Linux everywhere in practice). */
const CLOCK_TICKS = 100;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** Waits until `file` holds a line matching `re`; the child's output goes to the file, not through this process. */
async function waitFor(file: string, re: RegExp, child: ChildProcess, timeoutMs: number): Promise<RegExpExecArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(readFileSync(file, 'utf8'));
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`child exited (${child.exitCode}); see ${file}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${re} in ${file}`);
    await sleep(200);
  }
}

function startChild(argv: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

const ADMIN_KEY = `kpi_bench_${Math.random().toString(36).slice(2)}_${'x'.repeat(24)}`;
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
function monthOffset(d: Date, k: number): string {
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}`;
}
function quarterOffset(d: Date, k: number): string {
  const q = Math.floor(d.getUTCMonth() / 3) + k;
  const y = d.getUTCFullYear() + Math.floor(q / 4);
  return `${y}-Q${(((q % 4) + 4) % 4) + 1}`;
}

async function get(base: string, url: string): Promise<{ status: number; body: string; ms: number }> {
  const t = performance.now();
  const r = await fetch(`${base}${url}`, { headers: auth });
  const body = await r.text();
  return { status: r.status, body, ms: performance.now() - t };
}

/** The first candidate period the service answers with 200 (and an answer holding `needs`, when given). */
async function firstOk(
  base: string,
  make: (p: string) => string,
  candidates: string[],
  needs?: string,
): Promise<string | null> {
  for (const p of candidates) {
    const r = await get(base, make(p));
    if (r.status === 200 && (!needs || r.body.includes(needs))) return p;
  }
  return null;
}

const TEXTS = [
  '客服态度很好，但是快递太慢了',
  'The agent never answered my emails.',
  '质量不错，客服回复也很及时，下次还来',
  'Refund took three weeks and nobody replied to my messages.',
  '东西一般，包装有点破损，客服说会补发',
  'Great service, the agent solved my problem in minutes!',
  '物流很快，但是尺码偏小，退换货很麻烦',
  'The product is fine but the support chat kept disconnecting.',
  '非常满意，客服小姐姐很耐心',
  'Terrible experience, the item arrived broken and support was rude.',
];
const SENTIMENT_BODY = JSON.stringify({ texts: Array.from({ length: 100 }, (_, i) => TEXTS[i % TEXTS.length]) });

interface Endpoint {
  name: string;
  label: string;
  method?: 'POST';
  url: string;
  body?: string;
  bare?: boolean;
  perRequest?: number;
}

async function main(): Promise<void> {
  const dataDir = args['data-dir']
    ? path.resolve(args['data-dir'])
    : mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-http-'));
  const logs = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-http-logs-'));
  const children: ChildProcess[] = [];
  let ok = false;
  try {
    const bare = startChild([path.join(root, 'bench/http-bare.mjs')], process.env, path.join(logs, 'bare.log'));
    children.push(bare);
    const t0 = performance.now();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      KPI_DATA_DIR: dataDir,
      KPI_ADMIN_KEY: ADMIN_KEY,
      RATE_LIMIT_MAX: '1000000000',
    };
    for (const k of ['DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']) delete env[k];
    const svc = startChild(['--import', 'tsx', 'src/cli.ts', 'serve'], env, path.join(logs, 'service.log'));
    children.push(svc);
    const barePort = (await waitFor(path.join(logs, 'bare.log'), /port=(\d+)/, bare, 30_000))[1];
    const address = (await waitFor(path.join(logs, 'service.log'), /listening on (http:\/\/\S+)/, svc, 600_000))[1]!;
    const startS = (performance.now() - t0) / 1000;
    log(`service at ${address} after ${startS.toFixed(1)} s; bare Fastify on port ${barePort}`);

    // the demo's baseline models train as a job after the start: wait for targets to answer
    const now = new Date();
    const targetCandidates = [monthOffset(now, 0), monthOffset(now, 1), monthOffset(now, -1)];
    let targetPeriod: string | null = null;
    const until = Date.now() + 600_000;
    while (!targetPeriod && Date.now() < until) {
      targetPeriod = await firstOk(
        address,
        (p) => `/v1/targets?role=cs_agent&period=${p}&metric=csat`,
        targetCandidates,
      );
      if (!targetPeriod) await sleep(1000);
    }
    if (!targetPeriod) throw new Error('targets never answered; see the service log');
    const ratingPeriod = await firstOk(address, (p) => `/v1/ratings?period=${p}&limit=20`, [
      quarterOffset(now, -1),
      quarterOffset(now, -2),
    ]);
    // the last month with people in it (the demo's last month may have no monthly values yet)
    const inputPeriod = await firstOk(
      address,
      (p) => `/v1/kpi-inputs?period=${p}&role=cs_agent`,
      [monthOffset(now, -1), monthOffset(now, -2), monthOffset(now, -3)],
      '"employee_id"',
    );
    // the whole role: one page of 1,000 where the service pages, the plain URL where it does not
    const unpaged = (await get(address, `/v1/targets?role=cs_agent&period=${targetPeriod}&limit=1000`)).status === 200;
    const all = unpaged ? '&limit=1000' : '';
    // the first computation: the month after the warmed one, which nothing has asked for
    const coldPeriod = monthOffset(new Date(`${targetPeriod}-15T00:00:00Z`), 1);
    const cold = await get(address, `/v1/targets?role=cs_agent&period=${coldPeriod}`);
    const coldAgain = await get(address, `/v1/targets?role=cs_agent&period=${coldPeriod}`);
    log(
      `periods: targets ${targetPeriod}, ratings ${ratingPeriod}, kpi-inputs ${inputPeriod}; cold ${coldPeriod}: ${cold.status} ${cold.ms.toFixed(0)} ms, again ${coldAgain.ms.toFixed(0)} ms`,
    );

    const endpoints: Endpoint[] = [
      { name: 'bare', label: 'bare Fastify `GET /`', url: '/', bare: true },
      { name: 'live', label: '`GET /live`', url: '/live' },
      { name: 'health', label: '`GET /health`', url: '/health' },
      { name: 'ready', label: '`GET /ready`', url: '/ready' },
      {
        name: 'ratings_page',
        label: `\`GET /v1/ratings?period=${ratingPeriod}&limit=20\``,
        url: `/v1/ratings?period=${ratingPeriod}&limit=20`,
      },
      {
        name: 'targets_page',
        label: `\`GET /v1/targets?role=cs_agent&period=${targetPeriod}&limit=100\``,
        url: `/v1/targets?role=cs_agent&period=${targetPeriod}&limit=100`,
      },
      {
        name: 'targets_role',
        label: `\`GET /v1/targets?role=cs_agent&period=${targetPeriod}${all}\` (whole role)`,
        url: `/v1/targets?role=cs_agent&period=${targetPeriod}${all}`,
      },
      {
        name: 'kpi_inputs_page',
        label: `\`GET /v1/kpi-inputs?period=${inputPeriod}&role=cs_agent&limit=100\``,
        url: `/v1/kpi-inputs?period=${inputPeriod}&role=cs_agent&limit=100`,
      },
      {
        name: 'kpi_inputs_role',
        label: `\`GET /v1/kpi-inputs?period=${inputPeriod}&role=cs_agent${all}\` (whole role)`,
        url: `/v1/kpi-inputs?period=${inputPeriod}&role=cs_agent${all}`,
      },
      {
        name: 'sentiment_100',
        label: '`POST /v1/sentiment/score`, 100 texts',
        method: 'POST',
        url: '/v1/sentiment/score',
        body: SENTIMENT_BODY,
        perRequest: 100,
      },
    ];
    const only = args.only ? new Set(args.only.split(',')) : null;
    const chosen = endpoints.filter((e) => e.bare || !only || only.has(e.name));
    const barUrl = `http://127.0.0.1:${barePort}`;

    // warm-up: every endpoint once (answers that are not 200 are reported and not loaded)
    const status = new Map<string, number>();
    const bytes = new Map<string, number>();
    for (const e of chosen) {
      const r = await fetch(`${e.bare ? barUrl : address}${e.url}`, {
        method: e.method ?? 'GET',
        headers: { ...auth, ...(e.body ? { 'content-type': 'application/json' } : {}) },
        ...(e.body ? { body: e.body } : {}),
      });
      const text = await r.text();
      status.set(e.name, r.status);
      bytes.set(e.name, Buffer.byteLength(text));
      if (r.status !== 200) log(`${e.name}: ${r.status} ${text.slice(0, 160)}`);
    }
    const loaded = chosen.filter((e) => status.get(e.name) === 200);
    const rssBefore = rssMb(svc.pid!);

    const runs = new Map<string, CannonResult[]>();
    // the answering process's CPU time per request: on a loaded machine it moves far less than req/s
    const cpuUs = new Map<string, number[]>();
    for (let round = 0; round < RUNS; round++) {
      for (const e of loaded) {
        const pid = e.bare ? bare.pid! : svc.pid!;
        const cpu0 = cpuSeconds(pid);
        const r = await autocannon({
          url: `${e.bare ? barUrl : address}${e.url}`,
          connections: CONNECTIONS,
          duration: DURATION,
          method: e.method ?? 'GET',
          headers: { ...auth, ...(e.body ? { 'content-type': 'application/json' } : {}) },
          ...(e.body ? { body: e.body } : {}),
        });
        const us = ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, r.requests.total);
        runs.set(e.name, [...(runs.get(e.name) ?? []), r]);
        cpuUs.set(e.name, [...(cpuUs.get(e.name) ?? []), us]);
        log(
          `round ${round + 1} ${e.name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, CPU ${us.toFixed(1)} µs/req, non-2xx ${r.non2xx}, errors ${r.errors}`,
        );
      }
    }
    const rssAfter = rssMb(svc.pid!);

    const bareRps = median((runs.get('bare') ?? []).map((r) => r.requests.average));
    const bareCpu = median(cpuUs.get('bare') ?? []);
    const rows = chosen.map((e) => {
      const rs = runs.get(e.name);
      if (!rs) return { name: e.name, label: e.label, status: status.get(e.name) ?? null };
      const rps = median(rs.map((r) => r.requests.average));
      return {
        name: e.name,
        label: e.label,
        status: 200,
        req_s: Math.round(rps),
        p50_ms: median(rs.map((r) => r.latency.p50)),
        p99_ms: median(rs.map((r) => r.latency.p99)),
        share: e.bare ? 1 : Number((rps / bareRps).toFixed(4)),
        cpu_us: Number(median(cpuUs.get(e.name)!).toFixed(1)),
        cpu_share: e.bare ? 1 : Number((bareCpu / median(cpuUs.get(e.name)!)).toFixed(4)),
        bytes: bytes.get(e.name),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        errors: rs.reduce((a, r) => a + r.errors + r.timeouts, 0),
        ...(e.perRequest ? { items_s: Math.round(rps * e.perRequest) } : {}),
      };
    });
    const out = {
      duration_s: DURATION,
      connections: CONNECTIONS,
      runs: RUNS,
      start_s: Number(startS.toFixed(1)),
      cold_targets: {
        period: coldPeriod,
        status: cold.status,
        ms: Math.round(cold.ms),
        again_ms: Math.round(coldAgain.ms),
      },
      rss_mb: { after_warmup: rssBefore, after_run: rssAfter, growth: Number((rssAfter / rssBefore - 1).toFixed(3)) },
      load_avg_1m: Number(os.loadavg()[0]!.toFixed(2)),
      rows,
    };
    ok = true;
    if (args.json) {
      console.log(JSON.stringify(out));
      return;
    }
    const lines = [
      '| endpoint | req/s | p50 / p99 ms | share of bare Fastify | CPU µs/req (share) |',
      '|---|---|---|---|---|',
      ...rows.map((r) =>
        'req_s' in r
          ? `| ${r.label} | ${r.req_s?.toLocaleString('en')}${r.items_s ? ` (${r.items_s.toLocaleString('en')} texts/s)` : ''} | ${r.p50_ms} / ${r.p99_ms} | ${r.share}${r.non2xx || r.errors ? ` (non-2xx ${r.non2xx}, errors ${r.errors})` : ''} | ${r.cpu_us} (${r.cpu_share}) |`
          : `| ${r.label} | — (answers ${r.status}) | — | — | — |`,
      ),
    ];
    console.log(lines.join('\n'));
    console.log(
      `\nRSS ${rssBefore} MB after warm-up, ${rssAfter} MB after the run; first targets computation (${coldPeriod}) ${Math.round(cold.ms)} ms (again ${Math.round(coldAgain.ms)} ms); ${CONNECTIONS} connections × ${DURATION} s, median of ${RUNS}`,
    );
    console.log(JSON.stringify(out));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())),
    );
    if (!args['data-dir']) rmSync(dataDir, { recursive: true, force: true });
    if (ok) rmSync(logs, { recursive: true, force: true });
    else process.stderr.write(`logs kept in ${logs}\n`);
  }
}

await main();
