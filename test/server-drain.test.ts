/**
 * Graceful drain (src/server.ts drainAndClose) on a listening server: /ready turns 503 while the
 * listener still serves, a request whose body is still arriving finishes and is stored, the running
 * in-process job finishes, and only then does the listener refuse connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateDemo } from '../src/demo/index.js';
import { createInlineQueue, type JobStatus } from '../src/jobs/index.js';
import { drainAndClose } from '../src/server.js';
import { createKeyRepository } from '../src/auth/keys.js';
import { describeEachBackend } from './helpers/db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request over a fresh connection (no keep-alive), answered status and body. */
function request(
  port: number,
  path: string,
  opts: {
    method?: string;
    headers?: Record<string, string> /** the caller writes the body and ends */;
    open?: boolean;
  } = {},
): { req: http.ClientRequest; done: Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> } {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    agent: false,
  });
  const done = new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
  if (!opts.open) req.end();
  return { req, done };
}

describeEachBackend('graceful drain', (get) => {
  it('readiness false before the listener closes; in-flight request and job finish; then connections refused', async () => {
    const { db } = get();
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' });
    let jobFinished = 0;
    // a job that takes a second: the drain must wait for it (the kind is the test's own)
    const queue = createInlineQueue({
      db,
      config,
      processors: {
        drain_probe: async () => {
          await sleep(1000);
          jobFinished = Date.now();
          return { slept_ms: 1000 };
        },
      },
    });
    const app = await buildApp({ config, db, queue, logger: false });
    const { key } = await createKeyRepository(db).create('drain', ['hr']);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    let listenerClosed = 0;
    app.server.on('close', () => (listenerClosed = Date.now()));

    expect((await request(port, '/ready').done).status).toBe(200);
    const people = generateDemo({ seed: 11, people: 6, endDate: '2026-11-22' }).employees.map((e) => ({
      ...e,
      id: `drain-${e.id}`,
    }));
    const body = JSON.stringify(people);
    // an upload whose body is still arriving when the drain starts
    const upload = request(port, '/v1/employees', {
      method: 'POST',
      open: true,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    upload.req.write(body.slice(0, 20));
    await queue.submit('drain_probe', {}, { jobId: 'drain-probe-1' });
    await sleep(100); // the job is running

    const closing = drainAndClose(app, { drainMs: 700, graceMs: 5000 });
    // readiness is false at once, answered by the listener that still accepts connections
    const ready = await request(port, '/ready').done;
    const readyAt = Date.now();
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false, closing: true });
    expect(ready.headers.connection).toBe('close');
    // liveness and ordinary requests are still served during the drain
    expect((await request(port, '/live').done).status).toBe(200);
    expect(listenerClosed).toBe(0);

    await sleep(900); // past the drain: the listener is closing, the upload still in flight
    upload.req.end(body.slice(20));
    const answered = await upload.done;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ inserted: people.length });

    await closing;
    expect(listenerClosed).toBeGreaterThan(readyAt);
    expect(jobFinished).toBeGreaterThan(0);
    const job = (await queue.get('drain-probe-1')) as JobStatus;
    expect(job.state).toBe('completed');
    const stored = await db.query<{ n: number }>(`select count(*)::int as n from employees where id like 'drain-%'`);
    expect(stored.rows[0]!.n).toBe(people.length);
    await expect(request(port, '/live').done).rejects.toThrow(/ECONNREFUSED/);
  });
});
