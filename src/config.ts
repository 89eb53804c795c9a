/**
 * The one place the environment is read. `loadConfig(env)` validates it with zod and
 * throws a ConfigError naming every bad variable; nothing else touches process.env.
 */
import path from 'node:path';
import { z } from 'zod';

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
    .url('expected a URL')
    .refine((u) => protocols.includes(new URL(u).protocol), `expected a ${protocols.join(' or ')} URL`);

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
  KPI_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  KPI_DEMO: bool.default(true),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Worker threads that score sentiment batches of 32+ off the event loop (0: on it). */
  SENTIMENT_THREADS: z.coerce.number().int().min(0).max(64).default(0),
  /** A helper thread forecasts part of every large set of targets (two or more cores). */
  FORECAST_THREAD: bool.default(true),
  /** Idle lifetime of a console session (`8h`, `30m`, `900s` or milliseconds). */
  SESSION_TTL: z
    .string()
    .regex(/^\d+\s*(ms|s|m|h|d)?$/, 'expected a duration such as 8h, 30m, 900s or milliseconds')
    .default('8h')
    .transform((s) => {
      const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(s)!;
      const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
      return Number(m[1]) * mult;
    })
    .refine((ms) => ms >= 60_000, 'must be at least a minute'),
  /** Behind a reverse proxy: trust X-Forwarded-For/-Proto (client address, https → Secure cookies). */
  TRUST_PROXY: bool.default(false),
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
  rateLimit: { max: number; timeWindow: string | number };
  adminKey: string | undefined;
  demo: boolean;
  shutdownGraceMs: number;
  sentimentThreads: number;
  forecastThread: boolean;
  /** console session idle lifetime, ms */
  sessionTtlMs: number;
  trustProxy: boolean;
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
  const c = parsed.data;
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
    rateLimit: { max: c.RATE_LIMIT_MAX, timeWindow: window },
    adminKey: c.KPI_ADMIN_KEY,
    demo: c.KPI_DEMO,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    sentimentThreads: c.SENTIMENT_THREADS,
    forecastThread: c.FORECAST_THREAD,
    sessionTtlMs: c.SESSION_TTL,
    trustProxy: c.TRUST_PROXY,
  };
}
