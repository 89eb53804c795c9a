/**
 * The fleet test's load balancer: a small HTTP proxy that sends each request to the next backend
 * in rotation that is in (checked every `checkMs`: in after one 200 from /ready, out after an answer
 * other than 200 or a refused connection, or after `fall` checks in a row that time out, as on a
 * loaded machine), one fresh upstream connection per request, and never retries: an upstream failure is the client's failure (502). It adds
 * X-Forwarded-For, so with TRUST_PROXY the APIs see the client's address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  name: string;
  host: string;
  port: number;
  ready: boolean;
  /** Requests answered through this backend. */
  served: number;
}

export interface Balancer {
  url: string;
  backends: Backend[];
  /** Upstream failures (connection refused or reset): each one answered 502. */
  upstreamErrors: string[];
  /** Every change of a backend's state: time, name, in/out and why. */
  transitions: string[];
  /** Resolves when the balancer has seen `name` ready (or not ready) at a check. */
  waitFor(name: string, ready: boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export async function startBalancer(
  backends: Omit<Backend, 'ready' | 'served'>[],
  { checkMs = 100, timeoutMs = 1000, fall = 3 } = {},
): Promise<Balancer> {
  const state: Backend[] = backends.map((b) => ({ ...b, ready: false, served: 0 }));
  const upstreamErrors: string[] = [];
  const transitions: string[] = [];
  const t0 = Date.now();
  const mark = (b: Backend, ready: boolean, why: string) => {
    if (b.ready !== ready) transitions.push(`+${Date.now() - t0} ms ${b.name} ${ready ? 'in' : 'out'}: ${why}`);
    b.ready = ready;
  };
  let next = 0;

  const timeouts = new Map<Backend, number>();
  const check = (b: Backend) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: b.host, port: b.port, path: '/ready', agent: false, timeout: timeoutMs }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          mark(b, res.statusCode === 200, `${res.statusCode} ${body.slice(0, 200)}`);
          timeouts.set(b, 0);
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const n = (timeouts.get(b) ?? 0) + 1;
        timeouts.set(b, err.code === 'TIMEOUT' ? n : fall);
        if ((timeouts.get(b) ?? 0) >= fall) mark(b, false, err.message);
        resolve();
      });
    });
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await Promise.all(state.map(check));
      await new Promise((r) => setTimeout(r, checkMs));
    }
  };
  const checking = loop();

  const server = http.createServer((req, res) => {
    const ready = state.filter((b) => b.ready);
    if (ready.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend ready');
      return;
    }
    const b = ready[next++ % ready.length]!;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k)));
    const up = http.request(
      {
        host: b.host,
        port: b.port,
        method: req.method,
        path: req.url,
        agent: false,
        headers: { ...headers, connection: 'close', 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      },
      (ur) => {
        const out = Object.fromEntries(Object.entries(ur.headers).filter(([k]) => !HOP.has(k)));
        res.writeHead(ur.statusCode ?? 502, { ...out, 'x-backend': b.name });
        ur.pipe(res);
        ur.on('end', () => b.served++);
      },
    );
    up.on('error', (err) => {
      upstreamErrors.push(`${b.name}: ${err.message}`);
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream ${b.name}: ${err.message}`);
      else res.destroy(err);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    backends: state,
    upstreamErrors,
    transitions,
    async waitFor(name, ready, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      const b = state.find((x) => x.name === name)!;
      while (b.ready !== ready) {
        if (Date.now() > until) throw new Error(`balancer: ${name} not ${ready ? 'ready' : 'out'} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      stopped = true;
      await checking;
      await new Promise((r) => server.close(r));
    },
  };
}
