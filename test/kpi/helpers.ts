/** Small demo datasets loaded through the ingestion pipeline, for the baselines-service tests. */
import type { Db } from '../../src/db/types.js';
import { generateDemo } from '../../src/demo/index.js';
import { employeeTarget, historyTarget } from '../../src/history/repository.js';
import { validateRecords, writeRows, type IngestTarget } from '../../src/ingest/pipeline.js';
import { seedEvents } from '../../src/kpi/calendar.js';

async function load<T>(db: Db, target: IngestTarget<T>, records: readonly T[]): Promise<number> {
  const rows = await validateRecords(db, target, records as unknown as Record<string, unknown>[]);
  return (
    await writeRows(
      db,
      target,
      rows.map((r) => r.value),
    )
  ).inserted;
}

/** Loads a seeded demo of `people` employees (history and calendar, no reviews). */
export async function loadDemo(db: Db, opts: { seed?: number; people?: number; endDate?: string } = {}) {
  const demo = generateDemo({ seed: opts.seed ?? 7, people: opts.people ?? 30, endDate: opts.endDate ?? '2026-11-22' });
  await seedEvents(db, demo.calendar);
  await load(db, employeeTarget, demo.employees);
  await load(db, historyTarget('demo'), demo.history);
  return demo;
}
