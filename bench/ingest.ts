/**
 * `npm run bench:ingest -- [--json] [--rows N] [--backend pglite|postgres|both]`
 * Imports N history rows (default 100,000) as one CSV upload through the HTTP route
 * (parse → validate → reference checks → upsert in one transaction), on PGlite and on
 * PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, a throw-away schema).
 * Prints one JSON line per backend: {"backend","rows","rows_per_s","seconds","repeat_rows_per_s"}.
 */
import { parseArgs } from 'node:util';
import { scratchDb } from './scratch.js';
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
    const first = await upload();
    const again = await upload();
    if (first.result.inserted !== ROWS || again.result.unchanged !== ROWS)
      throw new Error(`unexpected counts ${JSON.stringify([first.result, again.result])}`);
    await app.close();
    return {
      backend,
      rows: ROWS,
      rows_per_s: Math.round(ROWS / first.s),
      seconds: Number(first.s.toFixed(3)),
      repeat_rows_per_s: Math.round(ROWS / again.s),
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
      : `${r.backend}: ${r.rows} rows in ${r.seconds} s = ${r.rows_per_s} rows/s (repeat, all unchanged: ${r.repeat_rows_per_s} rows/s)`,
  );
}
