/**
 * Probes the real PostgreSQL and Redis once per run. Suites that need them read the result
 * through `inject('services')` (see test/helpers/services.ts). With CI=true a missing service
 * fails the run instead of skipping; without it, the skipped suites are printed loudly at the end.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/db/index.js';
import { probeServices, type ServiceAvailability } from './helpers/probe.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceAvailability;
    /** A migrated PGlite data directory to copy (initdb once per run). */
    pgliteTemplate: string;
  }
}

let found: ServiceAvailability;

export default async function setup(project: TestProject) {
  found = await probeServices();
  const missing = [
    !found.postgres && `PostgreSQL (${found.postgresUrl})`,
    !found.redis && `Redis (${found.redisUrl})`,
  ].filter((m): m is string => Boolean(m));
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI=true requires ${missing.join(' and ')}, which did not answer. Start them (see .ci/run).`);
  }
  project.provide('services', found);
  const templateRoot = mkdtempSync(path.join(os.tmpdir(), 'kpi-template-'));
  const template = await openDb({ dataDir: templateRoot, databaseUrl: undefined, databaseSchema: 'public' });
  await template.close();
  project.provide('pgliteTemplate', path.join(templateRoot, 'pglite'));
  return () => {
    rmSync(templateRoot, { recursive: true, force: true });
    if (missing.length > 0) {
      const line = '!'.repeat(78);
      console.warn(
        `\n${line}\n!! SKIPPED: every suite that needs ${missing.join(' and ')}.\n` +
          `!! Those tests ran on the embedded default only. Start the services (or run .ci/run) to run them.\n${line}\n`,
      );
    }
  };
}
