/**
 * The service layer: one object per capability, built once per process from its dependencies and
 * shared by every client — the HTTP routes (app.ts decorates the Fastify instance with it), the
 * CLI, start-up (server.ts, setup.ts) and the worker. Every multi-step workflow lives in exactly
 * one service function (see README.md here).
 */
import { createOverrideImportService, type OverrideImportService } from './override-import.js';
import { setEventBounds } from '../ingest/fields.js';
import { setRowErrorLimit } from '../ingest/pipeline.js';
import { createKeyRepository, type KeyRepository } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import type { JobQueue, QueueHealth } from '../jobs/types.js';
import { VERSION } from '../lib/version.js';
import { type ActiveModels, activeModelsFor, activeSentimentProvider } from '../registry/active.js';
import { createPrivacyPolicy, type PrivacyPolicy } from '../privacy/policy.js';
import type { SentimentProvider } from '../reviews/scoring.js';
import { type AppraisalService, createAppraisalService } from './appraisal.js';
import { type AuditService, createAuditService } from './audit.js';
import { type BackupService, createBackupService } from './backups.js';
import { type CatalogueService, createCatalogueService } from './catalogue.js';
import { type ConsoleService, createConsoleService } from './console.js';
import { type CorrectionService, createCorrectionService } from './corrections.js';
import { createIngestionService, type IngestionService } from './ingestion.js';
import { createJobService, type JobService } from './jobs.js';
import { createModelService, type ModelService } from './models.js';
import { createPeriodService, type PeriodService } from './periods.js';
import { createDependencyCheck } from './probes.js';
import { createStoredReads } from './results.js';
import { createReviewService, type ReviewService } from './reviews.js';
import { createTargetService, type TargetService } from './targets.js';
import { createTargetDeskService, type TargetDeskService } from './target-desk.js';
import { createLaterStores } from './later-stores.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  queue: JobQueue;
  /** Counts ingested rows by kind (the app's Prometheus counter); none outside the HTTP process. */
  onIngested?: (kind: string, rows: number) => void;
  /** Told of work that failed after its answer was sent (the desk's table stores); the app logs it. */
  onBackgroundError?: (err: unknown, what: string) => void;
  /** The process still has start-up work to do (server.ts sets `lifecycle.started` when it is done); default false. */
  starting?: boolean;
}

export interface Health {
  status: 'ok' | 'degraded' | 'down';
  version: string;
  db: { kind: string; ok: boolean };
  queue: QueueHealth;
}

export interface Readiness {
  ready: boolean;
  started: boolean;
  closing: boolean;
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
  /** Personal-data masking of review text per surface (api, console, logs; PII_RAW shows one raw). */
  privacy: PrivacyPolicy;
  catalogue: CatalogueService;
  ingestion: IngestionService;
  reviews: ReviewService;
  /** Corrections and appeals of a review's attribution, and their training export (issue 18). */
  corrections: CorrectionService;
  targets: TargetService;
  models: ModelService;
  jobs: JobService;
  /** 360° feedback, incentive plans and payouts, growth points, cycles, A/B comparisons (issue 17). */
  appraisal: AppraisalService;
  /** Closed appraisal periods (snapshots, reopen, differences since close) and override approvals (issue 25). */
  periods: PeriodService;
  /** The one audit log's reads and exports (every audited change writes to it, src/audit). */
  audit: AuditService;
  /** A consistent copy of the database while it runs (PGlite; PostgreSQL answers with pg_dump). */
  backups: BackupService;
  /** The web console's sessions and reads (src/web). */
  console: ConsoleService;
  /** The console's target desk: a role's targets searched, sorted, paged and exported; "why this number". */
  desk: TargetDeskService;
  /** Overrides imported from the desk's export layout, all or nothing (console part 2, issue 13). */
  overrideImport: OverrideImportService;
  /** The database and the queue (a check at most PROBE_MAX_AGE_MS old, probes.ts): 'down' without the database, 'degraded' without the queue. */
  health(): Promise<Health>;
  /** Start-up done and not shutting down (server.ts and app.ts set these; /ready reads them). */
  lifecycle: { started: boolean; closing: boolean };
  /** Ready for traffic: start-up done, not closing (both read now), the database and the queue answer (as health()). */
  readiness(): Promise<Readiness>;
  /** Stops what the services started (the sentiment engine's threads) and waits for the desk's table stores and the forecast sets cached after answers. */
  close(): Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db, queue } = deps;
  // the input limits every ingestion path applies (ROW_ERROR_LIMIT, EVENT_DATE_MIN, EVENT_MAX_AHEAD_DAYS)
  if (config.rowErrorLimit) setRowErrorLimit(config.rowErrorLimit);
  if (config.eventDates) setEventBounds(config.eventDates);
  const active = activeModelsFor(db, config);
  const sentiment = activeSentimentProvider(db, config);
  const jobs = createJobService({ db, queue, activeIds: active.activeIds });
  const stored = createStoredReads(db);
  const ingestion = createIngestionService({
    db,
    config,
    ...(deps.onIngested ? { onIngested: deps.onIngested } : {}),
  });
  const lifecycle = { started: !deps.starting, closing: false };
  const dependencies = createDependencyCheck(db, queue);
  // the appraisal service reads the KPI inputs, which show its 360 scores: bound late
  let targets: TargetService | undefined;
  const appraisal = createAppraisalService({
    db,
    ingestion,
    bodyLimit: config.bodyLimit,
    jobs,
    kpiInputs: (period, f) => targets!.kpiInputs(period, f),
  });
  // the forecast sets a targets read computes are cached after its answer (the API's and the desk's)
  const later = createLaterStores(deps.onBackgroundError);
  targets = createTargetService({
    db,
    jobs,
    stored,
    feedbackOf: (period) => appraisal.feedbackOf(period),
    overrideApproval: config.overrideApproval,
    later,
  });
  const desk = createTargetDeskService({ db, targets, later, onError: deps.onBackgroundError });
  const keys = createKeyRepository(db, {
    maxLifetimeMs: config.keyLifetime.maxMs,
    rotationGraceMs: config.keyLifetime.rotationGraceMs,
  });
  const catalogue = createCatalogueService({ db });
  const privacy = createPrivacyPolicy(config.privacy);
  const reviews = createReviewService({ db, sentiment, ingestion, stored, masker: privacy.masker('api') });
  // the console's reads mask as the console is configured (PII_RAW=console shows raw text there only)
  const consoleReviews = createReviewService({ db, sentiment, ingestion, stored, masker: privacy.masker('console') });
  return {
    config,
    db,
    queue,
    active,
    sentiment,
    keys,
    privacy,
    catalogue,
    ingestion,
    reviews,
    corrections: createCorrectionService({ db, masker: privacy.masker('api') }),
    console: createConsoleService({
      db,
      keys,
      reviews: consoleReviews,
      catalogue,
      sessionTtlMs: config.sessionTtlMs,
      masker: privacy.masker('console'),
    }),
    desk,
    overrideImport: createOverrideImportService({
      db,
      bodyLimit: config.bodyLimit,
      overrideApproval: config.overrideApproval,
    }),
    targets,
    models: createModelService({ db, config, jobs }),
    jobs,
    appraisal,
    audit: createAuditService({ db }),
    backups: createBackupService({ db }),
    periods: createPeriodService({ db, targets, reviews }),
    async health() {
      const { db: d, queue: q } = await dependencies();
      return { status: !d.ok ? 'down' : q.ok ? 'ok' : 'degraded', version: VERSION, db: d, queue: q };
    },
    lifecycle,
    async readiness() {
      // the lifecycle is read now; the dependencies' answer is at most PROBE_MAX_AGE_MS old (probes.ts)
      const { db: d, queue: q } = await dependencies();
      const { started, closing } = lifecycle;
      return { ready: started && !closing && d.ok && q.ok, started, closing, db: d, queue: q };
    },
    async close() {
      // the stores write to the database, which the process closes next; the desk's close starts the forecast
      // stores of its builds, so the later stores are waited for last
      await Promise.all([desk.close(), active.close()]);
      await later.close();
    },
  };
}
