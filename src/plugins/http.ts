/**
 * The HTTP layer's limits and its own errors, answered like every other error (problem+json):
 * - HEADERS_TIMEOUT_MS: the headers must arrive within it (slow-header clients) → 408, closed;
 * - REQUEST_TIMEOUT_MS: the whole request (headers and body) must arrive within it → 408, closed;
 * - BODY_TIMEOUT_MS: a body may stall (no bytes) at most this long → 408, closed; an answer being
 *   computed is never cut off by it;
 * - KEEP_ALIVE_TIMEOUT_MS: idle keep-alive connections are closed;
 * - a malformed request line or header (400), headers too large (431), a bad URL (400) — the
 *   answers Node and Fastify write themselves — are problem+json here too.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { redactText } from './log.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

function problemBody(status: number, code: string, detail: string): string {
  return JSON.stringify({
    type: `https://kpi-calibrator.dev/problems/${code}`,
    title: code.replace(/_/g, ' '),
    status,
    code,
    detail,
  });
}

/** A whole HTTP/1.1 answer written straight to the socket (the request never reached Fastify). */
function rawAnswer(status: number, code: string, detail: string): string {
  const body = problemBody(status, code, detail);
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: ${PROBLEM}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Node's client errors (before a request exists) → problem+json, then the connection closed. */
function clientError(timeouts: Config['timeouts']) {
  return function onClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let answer: string;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      answer = rawAnswer(
        408,
        'request_timeout',
        `the request did not arrive in time (headers within ${timeouts.headersMs} ms: HEADERS_TIMEOUT_MS; the whole request within ${timeouts.requestMs} ms: REQUEST_TIMEOUT_MS)`,
      );
    else if (err.code === 'HPE_HEADER_OVERFLOW')
      answer = rawAnswer(431, 'header_too_large', 'the request headers exceed the size limit (16 KiB)');
    else answer = rawAnswer(400, 'bad_request', `malformed HTTP request: ${redactText(err.message)}`);
    this.log.debug({ code: err.code }, 'client error');
    if (socket.writable) socket.end(answer);
    socket.destroySoon?.();
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}

/** Fastify's own routing errors (bad URL encoding, a too-long parameter) → problem+json. */
function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
  const detail =
    err.code === 'FST_ERR_BAD_URL'
      ? `the URL is not valid (bad percent-encoding): ${redactText(request.url.split('?')[0] ?? '')}`
      : redactText(err.message);
  reply
    .status(status)
    .type(PROBLEM)
    .send(problemBody(status, 'bad_request', detail));
}

/** The Fastify options of the server's limits and its error answers. */
export function httpOptions(config: Pick<Config, 'timeouts'>): Partial<FastifyServerOptions> {
  const t = config.timeouts;
  return {
    // socket inactivity: the body stall check (see bodyTimeouts); answers being computed are kept
    connectionTimeout: t.bodyMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    http: {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      // how often Node checks the two above (its default, 30 s, would let a slow client stay that long)
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(t.headersMs, t.requestMs) / 4))),
    },
    clientErrorHandler: clientError(t),
    frameworkErrors,
  } as Partial<FastifyServerOptions>;
}

/**
 * Socket inactivity (BODY_TIMEOUT_MS): while a request's body is incomplete, a 408 and the
 * connection closed; while its answer is being computed, nothing (the answer comes when ready);
 * with no request in flight (idle keep-alive, headers stalled), the connection closed.
 */
export default fp(async function bodyTimeouts(app: FastifyInstance, opts: { bodyMs: number }) {
  app.server.on('timeout', (socket: Socket) => {
    const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (res && !res.writableEnded) {
      if (res.req && !res.req.complete) {
        if (!res.headersSent && socket.writable)
          socket.end(
            rawAnswer(
              408,
              'request_timeout',
              `the request body stalled: no bytes for ${opts.bodyMs} ms (BODY_TIMEOUT_MS)`,
            ),
          );
        setTimeout(() => socket.destroy(), 1000).unref();
      }
      return;
    }
    socket.destroy();
  });
});
