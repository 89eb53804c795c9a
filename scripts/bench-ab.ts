/**
 * Paired A/B in one process, for a machine other work shares: two source trees (e.g. the `a/` and `b/`
 * that `node scripts/bench-compare.mjs … --keep` leaves) loaded side by side over one PGlite database
 * and called alternately (A B B A …), so load drift hits both sides alike. Prints one JSON line with
 * the medians of each side and B / A:
 * - ingest_changed_ms / ingest_unchanged_ms: a 20,000-row history CSV through each tree's HTTP route
 *   (buildApp + inject), every value changed, then the same file again (all unchanged);
 * - targets_cold_ms / targets_warm_ms: scopeTargets for 10,000 people (cache emptied, then cached);
 *   targets_cold_cpu_ms: the cold call's CPU time (this process's: PGlite and the helper thread included);
 * - targets_warm_only_ms / targets_warm_only_cpu_ms: the cached path alone, 6 × pairs times, wall and
 *   this process's CPU time (PGlite runs inside it).
 *
 * Each tree's forecasting helper thread is started first, as the server does.
 *
 *   node --import tsx scripts/bench-ab.ts <tree-a> <tree-b> [pairs, default 10] [--targets-only]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Tree = {
  app: typeof import('../src/app.js');
  jobs: typeof import('../src/jobs/index.js');
  targets: typeof import('../src/kpi/targets.js');
  parallel: typeof import('../src/baselines/parallel.js');
};
const targetsOnly = process.argv.includes('--targets-only');
const [dirA, dirB, pairsArg] = process.argv.slice(2).filter((a) => a !== '--targets-only');
if (!dirA || !dirB) {
  console.error('usage: node --import tsx scripts/bench-ab.ts <tree-a> <tree-b> [pairs]');
  process.exit(2);
}
const PAIRS = Number(pairsArg ?? 10);
const load = async (dir: string): Promise<Tree> => {
  const src = path.resolve(dir, 'src');
  return {
    app: await import(`${src}/app.js`),
    jobs: await import(`${src}/jobs/index.js`),
    targets: await import(`${src}/kpi/targets.js`),
    parallel: await import(`${src}/baselines/parallel.js`),
  };
};
const trees = { A: await load(dirA), B: await load(dirB) };
// set-up with this checkout's code: both trees read the same tables (no migration differs)
const { openDb } = await import('../src/db/index.js');
const { loadConfig } = await import('../src/config.js');
const { createKeyRepository } = await import('../src/auth/keys.js');
const { refreshStatistics, trainScope } = await import('../src/kpi/train.js');
const { seedEvents } = await import('../src/kpi/calendar.js');
const { defaultPromotionCalendar } = await import('../src/demo/index.js');
const { parsePeriod, shiftPeriod } = await import('../src/history/period.js');

const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-bench-ab-'));
const config = loadConfig({ KPI_DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', KPI_DEMO: 'false' });
const db = await openDb(config);
const headers = { authorization: `Bearer ${(await createKeyRepository(db).create('ab', ['admin'])).key}` };
const apps = {
  A: await trees.A.app.buildApp({
    config,
    db,
    queue: trees.A.jobs.createInlineQueue({ db, config, processors: {} }),
    logger: false,
  }),
  B: await trees.B.app.buildApp({
    config,
    db,
    queue: trees.B.jobs.createInlineQueue({ db, config, processors: {} }),
    logger: false,
  }),
};
const sides = ['A', 'B'] as const;
type Side = (typeof sides)[number];
const order = (i: number): readonly Side[] => (i % 2 ? ['B', 'A'] : ['A', 'B']);
const times: Record<string, number[]> = {};
const record = (k: string, v: number) => {
  (times[k] ??= []).push(v);
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[xs.length >> 1]!;

// ingest: 1,000 people × 20 weeks of gmv
const people = Array.from({ length: 1000 }, (_, i) => ({ id: `P${i}`, role: 'sales_ops' }));
await apps.A.inject({ method: 'POST', url: '/v1/employees', headers, payload: people });
let shift = 0;
const csv = () => {
  shift++;
  const lines = ['employee_id,metric_id,period,value'];
  for (let i = 0; i < 20_000; i++)
    lines.push(`P${i % 1000},gmv,2025-W${String(1 + Math.floor(i / 1000)).padStart(2, '0')},${i + shift}`);
  return lines.join('\n');
};
async function ingest(side: Side): Promise<void> {
  const payload = csv();
  const upload = async (what: string, expect: (c: Record<string, number>) => boolean) => {
    const t = performance.now();
    const r = await apps[side].inject({
      method: 'POST',
      url: '/v1/history',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload,
    });
    record(`${what}.${side}`, performance.now() - t);
    if (r.statusCode !== 200 || !expect(r.json())) throw new Error(`${side}: ${r.body}`);
  };
  await upload('ingest_changed_ms', (c) => c.inserted! + c.updated! === 20_000);
  await upload('ingest_unchanged_ms', (c) => c.unchanged === 20_000);
}
if (!targetsOnly) {
  for (const side of sides) await ingest(side); // warm-up
  for (let i = 0; i < PAIRS; i++) for (const side of order(i)) await ingest(side);
}
for (const side of sides) await trees[side].parallel.forecastThreadReady();

// targets: 10,000 product_ops, 12 quarters (as bench/targets.ts), trained once
const KEY = { role: 'product_ops', metric: 'order_handling_time', kind: 'quarter' } as const;
const quarters = Array.from({ length: 12 }, (_, i) => shiftPeriod(parsePeriod('2023-Q4')!, i));
const NEXT = shiftPeriod(quarters.at(-1)!, 1);
const ids = Array.from({ length: 10_000 }, (_, i) => `B${String(i).padStart(6, '0')}`);
await db.query(
  `insert into employees (id, role_id, team, hire_date) select id, 'product_ops', 'bench', '2020-01-01' from unnest($1::text[]) as t(id)`,
  [ids],
);
await seedEvents(db, defaultPromotionCalendar(2023, 2027));
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const rows: [string[], string[], string[], number[]] = [[], [], [], []];
ids.forEach((id, i) => {
  if (i % 50 === 0) return; // new hires without history
  const level = 12 + 10 * rnd();
  quarters.forEach((q, t) => {
    rows[0].push(id);
    rows[1].push(q.id);
    rows[2].push(q.start);
    rows[3].push(level * (q.index === 4 ? 1.4 : 1) * (1 + 0.08 * (rnd() - 0.5)) * Math.exp(0.005 * t));
  });
});
await db.query(
  `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source)
   select e, $5, p, 'quarter', s, v, 'bench' from unnest($1::text[], $2::text[], $3::date[], $4::float8[]) as t(e, p, s, v)`,
  [...rows, KEY.metric],
);
await refreshStatistics(db);
await trainScope(db, KEY, { network: false });
async function targets(side: Side): Promise<string> {
  await db.query('delete from baseline_forecast_cache');
  const c = cpuMs();
  let t = performance.now();
  await trees[side].targets.scopeTargets(db, KEY, NEXT);
  record(`targets_cold_ms.${side}`, performance.now() - t);
  record(`targets_cold_cpu_ms.${side}`, cpuMs() - c);
  t = performance.now();
  const warm = await trees[side].targets.scopeTargets(db, KEY, NEXT);
  record(`targets_warm_ms.${side}`, performance.now() - t);
  return JSON.stringify(warm);
}
if ((await targets('A')) !== (await targets('B'))) throw new Error('A and B answer different targets');
for (let i = 0; i < PAIRS; i++) for (const side of order(i)) await targets(side);
for (let i = 0; i < 6 * PAIRS; i++)
  for (const side of order(i)) {
    const c = cpuMs();
    const t = performance.now();
    await trees[side].targets.scopeTargets(db, KEY, NEXT);
    record(`targets_warm_only_ms.${side}`, performance.now() - t);
    record(`targets_warm_only_cpu_ms.${side}`, cpuMs() - c);
  }

const out: Record<string, unknown> = { pairs: PAIRS, load_1m: Number(os.loadavg()[0]!.toFixed(2)) };
for (const k of [
  'ingest_changed_ms',
  'ingest_unchanged_ms',
  'targets_cold_ms',
  'targets_cold_cpu_ms',
  'targets_warm_ms',
  'targets_warm_only_ms',
  'targets_warm_only_cpu_ms',
]) {
  if (targetsOnly && k.startsWith('ingest')) continue;
  const n = k.includes('only') ? 6 * PAIRS : PAIRS;
  const [a, b] = [median(times[`${k}.A`]!.slice(-n)), median(times[`${k}.B`]!.slice(-n))];
  out[k] = { A: Math.round(a * 10) / 10, B: Math.round(b * 10) / 10, ratio: Math.round((b / a) * 1000) / 1000 };
}
console.log(JSON.stringify(out));
await apps.A.close();
await apps.B.close();
await db.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
