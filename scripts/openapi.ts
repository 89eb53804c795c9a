/**
 * The OpenAPI document and the TypeScript types of a client generated from it.
 *   npm run openapi -- --json openapi.json      the document (what GET /docs/json serves)
 *   npm run openapi -- --types test/client/api.ts   openapi-typescript's types (`paths`, `components`)
 * test/routes/openapi-client.test.ts checks that the committed test/client/api.ts is what this
 * generates from the service's document, and drives a workflow with openapi-fetch over it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db/index.js';
import { createInlineQueue } from '../src/jobs/index.js';

/** The document, from an app on a throw-away embedded database. */
export async function openapiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-openapi-'));
  const db = await openDb({ dataDir: dir, databaseUrl: undefined, databaseSchema: 'public' });
  const config = loadConfig({ KPI_DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const app = await buildApp({ config, db, queue: createInlineQueue({ db, config, processors: {} }), logger: false });
  try {
    await app.ready();
    return (await app.inject({ url: '/docs/json' })).json();
  } finally {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** openapi-typescript's types of `doc`, as committed in test/client/api.ts. */
export async function clientTypes(doc: Record<string, unknown>): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(doc as never));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const out = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const json = out('--json');
  const types = out('--types');
  if (!json && !types) {
    console.error('usage: npm run openapi -- [--json FILE] [--types FILE]');
    process.exit(2);
  }
  const doc = await openapiDocument();
  if (json) writeFileSync(json, `${JSON.stringify(doc, null, 2)}\n`);
  if (types) writeFileSync(types, await clientTypes(doc));
  console.log([json, types].filter(Boolean).join(', '));
}
