/** The limits' configuration (issue 20), and DATABASE_URL=not-a-url named instead of a bare "Invalid URL". */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const issues = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration of limits and URLs', () => {
  it('names DATABASE_URL and REDIS_URL when they are not URLs', () => {
    expect(issues({ DATABASE_URL: 'not-a-url' })).toEqual([{ variable: 'DATABASE_URL', message: 'expected a URL' }]);
    expect(issues({ REDIS_URL: 'not a url' })).toEqual([{ variable: 'REDIS_URL', message: 'expected a URL' }]);
  });

  it('reads the timeouts, the row-error limit and the event range, and names bad values', () => {
    const c = loadConfig({ HEADERS_TIMEOUT_MS: '2000', ROW_ERROR_LIMIT: '10', EVENT_DATE_MIN: '2010-01-01' });
    expect(c.timeouts).toEqual({ requestMs: 120_000, headersMs: 2000, bodyMs: 15_000, keepAliveMs: 5000 });
    expect(c.rowErrorLimit).toBe(10);
    expect(c.eventDates).toEqual({ min: '2010-01-01', aheadDays: 366 });
    expect(issues({ BODY_TIMEOUT_MS: 'soon' }).map((i) => i.variable)).toEqual(['BODY_TIMEOUT_MS']);
    expect(issues({ EVENT_DATE_MIN: '2010-13-01' }).map((i) => i.variable)).toEqual(['EVENT_DATE_MIN']);
    expect(issues({ HEADERS_TIMEOUT_MS: '50000', REQUEST_TIMEOUT_MS: '20000' })).toEqual([
      { variable: 'HEADERS_TIMEOUT_MS', message: 'must not exceed REQUEST_TIMEOUT_MS' },
    ]);
  });
});
