/**
 * First-run data: the default business calendar (seeded once, into an empty calendar, so edits
 * and deletions stick), and on a database without employees (KPI_DEMO=true) the generated demo
 * history, so the first start shows a working service.
 */
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import { defaultPromotionCalendar, generateDemo } from './demo/index.js';
import { periodOf, shiftPeriod } from './history/period.js';
import { employeeTarget, historyTarget } from './history/repository.js';
import { validateRecords, writeRows, type IngestTarget } from './ingest/pipeline.js';
import { seedEvents } from './kpi/calendar.js';
import { reviewTarget } from './reviews/repository.js';
import { RATING_MODEL } from './ratings/model.js';
import { recomputeRatings } from './ratings/recompute.js';
import { scoreStoredReviews, type SentimentProvider } from './reviews/scoring.js';

export interface SetupResult {
  calendarSeeded: number;
  demoLoaded: boolean;
  /** Reviews found without a sentiment score and scored now. */
  scored: number;
  /** Rating rows written by the recompute that follows scoring or a rating-model change (0 when neither happened). */
  ratings: number;
  summary: string;
}

interface Log {
  info(obj: object, msg: string): void;
}

async function load<T>(db: Db, target: IngestTarget<T>, records: readonly T[]): Promise<number> {
  // demo rows go through the same validation as any upload
  const rows = await validateRecords(db, target, records as unknown as Record<string, unknown>[]);
  return (
    await writeRows(
      db,
      target,
      rows.map((r) => r.value),
    )
  ).inserted;
}

export async function prepareData(
  db: Db,
  config: Pick<Config, 'demo'>,
  log: Log,
  sentiment?: SentimentProvider,
  now = new Date(),
): Promise<SetupResult> {
  const result = await loadFirstRunData(db, config, log, now);
  // reviews without a score (the demo, or an ingestion cut short) are scored before serving
  const scored = sentiment ? (await scoreStoredReviews(db, await sentiment.get())).scored : 0;
  if (scored > 0) log.info({ scored }, 'scored reviews that had no sentiment yet');
  // ratings follow new scores (all of them on a demo start), and a new rating model replaces the rows of the old one
  const outdated = await db.query('select 1 from agent_ratings where rating_model is distinct from $1 limit 1', [
    RATING_MODEL,
  ]);
  if (scored === 0 && outdated.rows.length === 0) return { ...result, scored, ratings: 0 };
  const ratings = (await recomputeRatings(db)).updated;
  log.info({ ratings, rating_model: RATING_MODEL }, 'service-ability ratings recomputed');
  return { ...result, scored, ratings };
}

async function loadFirstRunData(
  db: Db,
  config: Pick<Config, 'demo'>,
  log: Log,
  now: Date,
): Promise<Omit<SetupResult, 'scored' | 'ratings'>> {
  const year = now.getUTCFullYear();
  let calendarSeeded = 0;
  const events = await db.query<{ n: number }>('select count(*)::int8 as n from calendar_events');
  if (events.rows[0]?.n === 0) calendarSeeded = await seedEvents(db, defaultPromotionCalendar(year - 4, year + 1));

  const people = await db.query<{ n: number }>('select count(*)::int8 as n from employees');
  if (!config.demo || people.rows[0]?.n !== 0) return { calendarSeeded, demoLoaded: false, summary: '' };

  const started = Date.now();
  // the demo ends with the last full ISO week before today
  const endDate = shiftPeriod(periodOf(now, 'week'), -1).end;
  const demo = generateDemo({ seed: 42, endDate });
  const employees = await load(db, employeeTarget, demo.employees);
  const history = await load(db, historyTarget('demo'), demo.history);
  const reviews = await load(db, reviewTarget, demo.reviews);
  const summary = `${employees} employees, ${history} history rows, ${reviews} reviews up to ${endDate}`;
  log.info({ employees, history, reviews, ms: Date.now() - started }, 'demo data loaded');
  return { calendarSeeded, demoLoaded: true, summary };
}
