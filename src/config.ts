/**
 * The one place the environment is read. `loadConfig(env)` validates it with zod and
 * throws a ConfigError naming every bad variable; nothing else touches process.env.
 */
import path from 'node:path';
import { z } from 'zod';
import { type PrivacySettings, SURFACES } from './privacy/policy.js';

const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 67108864, 64mb or 512kb')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(s)!;
    const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Math.round(Number(m[1]) * mult);
  });

const url = (protocols: string[]) =>
  z
    .string()
    .refine((u) => URL.canParse(u), 'expected a URL')
    // only a URL that parses is asked for its protocol (a bare `new URL` would throw "Invalid URL")
    .refine((u) => !URL.canParse(u) || protocols.includes(new URL(u).protocol), {
      message: `expected a ${protocols.join(' or ')} URL`,
    });

/** Milliseconds, a whole number from 100 ms to one day. */
const ms = z.coerce.number().int().min(100).max(86_400_000);

/** `8h`, `30m`, `900s`, `2d` or milliseconds → milliseconds (validated by a regex before). */
function duration(s: string): number {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(s)!;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * mult;
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Schema to use on PostgreSQL (created if missing). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier')
    .default('public'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  KPI_DATA_DIR: z.string().min(1).default('.data'),
  KPI_MODELS_DIR: z.string().min(1).default('models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: byteSize.default(64 * 1024 * 1024),
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(1200),
  RATE_LIMIT_WINDOW: z
    .string()
    .regex(/^\d+\s*(ms|s|second|seconds|minute|minutes|m)?$/, 'expected e.g. "1 minute" or 60000')
    .default('1 minute'),
  /** Where rate-limit counts live: `redis` (one budget across every process; the default with REDIS_URL) or `memory` (this process). */
  RATE_LIMIT_STORE: z.enum(['memory', 'redis']).optional(),
  /** Prefix of the rate-limit keys in Redis (several deployments on one Redis use their own). */
  RATE_LIMIT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected letters, digits, _ . : -')
    .default('kpi:rl:'),
  /** BullMQ queue name shared by the API processes and workers of one deployment (`kpi worker --queue` overrides). */
  JOB_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'expected a queue name (letters, digits, _ . -)')
    .default('kpi-jobs'),
  KPI_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  KPI_DEMO: bool.default(true),
  /** People in the demo (KPI_DEMO): every role gets its share, the reviews and returns follow the agents. */
  KPI_DEMO_PEOPLE: z.coerce.number().int().min(1).max(10_000).default(300),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** On SIGTERM, /ready answers 503 this long before the listener closes (a load balancer's probe interval or more). */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(300_000).default(0),
  /** Worker threads that score sentiment batches of 32+ off the event loop (0: on it). */
  SENTIMENT_THREADS: z.coerce.number().int().min(0).max(64).default(0),
  /** A helper thread forecasts part of every large set of targets (two or more cores). */
  FORECAST_THREAD: bool.default(true),
  /**
   * The embedded database (PGlite) runs in a thread of its own, so its statements never hold the
   * event loop (false: on the main thread, as before).
   */
  PGLITE_THREAD: bool.default(true),
  /** CPU-heavy job steps (training, rescoring, ratings, shadow comparison) in job threads (false: on the main thread). */
  JOB_THREADS: bool.default(true),
  /** The whole request (headers and body) must arrive within this; else 408 and the connection closed. */
  REQUEST_TIMEOUT_MS: ms.default(120_000),
  /** The request headers must arrive within this (slow-header clients); else 408. */
  HEADERS_TIMEOUT_MS: ms.default(10_000),
  /** A request body may pause (no bytes arriving) at most this long; else 408. */
  BODY_TIMEOUT_MS: ms.default(15_000),
  /** An idle keep-alive connection is closed after this. */
  KEEP_ALIVE_TIMEOUT_MS: ms.default(5_000),
  /** A 422 lists at most this many row errors; `error_count` counts them all. */
  ROW_ERROR_LIMIT: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Event times (reviews, replies, returns, from/to) before this date are refused (422/400). */
  EVENT_DATE_MIN: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'expected a real date')
    .default('2000-01-01'),
  /** …and more than this many days after now. */
  EVENT_MAX_AHEAD_DAYS: z.coerce.number().int().min(0).max(36_500).default(366),
  /** Idle lifetime of a console session (`8h`, `30m`, `900s` or milliseconds). */
  SESSION_TTL: z
    .string()
    .regex(/^\d+\s*(ms|s|m|h|d)?$/, 'expected a duration such as 8h, 30m, 900s or milliseconds')
    .default('8h')
    .transform(duration)
    .refine((ms) => ms >= 60_000, 'must be at least a minute'),
  /** Longest lifetime of an API key in days: a key created without an expiry gets now + this (unset: no expiry). */
  KEY_MAX_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /** How long the old key of a rotation stays valid (`24h`, `30m`, `0s`…); a rotation request may name a shorter or longer one. */
  KEY_ROTATION_GRACE: z
    .string()
    .regex(/^\d+\s*(ms|s|m|h|d)?$/, 'expected a duration such as 24h, 30m, 900s or milliseconds')
    .default('24h')
    .transform(duration)
    .refine((ms) => ms <= 30 * 86_400_000, 'must be at most 30 days'),
  /** Behind a reverse proxy: trust X-Forwarded-For/-Proto (client address, https → Secure cookies). */
  TRUST_PROXY: bool.default(false),
  /**
   * Maker–checker: an override further than this relative change from the suggested target
   * (0.1 = 10 %) waits for a second HR key's approval. Unset: overrides take effect at once.
   */
  OVERRIDE_APPROVAL_THRESHOLD: z.coerce.number().min(0).max(100).optional(),
  /** With a threshold set, every role-wide override (employee `*`) waits for approval too. */
  OVERRIDE_APPROVAL_ROLE_WIDE: bool.default(true),
  /**
   * Where review text is shown with its personal data unmasked: a comma list of `api` (answers and
   * exports of /v1), `console` (pages and their exports) and `logs`, or `none` (the default: masked everywhere).
   */
  PII_RAW: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter((x) => x && x !== 'none'),
    )
    .pipe(z.array(z.enum(SURFACES, { error: `expected a comma list of ${SURFACES.join(', ')} or none` })))
    .default([]),
  /**
   * Order-number patterns added to the default (Taobao/Tmall: 18–19 digits after 订单号 / order no.):
   * a JSON array of regular-expression sources; a named group `id` marks the id (else the whole match).
   */
  PII_ORDER_PATTERNS: z
    .string()
    .transform((s, ctx) => {
      try {
        const list = JSON.parse(s) as unknown;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x.length > 0)) throw new Error();
        return list.map((x: string) => new RegExp(x, 'i'));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a JSON array of regular expressions, e.g. ["JD(?<id>[0-9]{12})"]',
        });
        return z.NEVER;
      }
    })
    .default([]),
});

export type Env = z.input<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databaseSchema: string;
  redisUrl: string | undefined;
  dataDir: string;
  modelsDir: string;
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  bodyLimit: number;
  rateLimit: { max: number; timeWindow: string | number; store: 'memory' | 'redis'; prefix: string };
  /** BullMQ queue name (JOB_QUEUE). */
  jobQueue: string;
  adminKey: string | undefined;
  demo: boolean;
  /** people in the demo (KPI_DEMO_PEOPLE) */
  demoPeople: number;
  shutdownGraceMs: number;
  /** ms between /ready turning 503 and the listener closing (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number;
  sentimentThreads: number;
  forecastThread: boolean;
  /** CPU-heavy job steps in job threads (src/jobs/compute.ts); false: on the main thread */
  jobThreads: boolean;
  /** PGlite in its own thread (PGLITE_THREAD). */
  pgliteThread: boolean;
  /** Server timeouts (ms): see REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS. */
  timeouts: { requestMs: number; headersMs: number; bodyMs: number; keepAliveMs: number };
  rowErrorLimit: number;
  /** The event range: from `min` (YYYY-MM-DD) to `aheadDays` after now. */
  eventDates: { min: string; aheadDays: number };
  /** console session idle lifetime, ms */
  sessionTtlMs: number;
  /** API keys: the longest lifetime (KEY_MAX_DAYS, ms; undefined: none) and a rotation's grace period (ms). */
  keyLifetime: { maxMs: number | undefined; rotationGraceMs: number };
  trustProxy: boolean;
  /** Overrides needing a second approver (OVERRIDE_APPROVAL_THRESHOLD, OVERRIDE_APPROVAL_ROLE_WIDE); absent: none. */
  overrideApproval?: { threshold: number; roleWide: boolean } | undefined;
  /** Personal-data masking: the surfaces shown raw (PII_RAW) and extra order patterns (PII_ORDER_PATTERNS); absent: masked everywhere. */
  privacy?: PrivacySettings | undefined;
}

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` (default: process.env). Empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(clean);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  }
  // Node requires the headers' time to be within the whole request's
  if (parsed.data.HEADERS_TIMEOUT_MS > parsed.data.REQUEST_TIMEOUT_MS)
    throw new ConfigError([{ variable: 'HEADERS_TIMEOUT_MS', message: 'must not exceed REQUEST_TIMEOUT_MS' }]);
  const c = parsed.data;
  if (c.RATE_LIMIT_STORE === 'redis' && !c.REDIS_URL)
    throw new ConfigError([{ variable: 'RATE_LIMIT_STORE', message: 'redis needs REDIS_URL' }]);
  const window = /^\d+$/.test(c.RATE_LIMIT_WINDOW) ? Number(c.RATE_LIMIT_WINDOW) : c.RATE_LIMIT_WINDOW;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.DATABASE_SCHEMA,
    redisUrl: c.REDIS_URL,
    dataDir: path.resolve(c.KPI_DATA_DIR),
    modelsDir: path.resolve(c.KPI_MODELS_DIR),
    logLevel: c.LOG_LEVEL,
    bodyLimit: c.BODY_LIMIT,
    rateLimit: {
      max: c.RATE_LIMIT_MAX,
      timeWindow: window,
      store: c.RATE_LIMIT_STORE ?? (c.REDIS_URL ? 'redis' : 'memory'),
      prefix: c.RATE_LIMIT_PREFIX,
    },
    jobQueue: c.JOB_QUEUE,
    adminKey: c.KPI_ADMIN_KEY,
    demo: c.KPI_DEMO,
    demoPeople: c.KPI_DEMO_PEOPLE,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    shutdownDrainMs: c.SHUTDOWN_DRAIN_MS,
    sentimentThreads: c.SENTIMENT_THREADS,
    forecastThread: c.FORECAST_THREAD,
    jobThreads: c.JOB_THREADS,
    pgliteThread: c.PGLITE_THREAD,
    timeouts: {
      requestMs: c.REQUEST_TIMEOUT_MS,
      headersMs: c.HEADERS_TIMEOUT_MS,
      bodyMs: c.BODY_TIMEOUT_MS,
      keepAliveMs: c.KEEP_ALIVE_TIMEOUT_MS,
    },
    rowErrorLimit: c.ROW_ERROR_LIMIT,
    eventDates: { min: c.EVENT_DATE_MIN, aheadDays: c.EVENT_MAX_AHEAD_DAYS },
    sessionTtlMs: c.SESSION_TTL,
    keyLifetime: {
      maxMs: c.KEY_MAX_DAYS === undefined ? undefined : c.KEY_MAX_DAYS * 86_400_000,
      rotationGraceMs: c.KEY_ROTATION_GRACE,
    },
    trustProxy: c.TRUST_PROXY,
    overrideApproval:
      c.OVERRIDE_APPROVAL_THRESHOLD === undefined
        ? undefined
        : { threshold: c.OVERRIDE_APPROVAL_THRESHOLD, roleWide: c.OVERRIDE_APPROVAL_ROLE_WIDE },
    privacy: { raw: c.PII_RAW, orderPatterns: c.PII_ORDER_PATTERNS },
  };
}
