/**
 * `npm run bench:ingest -- [--json] [--rows N] [--backend pglite|postgres|both]`
 * Imports N history rows (default 100,000) as one CSV upload through the HTTP route
 * (parse → validate → reference checks → upsert in one transaction), on PGlite and on
 * PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, a throw-away schema).
 * Prints one JSON line per backend: {"backend","rows","rows_per_s","seconds","repeat_rows_per_s"}; on
 * PostgreSQL also the anchor of the same run — the server's own COPY of the same CSV into a staging
 * table followed by one upsert, on an emptied table, over one connection (no parsing or validation in
 * Node) — as `anchor_rows_per_s` and `of_anchor` (the service's first import / the anchor; goal ≥ 0.7).
 * CPU seconds of this process (`cpu_s`) are printed beside the wall-clock figures.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PG_URL, scratchDb } from './scratch.js';
import { buildApp } from '../src/app.js';
import { createKeyRepository } from '../src/auth/keys.js';
import { loadConfig } from '../src/config.js';
import { createInlineQueue } from '../src/jobs/index.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rows: { type: 'string', default: '100000' },
    backend: { type: 'string', default: 'both' },
  },
});
const ROWS = Number(values.rows);
const PEOPLE = 1000;

function csv(): string {
  const metrics = ['gmv', 'conversion_rate', 'aov', 'visitors'];
  const lines = ['employee_id,metric_id,period,value'];
  for (let i = 0; i < ROWS; i++) {
    const person = i % PEOPLE;
    const k = Math.floor(i / PEOPLE);
    const metric = metrics[k % metrics.length]!;
    const week = Math.floor(k / metrics.length);
    const period = `${2020 + Math.floor(week / 52)}-W${String((week % 52) + 1).padStart(2, '0')}`;
    lines.push(
      `B${person},${metric},${period},${metric === 'conversion_rate' ? ((i % 97) / 1000).toFixed(4) : (100 + (i % 5000) * 1.5).toFixed(2)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The anchor: COPY of the CSV into a staging table (the server parses it), then the service's upsert
 * statement from it, in one transaction, into `schema`'s emptied kpi_history. Seconds, wall clock.
 */
async function copyAnchor(schema: string, body: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('truncate kpi_history');
    const t0 = performance.now();
    await client.query('begin');
    await client.query(
      'create temp table stage (employee_id text, metric_id text, period text, value float8) on commit drop',
    );
    await pipeline(
      Readable.from([body]),
      client.query(copyFrom('copy stage from stdin with (format csv, header true)')),
    );
    // the period's kind and start from its id, as the service stores them (ISO weeks here)
    await client.query(
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source)
       select employee_id, metric_id, period, 'week', to_date(period, 'IYYY-"W"IW'), value, 'api' from stage
       on conflict (employee_id, metric_id, period) do update set value = excluded.value, source = excluded.source,
         covered_days = null, total_days = null, updated_at = now()
       where kpi_history.value is distinct from excluded.value or kpi_history.covered_days is not null`,
    );
    await client.query('commit');
    return (performance.now() - t0) / 1000;
  } finally {
    await client.end();
  }
}

async function run(backend: 'pglite' | 'postgres', body: string) {
  const scratch = await scratchDb('ingest', backend);
  const { db, dir } = scratch;
  try {
    const config = loadConfig({ KPI_DATA_DIR: dir, LOG_LEVEL: 'silent', BODY_LIMIT: '256mb' });
    const app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
    await app.ready();
    const { key } = await createKeyRepository(db).create('bench', ['hr']);
    const headers = { authorization: `Bearer ${key}` };
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ id: `B${i}`, role: 'sales_ops' }));
    await app.inject({ method: 'POST', url: '/v1/employees', payload: people, headers });
    const upload = async () => {
      const t0 = performance.now();
      const r = await app.inject({
        method: 'POST',
        url: '/v1/history',
        payload: body,
        headers: { ...headers, 'content-type': 'text/csv' },
      });
      const s = (performance.now() - t0) / 1000;
      if (r.statusCode !== 200) throw new Error(`import failed: ${r.statusCode} ${r.body.slice(0, 500)}`);
      return { s, result: r.json() as { inserted: number; unchanged: number } };
    };
    const cpu0 = process.cpuUsage();
    const first = await upload();
    const cpu = process.cpuUsage(cpu0);
    const again = await upload();
    if (first.result.inserted !== ROWS || again.result.unchanged !== ROWS)
      throw new Error(`unexpected counts ${JSON.stringify([first.result, again.result])}`);
    await app.close();
    const anchor = backend === 'postgres' ? await copyAnchor(scratch.schema, body) : null;
    return {
      backend,
      rows: ROWS,
      rows_per_s: Math.round(ROWS / first.s),
      seconds: Number(first.s.toFixed(3)),
      cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      repeat_rows_per_s: Math.round(ROWS / again.s),
      ...(anchor === null
        ? {}
        : { anchor_rows_per_s: Math.round(ROWS / anchor), of_anchor: Number((anchor / first.s).toFixed(2)) }),
    };
  } finally {
    await scratch.drop();
  }
}

const body = csv();
const which = values.backend === 'both' ? (['pglite', 'postgres'] as const) : [values.backend as 'pglite' | 'postgres'];
for (const backend of which) {
  const r = await run(backend, body);
  console.log(
    values.json
      ? JSON.stringify(r)
      : `${r.backend}: ${r.rows} rows in ${r.seconds} s = ${r.rows_per_s} rows/s, ${r.cpu_s} CPU s (repeat, all unchanged: ${r.repeat_rows_per_s} rows/s)${
          'anchor_rows_per_s' in r ? `; COPY anchor ${r.anchor_rows_per_s} rows/s → ${r.of_anchor} of it` : ''
        }`,
  );
}
