import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createKeyRepository, type Scope } from '../../src/auth/keys.js';
import { loadConfig, type Env } from '../../src/config.js';
import type { Db } from '../../src/db/types.js';
import { createInlineQueue, type Processor } from '../../src/jobs/index.js';

export interface TestApp {
  app: FastifyInstance;
  /** One key per scope. */
  keys: Record<Scope, string>;
  auth(scope: Scope): { authorization: string };
}

/** An app on `db` with an in-process queue that runs `processors` (none by default: jobs stay waiting). */
export async function buildTestApp(
  db: Db,
  env: Partial<Record<keyof Env, string>> = {},
  logger: unknown = false,
  processors: Record<string, Processor> = {},
): Promise<TestApp> {
  const config = loadConfig({
    KPI_DATA_DIR: '/tmp/kpi-test-unused',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '100000',
    ...env,
  });
  const app = await buildApp({
    config,
    db,
    queue: createInlineQueue({ db, config, processors }),
    logger: logger as false,
  });
  await app.ready();
  const repo = createKeyRepository(db);
  const keys = {} as Record<Scope, string>;
  for (const scope of ['hr', 'cs_lead', 'scorer', 'admin'] as const)
    keys[scope] = (await repo.create(`test ${scope}`, [scope])).key;
  return { app, keys, auth: (scope) => ({ authorization: `Bearer ${keys[scope]}` }) };
}
