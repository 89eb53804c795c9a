/**
 * `/live` answered by the HTTP server before Fastify (src/plugins/live-probe.ts), on a listening app:
 * the same bytes and headers as Fastify's own answer (what `app.inject` gets), counted in the metrics,
 * never seen by Fastify's hooks; every other form, and /live while draining, goes through Fastify.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createInlineQueue } from '../../src/jobs/index.js';
import { SECURITY_HEADERS } from '../../src/plugins/security-headers.js';
import { drainAndClose } from '../../src/server.js';
import { describeEachBackend } from '../helpers/db.js';

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(port: number, path: string, method = 'GET', agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers an answer's own code chose (not the connection's, which Node writes). */
function chosen(headers: Record<string, unknown>) {
  const { date: _d, connection: _c, 'keep-alive': _k, ...rest } = headers;
  return rest;
}

/** kpi_http_requests_total of GET|HEAD /live 200. */
async function liveCount(app: FastifyInstance, method: 'GET' | 'HEAD'): Promise<number> {
  const text = await app.metrics.registry.getSingleMetricAsString('kpi_http_requests_total');
  const m = new RegExp(`^kpi_http_requests_total\\{method="${method}",route="/live",status="200"\\} (\\d+)$`, 'm').exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

describeEachBackend('/live before Fastify', (get) => {
  let app: FastifyInstance;
  let port: number;
  /** the /live requests Fastify's hooks saw, by URL */
  const seen: string[] = [];
  beforeAll(async () => {
    const { db } = get();
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' });
    app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
    // onResponse: the hook that runs for every answer Fastify sends, /live's first-hook answer included
    app.addHook('onResponse', (request, _reply, done) => {
      if (request.url.startsWith('/live')) seen.push(`${request.method} ${request.url}`);
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    if (app.server.listening) await app.close();
  });

  it("answers GET and HEAD /live with Fastify's bytes and headers, without Fastify", async () => {
    const fast = await request(port, '/live');
    const viaFastify = await app.inject({ url: '/live' });
    expect(fast.status).toBe(200);
    expect(fast.body).toBe('{"status":"ok"}');
    expect(fast.body).toBe(viaFastify.body);
    expect(chosen(fast.headers)).toEqual(chosen(viaFastify.headers));
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(fast.headers[name]).toBe(value);
    expect(fast.headers['content-type']).toBe('application/json; charset=utf-8');

    const head = await request(port, '/live', 'HEAD');
    const headViaFastify = await app.inject({ method: 'HEAD', url: '/live' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(chosen(head.headers)).toEqual(chosen(headViaFastify.headers));
    // the inject went through Fastify's hooks; the two requests over the socket did not
    expect(seen).toEqual(['GET /live', 'HEAD /live']);
  });

  it('leaves every other form to Fastify, on the same keep-alive connection', async () => {
    seen.length = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [
        await request(port, '/live', 'GET', agent),
        await request(port, '/live?verbose=1', 'GET', agent),
        await request(port, '/live', 'GET', agent),
        await request(port, '/ready', 'GET', agent),
        await request(port, '/live', 'POST', agent),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 400, 200, 200, 404]);
      expect(answers[0]!.headers.connection).toBe('keep-alive');
      // the query string goes to the route, whose strict query schema refuses it
      expect(answers[1]!.headers['content-type']).toContain('application/problem+json');
      expect(seen).toEqual(['GET /live?verbose=1', 'POST /live']);
    } finally {
      agent.destroy();
    }
  });

  it('counts each answer in kpi_http_requests_total, as Fastify does', async () => {
    const before = { get: await liveCount(app, 'GET'), head: await liveCount(app, 'HEAD') };
    for (let i = 0; i < 5; i++) expect((await request(port, '/live')).status).toBe(200);
    expect((await request(port, '/live', 'HEAD')).status).toBe(200);
    expect((await app.inject({ url: '/live' })).statusCode).toBe(200);
    expect(await liveCount(app, 'GET')).toBe(before.get + 6);
    expect(await liveCount(app, 'HEAD')).toBe(before.head + 1);
  });

  it('while draining, /live goes through Fastify and asks the client to close; refused once closed', async () => {
    seen.length = 0;
    const closing = drainAndClose(app, { drainMs: 400, graceMs: 1000 });
    const during = await request(port, '/live');
    expect(during.status).toBe(200);
    expect(during.body).toBe('{"status":"ok"}');
    expect(during.headers.connection).toBe('close');
    expect(during.headers['x-frame-options']).toBe(SECURITY_HEADERS['x-frame-options']);
    expect(seen).toEqual(['GET /live']);
    await closing;
    await expect(request(port, '/live')).rejects.toThrow(/ECONNREFUSED/);
  });
});
