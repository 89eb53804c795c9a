/**
 * Global teardown of the fault run: whatever happened inside (a timeout, a crash between a stop
 * and its `finally`), Redis and PostgreSQL are running again when the run ends, if they ran before.
 */
import { spawnSync } from 'node:child_process';
import { ensurePostgres, redisUp, startRedis } from './helpers.js';

export default function setup() {
  const pgBefore = spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']).status === 0;
  const redisBefore = redisUp();
  return async () => {
    if (redisBefore) await startRedis();
    if (pgBefore) await ensurePostgres();
  };
}
