/**
 * `npm run bench:console -- --desk [--json] [--people N] [--n N] [--backend pglite|postgres]`
 * Server time of HR's target desk (console part 2) for one role of N people (default 10,000
 * product_ops, quarterly order handling time, 12 quarters of history as bench:targets seeds it),
 * a model trained without the network, through Fastify's inject with a signed-in hr session:
 *  - anchor_live: `GET /live` through the same inject (what any request costs here), the run's anchor;
 *  - first_page: /targets of the next quarter, first page (50 rows, by employee id), its stored table
 *    in place (src/kpi/desk-store.ts, migration 022: one row a person, the page cut in SQL; what every
 *    request after the first reads until a write; the warm-up's store is waited for before the samples);
 *  - first_page_unstored: the same with the stored tables and answers emptied before each request
 *    (R = 5), the forecasts cached (as after training, which warms the next period): the table is built
 *    from the cached forecasts in the request and answered from memory, then stored after the answer
 *    (the run waits for that store before emptying the tables again);
 *  - next_page_unstored: the second page asked right after each of those, without waiting: on PGlite
 *    (one connection) it waits behind the table's store, or is served from the table in memory;
 *  - first_page_cold / next_page_cold: the same with the forecast cache emptied too (R = 5): every
 *    forecast of the role computed in the request;
 *  - sorted: by target, descending, a page in the middle; search: part of an id;
 *  - export_csv / export_xlsx: the whole role (10,000 rows) with the same filters;
 *  - why: one person's "why this number".
 * `--profile FILE` writes a CPU profile (.cpuprofile) of the measures only, not of the set-up.
 * `--only a,b` runs those measures only (anchor_live, first_page, unstored, cold, sorted, search,
 * export, why), for alternated runs. Prints one JSON line; goals: first page p99 ≤ 300 ms, export of
 * 10,000 rows ≤ 2 s.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createInlineQueue } from '../src/jobs/index.js';
import { warmNextPeriod } from '../src/kpi/targets.js';
import { refreshStatistics, trainScope } from '../src/kpi/train.js';
import { scratchDb } from './scratch.js';
import { KEY, NEXT, seedRole } from './targets-seed.js';

const { values } = parseArgs({
  strict: false,
  options: {
    json: { type: 'boolean', default: false },
    people: { type: 'string', default: '10000' },
    n: { type: 'string', default: '50' },
    backend: { type: 'string', default: 'pglite' },
    only: { type: 'string' },
    profile: { type: 'string' },
  },
});
const ONLY = typeof values.only === 'string' ? new Set(values.only.split(',')) : null;
const runs = (measure: string) => !ONLY || ONLY.has(measure);
const PEOPLE = Number(values.people);
const N = Number(values.n);
const log = (m: string) => {
  if (!values.json) console.log(m);
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const summary = (xs: number[]) => ({
  n: xs.length,
  p50_ms: Math.round(quantile(xs, 0.5) * 10) / 10,
  p99_ms: Math.round(quantile(xs, 0.99) * 10) / 10,
  max_ms: Math.round(Math.max(...xs) * 10) / 10,
});

async function main() {
  const scratch = await scratchDb('console-desk', values.backend === 'postgres' ? 'postgres' : 'pglite');
  const { db } = scratch;
  try {
    const config = loadConfig({ KPI_DATA_DIR: scratch.dir, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000' });
    const app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
    await app.ready();
    // the role: as bench:targets loads it (bench/targets-seed.ts)
    await db.query(`update roles set cycle = 'quarter' where id = 'product_ops'`);
    const ids = await seedRole(db, PEOPLE);
    await refreshStatistics(db);
    const trained = await trainScope(db, KEY, { network: false });
    await warmNextPeriod(db, KEY);
    log(`seeded ${PEOPLE} people, trained in ${(trained.seconds ?? 0).toFixed(1)} s`);

    // sign in as hr
    const { key } = await app.services.keys.create('bench hr', ['hr']);
    const login = await app.inject({ url: '/login' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
    const lc = (login.cookies as { name: string; value: string }[]).find((c) => c.name === 'kpi_login_csrf')!;
    const signed = await app.inject({
      method: 'POST',
      url: '/login',
      payload: new URLSearchParams({ _csrf: csrf, key }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kpi_login_csrf=${lc.value}` },
    });
    const session = (signed.cookies as { name: string; value: string }[]).find((c) => c.name === 'kpi_session')!;
    const cookie = `kpi_session=${session.value}`;
    const base = `role=${KEY.role}&metric=${KEY.metric}&period=${NEXT.id}`;

    async function time(url: (i: number) => string, n: number, before?: () => Promise<void>, warm = 3) {
      const out: number[] = [];
      let bytes = 0;
      for (let i = -warm; i < n; i++) {
        if (before) await before();
        const t0 = performance.now();
        const res = await app.inject({ url: url(i), headers: { cookie } });
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) throw new Error(`${url(i)} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
        bytes = res.rawPayload.length;
        if (i >= 0) out.push(ms);
        // the table the warm-up built is stored after its answer: measure with it in place, not the
        // one request that waits behind that store (next_page_unstored measures that wait)
        else if (i === -1) await app.services.desk.settled?.();
      }
      return { ...summary(out), bytes };
    }
    /**
     * The first page with the tables emptied before each request (after the stores of the previous
     * one have settled: a table stored late must not answer the next), and the second page asked
     * right after it without waiting.
     */
    async function built(empty: string[], n: number) {
      const first: number[] = [];
      const next: number[] = [];
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        await app.services.desk.settled?.();
        for (const table of empty) await db.query(`delete from ${table}`);
        for (const [url, out] of [
          [`/targets?${base}`, first],
          [`/targets?${base}&page=2`, next],
        ] as const) {
          const t0 = performance.now();
          const res = await app.inject({ url, headers: { cookie } });
          out.push(performance.now() - t0);
          if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
          if (out === first) bytes = res.rawPayload.length;
        }
      }
      await app.services.desk.settled?.();
      return { first: { ...summary(first), bytes }, next: summary(next) };
    }
    const skipped = null;
    const profiler = typeof values.profile === 'string' ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const anchor = runs('anchor_live') ? await time(() => '/live', N) : skipped;
    const first = runs('first_page') ? await time(() => `/targets?${base}`, N) : skipped;
    const unstored = runs('unstored') ? await built(['desk_rows', 'desk_tables', 'read_results'], 5) : skipped;
    const cold = runs('cold')
      ? await built(['desk_rows', 'desk_tables', 'read_results', 'baseline_forecast_cache'], 5)
      : skipped;
    const sorted = runs('sorted')
      ? await time((i) => `/targets?${base}&sort=target&dir=desc&page=${100 + (i % 5)}`, N)
      : skipped;
    const search = runs('search') ? await time((i) => `/targets?${base}&q=B00${String(10 + (i % 80))}`, N) : skipped;
    const csv = runs('export')
      ? await time(() => `/targets/export.csv?${base}&sort=target&dir=desc`, 5, undefined, 1)
      : skipped;
    const xlsx = runs('export')
      ? await time(() => `/targets/export.xlsx?${base}&sort=target&dir=desc`, 5, undefined, 1)
      : skipped;
    const why = runs('why')
      ? await time((i) => `/targets/why?employee=${ids[1 + ((i + 40) % 40)]}&metric=${KEY.metric}&period=${NEXT.id}`, N)
      : skipped;
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(values.profile as string, JSON.stringify(profile));
      profiler.disconnect();
    }
    const out = {
      bench: 'console-desk',
      backend: db.kind,
      people: PEOPLE,
      period: NEXT.id,
      anchor_live: anchor,
      first_page: first,
      first_page_unstored: unstored?.first ?? null,
      next_page_unstored: unstored?.next ?? null,
      first_page_cold: cold?.first ?? null,
      next_page_cold: cold?.next ?? null,
      sorted,
      search,
      export_csv: csv,
      export_xlsx: xlsx,
      why,
      goal_first_page_p99_ms: 300,
      goal_export_ms: 2000,
      load: os.loadavg().map((x) => Number(x.toFixed(2))),
      cpus: os.cpus().length,
    };
    console.log(JSON.stringify(out));
    await app.close();
  } finally {
    await scratch.drop();
  }
}

await main();
