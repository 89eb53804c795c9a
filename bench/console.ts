/**
 * `npm run bench:console -- [--json] [--n N] [--backend pglite|postgres] [--keep]`
 * (`--desk`: the HR target desk for 10,000 people instead, bench/console-desk.ts)
 * Server time per console page on the demo (the one `npm start` loads: 300 people, three years,
 * ≈31,000 reviews scored, every rating computed), on PGlite by default as `npm start` runs:
 *  - the ratings leaderboard of the last complete quarter (role cs_agent, 25 rows, sorted by score);
 *  - an agent's page (quarters; rating history and reviews charts, aspect breakdown, SLA history,
 *    20 reviews behind the latest rating re-scored with explanations), cycling through the agents so
 *    the chart cache does not answer; and the same agent's page again and again (`agent_again`: charts
 *    from the LRU of rendered charts).
 * Requests go through Fastify's inject with a signed-in session (no network), N timed per page after
 * a warm-up; an anchor in the same run: the API's GET /v1/ratings of the same quarter.
 * Prints {"n","quarter","leaderboard":{"p50_ms","p99_ms","max_ms","cpu_ms"},"agent":{…},"agent_again":{…},"api_ratings":{…},
 * "load_avg"}; goal p99 ≤ 150 ms. `cpu_ms` is the process's CPU time per request (mean, all threads):
 * on this shared machine the steadier figure, since wall times grow with the load average.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';

// `--desk`: HR's target desk for a role of 10,000 people (console part 2): bench/console-desk.ts
if (process.argv.includes('--desk')) {
  await import('./console-desk.js');
  process.exit(0);
}

import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { createInlineQueue } from '../src/jobs/index.js';
import { prepareData } from '../src/setup.js';
import { scratchDb } from './scratch.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    n: { type: 'string', default: '200' },
    backend: { type: 'string', default: 'pglite' },
    keep: { type: 'boolean', default: false },
    desk: { type: 'boolean', default: false },
    /** a PGlite data directory to keep the demo in between runs (loaded on the first) */
    data: { type: 'string' },
  },
});
const N = Number(values.n);
const log = (msg: string) => {
  if (!values.json) console.log(msg);
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const summary = ({ ms: xs, cpu }: { ms: number[]; cpu: number }) => ({
  p50_ms: Math.round(quantile(xs, 0.5) * 10) / 10,
  p99_ms: Math.round(quantile(xs, 0.99) * 10) / 10,
  max_ms: Math.round(Math.max(...xs) * 10) / 10,
  cpu_ms: Math.round((cpu / xs.length) * 10) / 10,
});

async function main() {
  const scratch = values.data
    ? {
        db: await openDb({ dataDir: values.data, databaseUrl: undefined, databaseSchema: 'public' }),
        dir: values.data,
        async drop() {
          await this.db.close();
        },
      }
    : await scratchDb('console', values.backend === 'postgres' ? 'postgres' : 'pglite');
  const { db } = scratch;
  await migrate(db);
  const config = loadConfig({ KPI_DATA_DIR: scratch.dir, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000' });
  const app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
  await app.ready();
  const { services } = app;
  const started = Date.now();
  await services.models.registerShipped();
  const setup = await prepareData(db, config, { info: () => undefined }, services.sentiment);
  log(
    `demo: ${setup.summary}; ${setup.scored} reviews scored, ${setup.ratings} ratings (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );

  // sign in as a quality lead
  const { key } = await services.keys.create('bench lead', ['cs_lead']);
  const login = await app.inject({ url: '/login' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
  const loginCookie = (login.cookies as { name: string; value: string }[]).find((c) => c.name === 'kpi_login_csrf')!;
  const signed = await app.inject({
    method: 'POST',
    url: '/login',
    payload: new URLSearchParams({ _csrf: csrf, key }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kpi_login_csrf=${loginCookie.value}` },
  });
  const session = (signed.cookies as { name: string; value: string }[]).find((c) => c.name === 'kpi_session')!;
  const cookie = `kpi_session=${session.value}`;

  const quarters = (await services.console.periods()).quarter;
  const quarter = quarters[1] ?? quarters[0]!; // the newest may be the quarter still running
  const agents = (
    await services.reviews.listRatings({ period: quarter, role: 'cs_agent', limit: 1000, offset: 0 })
  ).items.map((r) => r.agent_id);

  async function time(
    url: (i: number) => string,
    headers: Record<string, string>,
  ): Promise<{ ms: number[]; cpu: number }> {
    const out: number[] = [];
    let c0 = process.cpuUsage();
    for (let i = -10; i < N; i++) {
      if (i === 0) c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await app.inject({ url: url(i), headers });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`${url(i)} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
      if (i >= 0) out.push(ms);
    }
    const c = process.cpuUsage(c0);
    return { ms: out, cpu: (c.user + c.system) / 1000 };
  }

  const leaderboard = await time(() => `/ratings?kind=quarter&period=${quarter}&role=cs_agent`, { cookie });
  const agent = await time((i) => `/ratings/agents/${agents[(i + 10) % agents.length]}?kind=quarter`, { cookie });
  // a lead coming back to an agent: the charts come from the LRU of rendered charts
  const agentAgain = await time(() => `/ratings/agents/${agents[0]}?kind=quarter`, { cookie });
  const apiRatings = await time(() => `/v1/ratings?period=${quarter}&role=cs_agent&limit=25`, {
    authorization: `Bearer ${key}`,
  });
  const result = {
    backend: db.kind,
    n: N,
    quarter,
    agents: agents.length,
    leaderboard: summary(leaderboard),
    agent: summary(agent),
    agent_again: summary(agentAgain),
    api_ratings: summary(apiRatings),
    goal_p99_ms: 150,
    load_avg: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
  console.log(JSON.stringify(result));
  await app.close();
  await scratch.drop({ keep: values.keep });
  if (values.data) log(`demo kept in ${values.data}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
