/**
 * What the log may hold: no API key, wherever a client put it. Keys sent in the URL (`?key=`,
 * `?api_key=`, `?access_token=`, `?token=`; the API refuses them, but the request line is logged)
 * and in the `authorization` / `x-api-key` headers are replaced by `[REDACTED]` in every line —
 * the request's URL, error messages and stacks, and the message text itself. Personal data in the same
 * strings (a phone number in a row error, a name in a URL) is masked by the `logs` surface's masker
 * (src/privacy; PII_RAW=logs leaves it raw).
 */
import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';
import type { Masker } from '../privacy/mask.js';

const SECRET_PARAMS = ['key', 'api_key', 'apikey', 'access_token', 'token'];
const QUERY_SECRET = new RegExp(`([?&;](?:${SECRET_PARAMS.join('|')})=)[^&#\\s'"]*`, 'gi');
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** The service's own key shape (src/auth/keys.ts), wherever it appears. */
const KEY_SHAPE = /\bkpi_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/g;

export const REDACTED = '[REDACTED]';

/** Whatever any of the three patterns above can match holds one of these (the common case: none, one test). */
const MAY_HOLD_SECRET = /key|token|bearer|basic|kpi_/i;

/** `s` with every key-bearing query parameter, bearer credential and API key replaced. */
export function redactText(s: string): string {
  if (!MAY_HOLD_SECRET.test(s)) return s;
  return s.replace(QUERY_SECRET, `$1${REDACTED}`).replace(BEARER, `$1 ${REDACTED}`).replace(KEY_SHAPE, REDACTED);
}

interface ReqLike {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

const serializersOf = (scrub: (s: string) => string) => ({
  req: (req: ReqLike) => ({
    method: req.method,
    url: req.url === undefined ? undefined : scrub(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  err: (err: Error) => {
    const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
    for (const k of ['message', 'stack'] as const) if (typeof out[k] === 'string') out[k] = scrub(out[k] as string);
    return out;
  },
});

/** How long a log line may wait in the buffer of `bufferedStdout` at most. */
export const LOG_FLUSH_MS = 100;

/**
 * The service's log destination: standard output, written in blocks of up to 4 KiB at least every
 * LOG_FLUSH_MS instead of one write per line (under load, one line per request would otherwise mean
 * one write per request, handed to a thread each time). Lines still buffered are written when the
 * process exits (pino flushes on exit); a process killed with SIGKILL loses at most LOG_FLUSH_MS of lines.
 */
export function bufferedStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_MS } as Parameters<
    typeof pino.destination
  >[0]);
}

/**
 * Logger options with the redaction added (pass `false` for no logger); `masker` masks personal data
 * in the same strings (none: keys only).
 */
export function loggerOptions(base: FastifyServerOptions['logger'], masker?: Masker): FastifyServerOptions['logger'] {
  if (!base) return base;
  const scrub = masker ? (s: string) => masker.maskText(redactText(s)) : redactText;
  const serializers = serializersOf(scrub);
  const opts = (base === true ? {} : base) as Record<string, unknown>;
  // (a request is logged through the `req` serializer above, which keeps no header: pino applies it
  // before the redaction, so paths under req.headers could never match and would only cost a clone per line)
  const redact = [
    'headers.authorization',
    'headers["x-api-key"]',
    'request.headers.authorization',
    'request.headers["x-api-key"]',
  ];
  return {
    ...opts,
    redact: { paths: redact, censor: REDACTED },
    serializers: { ...(opts.serializers as object | undefined), ...serializers },
    hooks: {
      // the message text, and any string argument formatted into it
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrub(args[i] as string);
        method.apply(this, args);
      },
    },
    formatters: {
      // top-level string members (e.g. a `url` someone logs)
      log(obj: Record<string, unknown>) {
        let out = obj;
        for (const [k, v] of Object.entries(obj))
          if (typeof v === 'string') {
            const r = scrub(v);
            if (r !== v) out = { ...out, [k]: r };
          }
        return out;
      },
    },
  } as unknown as FastifyServerOptions['logger'];
}
