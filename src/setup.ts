/**
 * First-run data: the default business calendar, and on an empty database (KPI_DEMO=true)
 * the generated demo history so the first start shows a working service.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Db } from './db/types.js';

export interface SetupResult {
  demoLoaded: boolean;
  summary: string;
}

export async function prepareData(_db: Db, _config: Config, _log: FastifyBaseLogger): Promise<SetupResult> {
  return { demoLoaded: false, summary: '' };
}
