/**
 * `npm run bench:soak -- [--minutes N] [--workers W] [--data-dir DIR]` (default 10 minutes, 4 loops)
 * A bounded soak of the real service (`kpi serve` on PGlite with the demo, a child process on
 * 127.0.0.1): W loops send a mix of reads (health, ratings, reviews, the reviews behind a rating,
 * KPI inputs, targets, a 20-text sentiment score), writes (reviews upserted over a rotating set of
 * 200 ids, KPI history over a rotating set of keys, an erasure by order id) and jobs (a ratings
 * recompute submitted every 15 s and polled). Every minute it prints the service's RSS and V8 heap
 * (from its /metrics) and the requests, 4xx and errors (5xx or no answer) of that minute. At the end:
 * RSS after the last minute against after the first (goal: within 10 %) and the error count (goal 0);
 * exit code 1 when either goal is missed. Stops by itself after N minutes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    'data-dir': { type: 'string' },
  },
});
const MINUTES = Number(args.minutes);
const WORKERS = Number(args.workers);
if (!(MINUTES > 0 && MINUTES <= 120) || !(WORKERS >= 1 && WORKERS <= 32))
  throw new Error('--minutes 1–120 and --workers 1–32');

const root = fileURLToPath(new URL('..', import.meta.url));
const KEY = `kpi_soak_${Math.random().toString(36).slice(2)}_${'x'.repeat(24)}`;
const auth = { authorization: `Bearer ${KEY}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.log(s);

async function waitFor(file: string, re: RegExp, child: ChildProcess, timeoutMs: number): Promise<RegExpExecArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(readFileSync(file, 'utf8'));
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode}); see ${file}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${re} in ${file}`);
    await sleep(200);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const month = (k: number) => {
  const d = new Date();
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}`;
};

const TEXTS = [
  '客服态度很好，回复很快，电话13912345678',
  'The agent never answered my emails, call me at 13987654321.',
  '质量不错，客服回复也很及时，下次还来',
  'Refund took three weeks and nobody replied to my messages.',
  '收件人：李雷，地址上海市浦东新区世纪大道100号，客服很耐心',
  'Great service, the agent solved my problem in minutes!',
  '物流很快，但是尺码偏小，退换货很麻烦',
  'Terrible experience, the item arrived broken and support was rude.',
];

interface Minute {
  requests: number;
  client: number;
  errors: number;
  firstErrors: string[];
}

async function main(): Promise<void> {
  const dataDir = args['data-dir'] ? path.resolve(args['data-dir']) : mkdtempSync(path.join(os.tmpdir(), 'kpi-soak-'));
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kpi-soak-log-')), 'service.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    KPI_DATA_DIR: dataDir,
    KPI_ADMIN_KEY: KEY,
    RATE_LIMIT_MAX: '1000000000',
    LOG_LEVEL: 'info',
  };
  for (const k of ['DATABASE_URL', 'REDIS_URL']) delete env[k];
  const fd = openSync(logFile, 'w');
  const svc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  try {
    const t0 = performance.now();
    const base = (await waitFor(logFile, /listening on (http:\/\/\S+)/, svc, 600_000))[1]!;
    log(
      `service at ${base} after ${((performance.now() - t0) / 1000).toFixed(1)} s (log: ${logFile}); load: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );

    let minute: Minute = { requests: 0, client: 0, errors: 0, firstErrors: [] };
    let errors = 0;
    const call = async (method: string, url: string, body?: unknown): Promise<Response | null> => {
      minute.requests++;
      try {
        const r = await fetch(`${base}${url}`, {
          method,
          headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        if (r.status >= 500) throw new Error(`${r.status} ${(await r.text()).slice(0, 200)}`);
        if (r.status >= 400) minute.client++;
        return r;
      } catch (err) {
        minute.errors++;
        errors++;
        if (minute.firstErrors.length < 3) minute.firstErrors.push(`${method} ${url}: ${(err as Error).message}`);
        return null;
      }
    };
    const json = async <T>(r: Response | null): Promise<T | null> => (r?.ok ? ((await r.json()) as T) : null);

    // what the demo holds: a cs agent, a few people of another role, a month with ratings
    const people = (await json<{ id: string; role: string }[]>(await call('GET', '/v1/employees?limit=1000'))) ?? [];
    const agents = people.filter((p) => p.role === 'cs_agent').map((p) => p.id);
    const sales = people.filter((p) => p.role !== 'cs_agent').slice(0, 20);
    if (agents.length === 0) throw new Error('the demo holds no cs_agent');
    const period = month(-1);
    const metrics =
      (await json<{ id: string; unit: string; role_id?: string }[]>(await call('GET', '/v1/metrics'))) ?? [];
    const metric = metrics.find((m) => m.unit !== 'ratio')?.id ?? 'gmv';
    const memory = async () => {
      const text = (await (await fetch(`${base}/metrics`, { headers: auth })).text()).split('\n');
      const v = (name: string) => Number(text.find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? Number.NaN);
      return {
        rss: v('kpi_process_resident_memory_bytes') / 2 ** 20,
        heap: v('kpi_nodejs_heap_size_used_bytes') / 2 ** 20,
      };
    };

    const end = Date.now() + MINUTES * 60_000;
    let n = 0;
    const loop = async (w: number) => {
      while (Date.now() < end) {
        const i = n++;
        const agent = agents[i % agents.length]!;
        switch (i % 12) {
          case 0:
            await call('GET', '/health');
            break;
          case 1:
            await call('GET', `/v1/ratings?period=${period}&limit=20`);
            break;
          case 2:
            await call('GET', `/v1/reviews?agent_id=${agent}&limit=50`);
            break;
          case 3:
            await call('GET', `/v1/ratings/agents/${agent}/reviews?period=${period}&limit=20`);
            break;
          case 4:
            await call('GET', `/v1/kpi-inputs?period=${period}&role=cs_agent&limit=100`);
            break;
          case 5:
            await call('GET', `/v1/targets?role=cs_agent&period=${month(1)}&limit=100`);
            break;
          case 6:
            await call('POST', '/v1/sentiment/score', {
              texts: Array.from({ length: 20 }, (_, k) => TEXTS[(i + k) % TEXTS.length]),
              explain: true,
            });
            break;
          case 7:
          case 8: {
            // upserts over 200 rotating ids (new text each time: scored, ratings recomputed); bounded data
            const rows = Array.from({ length: 5 }, (_, k) => {
              const id = (i * 5 + k) % 200;
              return {
                id: `SOAK-${id}`,
                agent_id: agents[id % agents.length],
                order_id: `SOAK-O-${id % 50}`,
                channel: 'chat',
                text: `${TEXTS[(i + k) % TEXTS.length]} #${i}`,
                rating: 1 + ((i + k) % 5),
                created_at: `${period}-${pad(1 + (id % 28))}T0${id % 10}:00:00Z`,
              };
            });
            await call('POST', '/v1/reviews', rows);
            break;
          }
          case 9:
            if (sales.length > 0)
              await call(
                'POST',
                '/v1/history',
                sales.map((p, k) => ({ employee_id: p.id, metric_id: metric, period, value: 1000 + ((i + k) % 500) })),
              );
            break;
          case 10:
            await call('DELETE', `/v1/orders/SOAK-O-${i % 50}/reviews`);
            break;
          case 11:
            if (w === 0 && i % 48 === 11) {
              const job = await json<{ id: string }>(
                await call('POST', '/v1/jobs', { kind: 'recompute_ratings', idempotency_key: `soak-${i}` }),
              );
              for (let k = 0; job && k < 100; k++) {
                const s = await json<{ state: string }>(await call('GET', `/v1/jobs/${encodeURIComponent(job.id)}`));
                if (!s || ['completed', 'failed', 'cancelled'].includes(s.state)) {
                  if (s?.state !== 'completed') {
                    minute.errors++;
                    errors++;
                    minute.firstErrors.push(`job ${job.id} ended ${s?.state}`);
                  }
                  break;
                }
                await sleep(100);
              }
            } else await call('GET', '/ready');
            break;
        }
      }
    };

    const rows: { minute: number; rss: number; heap: number }[] = [];
    const reporter = (async () => {
      for (let m = 1; m <= MINUTES; m++) {
        await sleep(Math.max(0, end - (MINUTES - m) * 60_000 - Date.now()));
        const mem = await memory();
        rows.push({ minute: m, ...mem });
        log(
          `minute ${m}: RSS ${mem.rss.toFixed(1)} MB, heap ${mem.heap.toFixed(1)} MB; ${minute.requests} requests, ${minute.client} 4xx, ${minute.errors} errors; load ${os.loadavg()[0]!.toFixed(1)}${
            minute.firstErrors.length ? `\n  ${minute.firstErrors.join('\n  ')}` : ''
          }`,
        );
        minute = { requests: 0, client: 0, errors: 0, firstErrors: [] };
      }
    })();
    await Promise.all([...Array.from({ length: WORKERS }, (_, w) => loop(w)), reporter]);

    const first = rows[0]!;
    const last = rows.at(-1)!;
    const growth = (last.rss - first.rss) / first.rss;
    const ok = Math.abs(growth) <= 0.1 && errors === 0;
    log(
      JSON.stringify({
        minutes: MINUTES,
        workers: WORKERS,
        rss_first_mb: Number(first.rss.toFixed(1)),
        rss_last_mb: Number(last.rss.toFixed(1)),
        rss_growth: Number(growth.toFixed(3)),
        heap_first_mb: Number(first.heap.toFixed(1)),
        heap_last_mb: Number(last.heap.toFixed(1)),
        errors,
        goal_met: ok,
      }),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    svc.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        svc.kill('SIGKILL');
        r(null);
      }, 15_000);
      svc.once('exit', () => {
        clearTimeout(t);
        r(null);
      });
    });
    if (!args['data-dir']) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
