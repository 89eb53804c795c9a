/** The worker's flags are validated like the environment: a bad one is named, and the process exits non-zero. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { parseWorkerFlags } from '../src/worker.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('worker flags', () => {
  it('parses good flags into options', () => {
    expect(parseWorkerFlags({ concurrency: '4', 'lock-ms': '30000', 'grace-ms': '0', queue: 'kpi-jobs' })).toEqual({
      concurrency: 4,
      lockDurationMs: 30_000,
      graceMs: 0,
      queueName: 'kpi-jobs',
    });
    expect(parseWorkerFlags({})).toEqual({
      concurrency: undefined,
      lockDurationMs: undefined,
      graceMs: undefined,
      queueName: undefined,
    });
  });

  it('names every bad flag', () => {
    let err: unknown;
    try {
      parseWorkerFlags({ concurrency: 'two', 'lock-ms': '10', queue: 'a:b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      '--concurrency',
      '--lock-ms',
      '--queue',
    ]);
    expect((err as Error).message).toContain('--concurrency: expected a whole number of jobs');
  });

  it('`kpi worker --concurrency 0` exits non-zero with a message naming the flag, before connecting anywhere', () => {
    const r = spawnSync(TSX, ['src/cli.ts', 'worker', '--concurrency', '0'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: '', DATABASE_URL: '' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--concurrency: expected a whole number of jobs of at least 1');
  }, 60_000);
});
