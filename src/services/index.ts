/**
 * The service layer: one object per capability, built once per process from its dependencies and
 * shared by every client — the HTTP routes (app.ts decorates the Fastify instance with it), the
 * CLI, start-up (server.ts, setup.ts) and the worker. Every multi-step workflow lives in exactly
 * one service function (see README.md here).
 */
import { createKeyRepository, type KeyRepository } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import type { JobQueue, QueueHealth } from '../jobs/types.js';
import { VERSION } from '../lib/version.js';
import { type ActiveModels, activeModelsFor, activeSentimentProvider } from '../registry/active.js';
import type { SentimentProvider } from '../reviews/scoring.js';
import { type CatalogueService, createCatalogueService } from './catalogue.js';
import { type ConsoleService, createConsoleService } from './console.js';
import { createIngestionService, type IngestionService } from './ingestion.js';
import { createJobService, type JobService } from './jobs.js';
import { createModelService, type ModelService } from './models.js';
import { createReviewService, type ReviewService } from './reviews.js';
import { createTargetService, type TargetService } from './targets.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  queue: JobQueue;
  /** Counts ingested rows by kind (the app's Prometheus counter); none outside the HTTP process. */
  onIngested?: (kind: string, rows: number) => void;
}

export interface Health {
  status: 'ok' | 'degraded' | 'down';
  version: string;
  db: { kind: string; ok: boolean };
  queue: QueueHealth;
}

export interface Services {
  /** The dependencies the services were built from (process entries and tests use them; routes never do). */
  config: Config;
  db: Db;
  queue: JobQueue;
  /** The active model versions of this process (re-read every 2 s), shared with the job processors. */
  active: ActiveModels;
  /** The sentiment engine of the active versions, loaded on first use. */
  sentiment: SentimentProvider;
  keys: KeyRepository;
  catalogue: CatalogueService;
  ingestion: IngestionService;
  reviews: ReviewService;
  targets: TargetService;
  models: ModelService;
  jobs: JobService;
  /** The web console's sessions and reads (src/web). */
  console: ConsoleService;
  /** The database and the queue: 'down' without the database, 'degraded' without the queue. */
  health(): Promise<Health>;
  /** Stops what the services started (the sentiment engine's threads). */
  close(): Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db, queue } = deps;
  const active = activeModelsFor(db, config);
  const sentiment = activeSentimentProvider(db, config);
  const jobs = createJobService({ db, queue, activeIds: active.activeIds });
  const ingestion = createIngestionService({
    db,
    config,
    ...(deps.onIngested ? { onIngested: deps.onIngested } : {}),
  });
  const keys = createKeyRepository(db);
  const catalogue = createCatalogueService({ db });
  const reviews = createReviewService({ db, sentiment, ingestion });
  return {
    config,
    db,
    queue,
    active,
    sentiment,
    keys,
    catalogue,
    ingestion,
    reviews,
    console: createConsoleService({ db, keys, reviews, catalogue, sessionTtlMs: config.sessionTtlMs }),
    targets: createTargetService({ db, jobs }),
    models: createModelService({ db, config, jobs }),
    jobs,
    async health() {
      const [dbOk, q] = await Promise.all([db.ping(), queue.health()]);
      return {
        status: !dbOk ? 'down' : q.ok ? 'ok' : 'degraded',
        version: VERSION,
        db: { kind: db.kind, ok: dbOk },
        queue: q,
      };
    },
    close: () => active.close(),
  };
}
