import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createKeyRepository, type Scope } from '../../src/auth/keys.js';
import { loadConfig, type Env } from '../../src/config.js';
import type { Db } from '../../src/db/types.js';
import { createInlineQueue, type Processor } from '../../src/jobs/index.js';

export interface TestApp {
  app: FastifyInstance;
  /** One key per scope (not `agent`: an agent key is bound to an employee, see `agentKey`). */
  keys: Record<Exclude<Scope, 'agent'>, string>;
  auth(scope: Exclude<Scope, 'agent'>): { authorization: string };
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
  const keys = {} as TestApp['keys'];
  for (const scope of ['hr', 'cs_lead', 'scorer', 'admin'] as const)
    keys[scope] = (await repo.create(`test ${scope}`, [scope])).key;
  return { app, keys, auth: (scope) => ({ authorization: `Bearer ${keys[scope]}` }) };
}

/** A new `agent` key bound to employee `agentId` (which must exist): its Authorization header and id. */
export async function agentKey(db: Db, agentId: string): Promise<{ authorization: string; id: string }> {
  const k = await createKeyRepository(db).create(`test agent ${agentId}`, ['agent'], { agentId });
  return { authorization: `Bearer ${k.key}`, id: k.id };
}

/**
 * Trains baselines through `POST /v1/baselines/train` (as hr) and waits for the job; throws when it
 * fails or is still running after `waitMs`. The app needs the train_baselines processor.
 */
export async function trainBaselines(t: TestApp, body: object, waitMs = 60_000): Promise<void> {
  const r = await t.app.inject({ method: 'POST', url: '/v1/baselines/train', headers: t.auth('hr'), payload: body });
  expect(r.statusCode, r.body).toBe(202);
  const url = `/v1/baselines/jobs/${encodeURIComponent(r.json().id)}`;
  for (let waited = 0; waited < waitMs; waited += 100) {
    const job = (await t.app.inject({ url, headers: t.auth('hr') })).json();
    if (job.state === 'completed') return;
    if (job.state === 'failed') throw new Error(JSON.stringify(job));
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`training did not finish in ${waitMs} ms`);
}

/** A log destination for `buildTestApp`'s logger (`{ level, stream }`) that keeps every line written. */
export function logSink(): { stream: Writable; lines: string[]; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('') };
}
