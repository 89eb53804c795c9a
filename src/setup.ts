/**
 * First-run data: the default business calendar (seeded once, into an empty calendar, so edits
 * and deletions stick), and on a database without employees (KPI_DEMO=true) the generated demo
 * history, reviews and return events, loaded through the ingestion service like any upload; then the reviews left without a
 * sentiment are scored and the ratings recomputed where needed (the reviews service).
 */
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import { defaultPromotionCalendar, generateDemo } from './demo/index.js';
import { periodOf, shiftPeriod } from './history/period.js';
import { countEmployees } from './history/repository.js';
import { countEvents, seedEvents } from './kpi/calendar.js';
import { returnTarget } from './ratings/returns.js';
import { reviewTarget } from './reviews/repository.js';
import type { SentimentProvider } from './reviews/scoring.js';
import { createIngestionService, type IngestionService, recordsOf } from './services/ingestion.js';
import { createReviewService } from './services/reviews.js';

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

/** Without an engine (tests of the data alone) nothing is scored; ratings of an earlier model are still recomputed. */
const noEngine: SentimentProvider = { get: () => Promise.reject(new Error('no sentiment engine')) };

export async function prepareData(
  db: Db,
  config: Pick<Config, 'demo'> & Partial<Pick<Config, 'demoPeople'>>,
  log: Log,
  sentiment?: SentimentProvider,
  now = new Date(),
): Promise<SetupResult> {
  // demo rows go through the same validation as any upload (no body limit: they are not read from a request)
  const ingestion = createIngestionService({ db, config: { bodyLimit: Number.POSITIVE_INFINITY } });
  const reviews = createReviewService({ db, sentiment: sentiment ?? noEngine, ingestion });
  const result = await loadFirstRunData(db, ingestion, config, log, now);
  const { scored, ratings } = await reviews.scoreUnscored(log, { score: sentiment !== undefined });
  return { ...result, scored, ratings };
}

async function loadFirstRunData(
  db: Db,
  ingestion: IngestionService,
  config: Pick<Config, 'demo'> & Partial<Pick<Config, 'demoPeople'>>,
  log: Log,
  now: Date,
): Promise<Omit<SetupResult, 'scored' | 'ratings'>> {
  const year = now.getUTCFullYear();
  let calendarSeeded = 0;
  if ((await countEvents(db)) === 0)
    calendarSeeded = await seedEvents(db, defaultPromotionCalendar(year - 4, year + 1));
  if (!config.demo || (await countEmployees(db)) !== 0) return { calendarSeeded, demoLoaded: false, summary: '' };

  const started = Date.now();
  // the demo ends with the last full ISO week before today
  const endDate = shiftPeriod(periodOf(now, 'week'), -1).end;
  const demo = generateDemo({ seed: 42, endDate, people: config.demoPeople });
  const employees = (await ingestion.employees(recordsOf(demo.employees))).inserted;
  const history = (await ingestion.history(recordsOf(demo.history), 'demo')).inserted;
  // scored (all at once) right after, by prepareData
  const reviews = (await ingestion.ingest(reviewTarget, recordsOf(demo.reviews), 'reviews')).inserted;
  const returns = (await ingestion.ingest(returnTarget, recordsOf(demo.returns), 'returns')).inserted;
  const summary = `${employees} employees, ${history} history rows, ${reviews} reviews, ${returns} return events up to ${endDate}`;
  log.info({ employees, history, reviews, returns, ms: Date.now() - started }, 'demo data loaded');
  return { calendarSeeded, demoLoaded: true, summary };
}
