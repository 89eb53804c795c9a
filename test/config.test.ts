import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      logLevel: 'info',
      bodyLimit: 64 * 1024 * 1024,
      demo: true,
      demoPeople: 300,
    });
  });

  it('parses sizes, windows and URLs', () => {
    const c = loadConfig({
      BODY_LIMIT: '512kb',
      RATE_LIMIT_WINDOW: '60000',
      DATABASE_URL: 'postgres://u@h:5432/db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KPI_DEMO: 'false',
      KPI_DEMO_PEOPLE: '24',
    });
    expect(c.bodyLimit).toBe(512 * 1024);
    expect(c.rateLimit.timeWindow).toBe(60000);
    expect(c.databaseUrl).toBe('postgres://u@h:5432/db');
    expect(c.demo).toBe(false);
    expect(c.demoPeople).toBe(24);
  });

  it('personal data: masked everywhere by default; PII_RAW and PII_ORDER_PATTERNS parsed and checked', () => {
    expect(loadConfig({}).privacy).toEqual({ raw: [], orderPatterns: [] });
    expect(loadConfig({ PII_RAW: 'none' }).privacy?.raw).toEqual([]);
    const c = loadConfig({ PII_RAW: 'API, logs', PII_ORDER_PATTERNS: '["JD(?<id>[0-9]{12})"]' });
    expect(c.privacy?.raw).toEqual(['api', 'logs']);
    expect(c.privacy?.orderPatterns.map((r) => r.source)).toEqual(['JD(?<id>[0-9]{12})']);
    for (const env of [
      { PII_RAW: 'api,everywhere' },
      { PII_ORDER_PATTERNS: 'JD[0-9]+' },
      { PII_ORDER_PATTERNS: '["("]' },
    ]) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    }
  });

  it('names every invalid variable', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x/y',
        LOG_LEVEL: 'loud',
        KPI_ADMIN_KEY: 'short',
        KPI_DEMO_PEOPLE: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const vars = (err as ConfigError).issues.map((i) => i.variable).sort();
    expect(vars).toEqual(['DATABASE_URL', 'KPI_ADMIN_KEY', 'KPI_DEMO_PEOPLE', 'LOG_LEVEL', 'PORT']);
    expect((err as ConfigError).message).toContain('PORT:');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});
