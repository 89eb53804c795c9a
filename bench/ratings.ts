/**
 * `npm run bench:ratings -- [--json] [--reviews N] [--agents N] [--duration S] [--connections C] [--keep]`
 * On PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, a throw-away schema):
 *  1. stores N synthetic scored reviews (default 1,000,000) across A agents (default 5,000) in 2026-Q1,
 *     written by generate_series in SQL (1–2 aspects each, P(positive) tied to a per-agent quality);
 *  2. times a full recompute of the quarter (the quarter, its 3 months and 14 ISO weeks);
 *  3. serves the app on a local port and reads single agents' quarter ratings with autocannon
 *     (random agents, C connections, S seconds), reporting the p99 latency.
 * Prints {"reviews","agents","recompute_s","p99_ms", …}.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { PG_URL, scratchDb } from './scratch.js';
import { buildApp } from '../src/app.js';
import { createKeyRepository } from '../src/auth/keys.js';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/types.js';
import { createInlineQueue } from '../src/jobs/index.js';
import { periodsWithin, recomputeRatings } from '../src/ratings/recompute.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reviews: { type: 'string', default: '1000000' },
    agents: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
interface CannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
}
type CannonRequest = { method: string; path: string; headers?: Record<string, string> };
/** autocannon ships no types; the part used here */
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  workers?: number;
  /** a function, or in workers mode the absolute path of a module exporting it */
  requests: Array<{ method: string; setupRequest: string | ((req: CannonRequest) => CannonRequest) }>;
}) => Promise<CannonResult>;

const REVIEWS = Number(values.reviews);
const AGENTS = Number(values.agents);
const QUARTER = '2026-Q1';
const log = (msg: string) => {
  if (!values.json) console.log(msg);
};

const agentId = (i: string) => `'BA' || lpad((${i})::text, 5, '0')`;

async function seed(db: Db): Promise<void> {
  await db.query(
    `insert into employees (id, role_id, team) select ${agentId('i')}, 'cs_agent', 'team' || (i % 50) from generate_series(1, $1) as i`,
    [AGENTS],
  );
  await db.query(`select setseed(0.42)`);
  const CHUNK = 100_000;
  for (let from = 1; from <= REVIEWS; from += CHUNK) {
    const to = Math.min(REVIEWS, from + CHUNK - 1);
    await db.query(
      `with s as (
         select i, 1 + (i::int8 * 7919) % $3 as a, random() as u1, random() as u2, random() as u3, random() as u4, random() as u5, random() as u6, random() as u7
         from generate_series($1::int, $2::int) as i
       ), t as (
         select *, 0.55 + 0.4 * ((a * 37) % 101) / 100.0 as q,
           (array['chat', 'after_sales', 'product_review'])[1 + floor(u1 * 3)::int] as channel,
           timestamptz '2026-01-01 00:00:00+00' + (u2 * 90 * 86400) * interval '1 second' as created_at
         from s
       ), v as (
         select *,
           case when u3 < 0.6 then (array['service_attitude', 'response_speed', 'returns_handling'])[1 + floor(u4 * 3)::int]
                when u3 < 0.9 then (array['logistics', 'product_quality', 'price', 'packaging'])[1 + floor(u4 * 4)::int] end as aspect,
           case when u6 < 0.4 then (array['logistics', 'product_quality', 'price', 'packaging'])[1 + floor(u7 * 4)::int] end as aspect2,
           case when u5 < q then 0.8 + 0.19 * u4 else 0.02 + 0.2 * u4 end as prob
         from t
       )
       insert into reviews (id, agent_id, order_id, channel, text, rating, created_at, replied_at, language, sentiment_label, sentiment_probability, sentiment_model, aspects, scored_at)
       select 'BR' || i, ${agentId('a')}, null, channel, 'synthetic review ' || i, case when prob < 0.3 then 1 + floor(u7 * 2)::int else 4 + floor(u7 * 2)::int end,
         created_at, case when u6 < 0.85 then created_at + (u7 * 40) * interval '1 hour' end,
         case when u1 < 0.85 then 'zh' else 'en' end,
         case when prob > 0.6 then 'positive' when prob < 0.4 then 'negative' else 'neutral' end, prob,
         case when u1 < 0.85 then 'sentiment-zh@bench' else 'sentiment-en@bench' end,
         (select coalesce(jsonb_agg(jsonb_build_object('aspect', x.k, 'agentControllable', x.k in ('service_attitude', 'response_speed', 'returns_handling'),
             'sentiment', case when x.p > 0.6 then 'positive' when x.p < 0.4 then 'negative' else 'neutral' end, 'probability', x.p,
             'span', jsonb_build_object('start', 0, 'end', 9, 'text', 'synthetic'))), '[]'::jsonb)
          from (values (aspect, prob), (aspect2, 0.3 + 0.6 * u5)) as x(k, p) where x.k is not null),
         now()
       from v`,
      [from, to, AGENTS],
    );
    log(`  stored ${to.toLocaleString('en')} reviews`);
  }
  await db.exec('analyze reviews; analyze employees;');
}

async function main() {
  const scratch = await scratchDb('ratings', 'postgres');
  const { db, dir, schema } = scratch;
  try {
    log(
      `seeding ${REVIEWS.toLocaleString('en')} reviews across ${AGENTS.toLocaleString('en')} agents on PostgreSQL (schema ${schema})`,
    );
    let t0 = performance.now();
    await seed(db);
    const seedS = (performance.now() - t0) / 1000;
    log(`  seeded in ${seedS.toFixed(1)} s`);

    const periods = periodsWithin(QUARTER);
    t0 = performance.now();
    const first = await recomputeRatings(db, { periods });
    const recomputeS = (performance.now() - t0) / 1000;
    log(
      `full recompute of ${QUARTER} (${periods.length} periods, ${first.priors} role priors): ${recomputeS.toFixed(2)} s`,
    );
    t0 = performance.now();
    const again = await recomputeRatings(db, { periods });
    const againS = (performance.now() - t0) / 1000;
    log(`  again (nothing changed, ${again.updated} rows rewritten): ${againS.toFixed(2)} s`);
    const rows = Number((await db.query<{ c: number }>('select count(*)::int8 as c from agent_ratings')).rows[0]!.c);
    // steady state for the reads: what autovacuum would do next anyway, done before the clock starts
    await db.exec('vacuum analyze agent_ratings');
    const load = os.loadavg()[0]!;

    const config = loadConfig({
      KPI_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: '100000000',
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      KPI_DEMO: 'false',
    });
    const app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const { key } = await createKeyRepository(db).create('bench', ['scorer']);
    const check = await fetch(`http://127.0.0.1:${port}/v1/ratings/agents/BA00001?period=${QUARTER}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (check.status !== 200) throw new Error(`rating read failed: ${check.status} ${await check.text()}`);
    process.env.BENCH_RATINGS_AGENTS = String(AGENTS);
    process.env.BENCH_RATINGS_QUARTER = QUARTER;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: Number(values.connections),
      duration: Number(values.duration),
      headers: { authorization: `Bearer ${key}` },
      // the clients run in a worker thread, so the server's event loop serves requests only
      workers: 1,
      requests: [{ method: 'GET', setupRequest: fileURLToPath(new URL('./ratings-request.cjs', import.meta.url)) }],
    });
    await app.close();
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`rating reads failed: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const out = {
      reviews: REVIEWS,
      agents: AGENTS,
      recompute_s: Number(recomputeS.toFixed(2)),
      p99_ms: result.latency.p99,
      periods: periods.length,
      rating_rows: rows,
      recompute_again_s: Number(againS.toFixed(2)),
      reads_per_s: Math.round(result.requests.average),
      p50_ms: result.latency.p50,
      connections: Number(values.connections),
      seed_s: Number(seedS.toFixed(1)),
      load_avg_1m: Number(load.toFixed(2)),
    };
    console.log(
      values.json
        ? JSON.stringify(out)
        : `single-agent rating reads: p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms, ${out.reads_per_s} req/s with ${out.connections} connections\n${JSON.stringify(out)}`,
    );
  } finally {
    await scratch.drop({ keep: values.keep });
  }
}

await main();
