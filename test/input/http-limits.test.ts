/**
 * The HTTP layer over a real port (issue 20): slow-header, stalled-body and trickling clients are
 * closed with a 408 problem+json within the configured time; a 10 MB upload at normal speed, whose
 * answer takes longer than the body timeout to compute, still succeeds; idle keep-alive connections
 * are closed; 431, a malformed request and a bad URL answer problem+json. And no API key sent in a
 * URL or header appears in the log.
 */
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, logSink, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';

const TIMEOUTS = {
  HEADERS_TIMEOUT_MS: '1000',
  REQUEST_TIMEOUT_MS: '3000',
  BODY_TIMEOUT_MS: '1000',
  KEEP_ALIVE_TIMEOUT_MS: '500',
};

interface Exchange {
  /** Everything the server wrote. */
  text: string;
  /** ms from connecting until the server closed the connection. */
  closedAfter: number;
}

/** Opens a connection, lets `drive` write to it, and resolves when the server closes it. */
function exchange(port: number, drive: (socket: net.Socket) => void, giveUpMs = 20_000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${giveUpMs} ms; got: ${text.slice(0, 200)}`));
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfter: Date.now() - started });
    });
    socket.on('connect', () => drive(socket));
  });
}

/** Writes `chunks` one every `everyMs` while the socket is open. */
function trickle(socket: net.Socket, chunks: string[], everyMs: number): void {
  let i = 0;
  const tick = setInterval(() => {
    if (socket.destroyed || i >= chunks.length) return clearInterval(tick);
    socket.write(chunks[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(tick));
}

function expectProblem(text: string, status: number, code: string): void {
  expect(text.startsWith(`HTTP/1.1 ${status} `), text.slice(0, 200)).toBe(true);
  expect(text.toLowerCase()).toContain('content-type: application/problem+json');
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  expect(body).toMatchObject({ status, code, type: `https://kpi-calibrator.dev/problems/${code}` });
}

describe('server timeouts and HTTP-layer errors, over a real port', () => {
  let d: TestDb;
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    d = await openTestDb('pglite');
    t = await buildTestApp(d.db, TIMEOUTS);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await t?.app.close();
    await d?.dispose();
  });

  it('a client sending its headers a byte at a time is answered 408 and closed within HEADERS_TIMEOUT_MS', async () => {
    const head = `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const r = await exchange(port, (s) => trickle(s, [...head], 50));
    expectProblem(r.text, 408, 'request_timeout');
    // the headers timeout plus Node's check interval (at most 1 s), with room for a loaded machine
    expect(r.closedAfter).toBeLessThan(6000);
  });

  it('two hundred slow-header clients are all closed', async () => {
    const all = await Promise.all(
      Array.from({ length: 200 }, () =>
        exchange(port, (s) => trickle(s, [...'GET /health HTTP/1.1\r\nHost: x\r\n'], 200)),
      ),
    );
    for (const r of all) expect(r.text.startsWith('HTTP/1.1 408 ')).toBe(true);
  });

  it('a request whose body never arrives is answered 408 within BODY_TIMEOUT_MS', async () => {
    const r = await exchange(port, (s) =>
      s.write(
        `POST /v1/employees HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.keys.hr}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nid,role`,
      ),
    );
    expectProblem(r.text, 408, 'request_timeout');
    expect(r.text).toContain('BODY_TIMEOUT_MS');
    expect(r.closedAfter).toBeLessThan(6000);
  });

  it('a body trickled slowly is answered 408 within REQUEST_TIMEOUT_MS', async () => {
    const r = await exchange(port, (s) => {
      s.write(
        `POST /v1/employees HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.keys.hr}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n`,
      );
      trickle(
        s,
        Array.from({ length: 1000 }, () => 'x'),
        300,
      );
    });
    expectProblem(r.text, 408, 'request_timeout');
    expect(r.closedAfter).toBeLessThan(9000);
  });

  it('a 10 MB upload at normal speed succeeds, though its answer takes longer than BODY_TIMEOUT_MS', async () => {
    // the body is read as the rows are checked: the whole request takes longer than 3 s here
    const big = await buildTestApp(d.db, { ...TIMEOUTS, REQUEST_TIMEOUT_MS: '120000' });
    await big.app.listen({ port: 0, host: '127.0.0.1' });
    const bigPort = (big.app.server.address() as net.AddressInfo).port;
    const note = 'n'.repeat(2000);
    const lines = ['id,role,team,hire_date,note'];
    for (let i = 0, size = 0; size < 10 * 1024 * 1024; i++) {
      lines.push(`E-BIG-${i},cs_agent,team ${i % 7},2024-01-01,${note}`);
      size += lines[lines.length - 1]!.length + 1;
    }
    const body = `${lines.join('\n')}\n`;
    try {
      const res = await fetch(`http://127.0.0.1:${bigPort}/v1/employees`, {
        method: 'POST',
        headers: { ...big.auth('hr'), 'content-type': 'text/csv' },
        body,
      });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ received: lines.length - 1 });
    } finally {
      await big.app.close();
    }
  }, 180_000);

  it('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const r = await exchange(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(r.text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(r.closedAfter).toBeLessThan(5000);
  });

  it('431 (headers too large), a malformed request and a bad URL answer problem+json', async () => {
    const big = await exchange(port, (s) =>
      s.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`),
    );
    expectProblem(big.text, 431, 'header_too_large');
    const bad = await exchange(port, (s) => s.write('GARBAGE\r\n\r\n'));
    expectProblem(bad.text, 400, 'bad_request');
    const url = await exchange(port, (s) =>
      s.write(`GET /v1/employees/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    expectProblem(url.text, 400, 'bad_request');
  });
});

describe('API keys never reach the log', () => {
  let d: TestDb;
  let t: TestApp;
  let app: FastifyInstance;
  const sink = logSink();
  beforeAll(async () => {
    d = await openTestDb('pglite');
    t = await buildTestApp(d.db, {}, { level: 'trace', stream: sink.stream });
    app = t.app;
  });
  afterAll(async () => {
    await app?.close();
    await d?.dispose();
  });

  it('a key in the URL (?key=, ?api_key=, ?access_token=, ?token=) or a header appears nowhere', async () => {
    const secret = (i: number) => `SeCrEt${i}xyzzy`;
    const params = ['key', 'api_key', 'access_token', 'token', 'KEY'];
    for (const [i, p] of params.entries()) {
      await app.inject({ url: `/v1/employees?${p}=${secret(i)}` });
      await app.inject({ url: `/v1/employees?role=cs_agent&${p}=${secret(i)}&x=1`, headers: t.auth('hr') });
      await app.inject({ url: `/v1/nowhere?${p}=${secret(i)}` });
      await app.inject({ url: `/v1/employees/%E0%A4%A?${p}=${secret(i)}` });
    }
    await app.inject({ url: '/v1/employees', headers: t.auth('hr') });
    await app.inject({ url: '/v1/employees', headers: { 'x-api-key': t.keys.cs_lead } });
    await app.inject({ url: '/v1/employees', headers: { authorization: `Bearer ${secret(99)}` } });
    expect(sink.text().length).toBeGreaterThan(0);
    expect(sink.text()).toContain('[REDACTED]');
    for (const i of [...params.keys(), 99]) expect(sink.text()).not.toContain(secret(i));
    for (const key of Object.values(t.keys)) expect(sink.text()).not.toContain(key);
  });
});
