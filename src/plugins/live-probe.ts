/**
 * `GET /live` (and `HEAD /live`) answered by the HTTP server itself, before Fastify sees the request.
 *
 * A liveness probe's answer is a constant, yet through Fastify it still paid the request and reply
 * objects, the router, the dispatch of every global hook, the onSend and onResponse hooks and the
 * reply's send path: 51.5 µs of CPU per request against 22.9 µs for a bare Fastify answering `GET /`
 * (2026-12-06, quiet machine). Here the server's request handler (Fastify's `serverFactory`) answers
 * exactly `/live` — no query string, the form probes send — with the bytes and headers the route
 * sends: `{"status":"ok"}`, its content type and length, the security headers
 * (src/plugins/security-headers.ts), and counts it in `kpi_http_requests_total{route="/live"}` (not in
 * the latency histogram: there is no work to time). Everything else goes to Fastify, and so does
 * `/live` before `attach` (while the app is built) and once the process drains (`closing()`): there
 * the first onRequest hook (`answerLiveFirst`, src/routes/health.ts) answers it with `Connection:
 * close`, and Fastify answers 503 once it closes. `app.inject` never passes through here (Fastify's
 * own path answers it); test/plugins/live-probe.test.ts checks both paths answer alike.
 */
import http from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import { SECURITY_HEADERS } from './security-headers.js';

/** The liveness answer's body and content type, shared with the route (src/routes/health.ts). */
export const LIVE_BODY = '{"status":"ok"}';
export const JSON_UTF8 = 'application/json; charset=utf-8';

/** In the order Fastify writes them (the security headers first, then type and length). */
const LIVE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  'content-type': JSON_UTF8,
  'content-length': String(Buffer.byteLength(LIVE_BODY)),
});

export interface LiveProbeDeps {
  /** True once the process drains: /live then goes through Fastify (its `Connection: close`, its 503). */
  closing(): boolean;
  /** The series a fast answer counts in: `kpi_http_requests_total{method, route="/live", status="200"}`. */
  counter(method: 'GET' | 'HEAD'): { inc(): void };
}

export interface LiveProbe {
  /** For `Fastify({serverFactory})`: the HTTP/1.1 server Fastify would make, /live answered ahead of it. */
  readonly serverFactory: FastifyServerFactory;
  /** Turns the fast answer on, once the app is built. */
  attach(deps: LiveProbeDeps): void;
}

export function createLiveProbe(): LiveProbe {
  let deps: LiveProbeDeps | null = null;
  let countGet: { inc(): void } = { inc() {} };
  let countHead: { inc(): void } = { inc() {} };
  return {
    serverFactory(handler, options) {
      const opts = options as {
        http?: http.ServerOptions;
        keepAliveTimeout: number;
        requestTimeout: number;
        connectionTimeout: number;
        maxRequestsPerSocket: number;
      };
      const server = http.createServer(opts.http ?? {}, (req, res) => {
        const probe = req.url === '/live' && (req.method === 'GET' || req.method === 'HEAD');
        if (probe && deps !== null && !deps.closing()) {
          // one system call: Node corks the head and the body (none for HEAD) together
          res.writeHead(200, LIVE_HEADERS);
          res.end(LIVE_BODY);
          (req.method === 'GET' ? countGet : countHead).inc();
          return;
        }
        handler(req, res);
      });
      // what Fastify sets on the server it makes itself (fastify/lib/server.js, getServerInstance)
      server.keepAliveTimeout = opts.keepAliveTimeout;
      server.requestTimeout = opts.requestTimeout;
      server.setTimeout(opts.connectionTimeout);
      if (opts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
      return server;
    },
    attach(d) {
      countGet = d.counter('GET');
      countHead = d.counter('HEAD');
      deps = d;
    },
  };
}
