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

/** `s` with every key-bearing query parameter, bearer credential and API key replaced. */
export function redactText(s: string): string {
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

/**
 * Logger options with the redaction added (pass `false` for no logger); `masker` masks personal data
 * in the same strings (none: keys only).
 */
export function loggerOptions(base: FastifyServerOptions['logger'], masker?: Masker): FastifyServerOptions['logger'] {
  if (!base) return base;
  const scrub = masker ? (s: string) => masker.maskText(redactText(s)) : redactText;
  const serializers = serializersOf(scrub);
  const opts = (base === true ? {} : base) as Record<string, unknown>;
  const redact = [
    'req.headers.authorization',
    'req.headers["x-api-key"]',
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
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? scrub(a) : a)),
        );
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
