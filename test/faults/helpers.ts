/**
 * Fault-test helpers: worker processes (the real `kpi worker`), synthetic reviews and labelled
 * data, checksums, and the service restarts (always undone in `finally`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../../src/db/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface WorkerProc {
  proc: ChildProcess;
  output: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function startWorker(env: {
  databaseUrl: string;
  schema: string;
  redisUrl: string;
  queue: string;
  lockMs?: number;
}): WorkerProc {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'worker',
      '--queue',
      env.queue,
      '--lock-ms',
      String(env.lockMs ?? 3000),
      '--grace-ms',
      '3000',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: env.schema,
        REDIS_URL: env.redisUrl,
        LOG_LEVEL: 'info',
        KPI_DEMO: 'false',
        KPI_TF_BACKEND: 'wasm',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const onData = (b: Buffer) => {
    for (const line of b.toString().split('\n').filter(Boolean)) {
      output.push(line);
      if (line.includes('"worker ready"')) markReady();
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, output, ready, exited };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

const EN = [
  'great service, the agent replied fast and solved it',
  'terrible support, slow refund and a rude agent',
  'the parcel arrived late but support was kind',
  'okay product, nothing special',
  'excellent, will buy again',
];
const ZH = [
  '客服态度很好，回复很快，问题解决了',
  '物流太慢，客服也不理人，很失望',
  '质量不错，价格实惠',
  '退款处理太慢了，差评',
  '包装完好，客服耐心',
];

/** Inserts `n` reviews (ids r0000001…), half Chinese, half English, deterministic. */
export async function insertReviews(db: Db, n: number): Promise<void> {
  for (let start = 0; start < n; start += 20_000) {
    const ids: string[] = [];
    const texts: string[] = [];
    for (let i = start; i < Math.min(n, start + 20_000); i++) {
      ids.push(`r${String(i).padStart(7, '0')}`);
      texts.push(i % 2 === 0 ? `${EN[i % 5]} (order ${i})` : `${ZH[i % 5]}，订单${i}`);
    }
    await db.query(
      `insert into reviews (id, text, created_at) select id, text, now() from unnest($1::text[], $2::text[]) as u(id, text)`,
      [ids, texts],
    );
  }
}

/** Count of scored reviews and a checksum over (id, label, probability, model) in id order. */
export async function scoreChecksum(db: Db): Promise<{ total: number; scored: number; checksum: string }> {
  const r = await db.query<{ total: number; scored: number; checksum: string }>(
    `select count(*)::int as total, count(sentiment_model)::int as scored,
            md5(string_agg(id || '|' || coalesce(sentiment_label, '') || '|' || coalesce(round(sentiment_probability::numeric, 9)::text, '') || '|' || coalesce(sentiment_model, ''), ',' order by id)) as checksum
     from reviews`,
  );
  return r.rows[0]!;
}

/** A small labelled set (`label,review`) the trainer accepts, in `dir`. */
export function writeLabelledSet(dir: string, trainRows = 4000, devRows = 600): void {
  mkdirSync(dir, { recursive: true });
  const good = ['great', 'excellent', 'helpful', 'fast', 'kind', 'love', 'perfect', 'recommend'];
  const bad = ['terrible', 'slow', 'rude', 'broken', 'awful', 'refund', 'worst', 'disappointed'];
  const filler = [
    'the',
    'agent',
    'order',
    'product',
    'service',
    'delivery',
    'was',
    'really',
    'quite',
    'and',
    'very',
    'it',
  ];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (a: string[]) => a[Math.floor(rnd() * a.length)]!;
  const rows = (n: number) => {
    const out = ['label,review'];
    for (let i = 0; i < n; i++) {
      const label = i % 2;
      const words = Array.from({ length: 12 }, () => (rnd() < 0.3 ? pick(label ? good : bad) : pick(filler)));
      out.push(`${label},"${words.join(' ')}"`);
    }
    return `${out.join('\n')}\n`;
  };
  writeFileSync(path.join(dir, 'train.csv'), rows(trainRows));
  writeFileSync(path.join(dir, 'dev.csv'), rows(devRows));
}

const sh = (cmd: string) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });

export function redisUp(): boolean {
  return sh('redis-cli -h 127.0.0.1 -p 6379 ping').stdout.trim() === 'PONG';
}

export function stopRedis(): void {
  sh('redis-cli -h 127.0.0.1 -p 6379 shutdown nosave');
}

/** Starts Redis the way .ci/run does (no persistence) and waits until it answers. */
export async function startRedis(): Promise<void> {
  if (redisUp()) return;
  sh('mkdir -p /var/lib/redis /var/log/redis');
  sh(
    `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`,
  );
  await waitFor('redis', async () => redisUp(), 30_000, 200);
}

export async function restartPostgres(): Promise<void> {
  const r = sh('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart');
  if (r.status !== 0) throw new Error(`pg restart failed: ${r.stderr}`);
  await waitFor('postgres', async () => sh('pg_isready -h 127.0.0.1 -p 5432 -q').status === 0, 60_000, 200);
}

/** Makes sure PostgreSQL runs (a failed restart must not leave it down). */
export async function ensurePostgres(): Promise<void> {
  if (sh('pg_isready -h 127.0.0.1 -p 5432 -q').status === 0) return;
  sh('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
  await waitFor('postgres', async () => sh('pg_isready -h 127.0.0.1 -p 5432 -q').status === 0, 60_000, 200);
}
