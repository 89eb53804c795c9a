/**
 * Ingestion: records from any source (a request body, a file, generated demo rows) →
 * validation (every bad row reported, nothing written) → an optional read of what the rows
 * replace → one transaction of idempotent upserts → counted → an optional follow-up (reviews
 * score and rate: src/services/reviews.ts). Also the two export importers (生意参谋, GA4) and the
 * reads of employees and history.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import {
  type Ga4Options,
  type ImportResult,
  importGa4Report,
  importSycm,
  type SycmOptions,
} from '../history/importers/index.js';
import {
  employeeRowSchema,
  employeeTarget,
  getEmployee,
  historyRowSchema,
  historyTarget,
  listEmployees,
  listHistory,
  type StoredEmployee,
  type StoredHistory,
} from '../history/repository.js';
import { readLimited } from '../ingest/body.js';
import {
  type IngestResult,
  type IngestTarget,
  invalidRows,
  upsertRows,
  validateRecords,
  withinTransaction,
} from '../ingest/pipeline.js';
import { warning } from '../lib/warnings.js';
import { NotFoundError } from '../lib/errors.js';
import { findTextFaults } from '../lib/text.js';
import { returnRowSchema } from '../ratings/returns.js';
import { reviewRowSchema } from '../reviews/repository.js';

/** The schema each upload's rows are checked with, one row each (the routes document them). */
export const rowSchemas = {
  employees: employeeRowSchema,
  history: historyRowSchema,
  reviews: reviewRowSchema,
  returns: returnRowSchema,
};

export type Records = AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

/**
 * Where records come from, read only when the service asks: `required` columns (a CSV header must
 * hold them) and the byte limit to enforce while reading. A route turns its request into one
 * (src/routes/ingest.ts); `recordsOf` turns an array into one.
 */
export type RecordSource = (need: { required: readonly string[]; limit: number }) => Records;

export const recordsOf =
  (rows: readonly object[]): RecordSource =>
  () =>
    rows as Record<string, unknown>[];

export interface IngestSteps<T, P> {
  /** Runs on the valid rows before the write (e.g. to read where the rows sit now). */
  before?(rows: T[]): Promise<P>;
  /**
   * Runs once the rows are written, with what `before` returned, inside the write's transaction
   * (`tx`: use it for every statement): when it fails nothing of the request is kept.
   */
  after?(rows: T[], written: IngestResult, previous: P, tx: Db): Promise<void>;
}

export interface ImportAnswer extends IngestResult {
  warnings: ImportResult['warnings'];
  periods: ImportResult['periods'];
}

export interface IngestionService {
  /** The ingestion workflow for any target; `kind` names the rows in the ingested-rows counter. */
  ingest<T, P = undefined>(
    target: IngestTarget<T>,
    source: RecordSource,
    kind: string,
    steps?: IngestSteps<T, P>,
  ): Promise<IngestResult>;
  employees(source: RecordSource): Promise<IngestResult>;
  /** KPI history rows; `origin` is stored as their source (api, demo, sycm, ga4). */
  history(source: RecordSource, origin?: string): Promise<IngestResult>;
  /** A 生意参谋 export (CSV bytes, UTF-8 or GBK) read up to the body limit. */
  importSycm(body: Readable, options: SycmOptions): Promise<ImportAnswer>;
  /** A GA4 Data API runReport response. */
  importGa4(report: unknown, options: Ga4Options): Promise<ImportAnswer>;
  listEmployees(q: Parameters<typeof listEmployees>[1]): Promise<StoredEmployee[]>;
  /** @throws NotFoundError */
  employee(id: string): Promise<StoredEmployee>;
  listHistory(q: Parameters<typeof listHistory>[1]): Promise<StoredHistory[]>;
}

export function createIngestionService(deps: {
  db: Db;
  config: Pick<Config, 'bodyLimit'>;
  /** Counts rows inserted or changed, by kind (the app's Prometheus counter). */
  onIngested?: (kind: string, rows: number) => void;
}): IngestionService {
  const { db, config } = deps;

  async function ingest<T, P = undefined>(
    target: IngestTarget<T>,
    source: RecordSource,
    kind: string,
    steps?: IngestSteps<T, P>,
  ): Promise<IngestResult> {
    const records = source({ required: target.required, limit: config.bodyLimit });
    const validated = await validateRecords(db, target, records);
    const rows = validated.map((r) => r.value);
    const previous = (await steps?.before?.(rows)) as P;
    // the write and the steps after it (scoring, ratings) commit together or not at all
    const written = await db.transaction(async (tx) => {
      const w = await upsertRows(tx, target, rows);
      await steps?.after?.(rows, w, previous, withinTransaction(db, tx));
      return w;
    });
    deps.onIngested?.(kind, written.inserted + written.updated);
    const notes = Object.entries(validated.stripped ?? {}).map(([field, n]) =>
      warning(
        'nul_removed',
        `${n} NUL character${n === 1 ? '' : 's'} (U+0000) removed from ${field}: text cannot hold them; the rest was stored as sent`,
      ),
    );
    return notes.length > 0 ? { ...written, warnings: notes } : written;
  }

  async function storeImport(origin: string, result: ImportResult): Promise<ImportAnswer> {
    if (result.errors.length > 0) throw invalidRows(result.errors);
    const counts = await ingest(historyTarget(origin), recordsOf(result.rows), origin);
    return { ...counts, warnings: [...result.warnings, ...(counts.warnings ?? [])], periods: result.periods };
  }

  return {
    ingest,
    employees: (source) => ingest(employeeTarget, source, 'employees'),
    history: (source, origin = 'api') => ingest(historyTarget(origin), source, 'history'),
    async importSycm(body, options) {
      return storeImport('sycm', importSycm(await readLimited(body, config.bodyLimit), options));
    },
    importGa4(report, options) {
      // the text rule (NUL, lone surrogates) on the whole report, before the importer reads it
      const faults = findTextFaults(report, 'report');
      if (faults.length > 0)
        throw invalidRows(
          faults.map((f) => ({ row: 0, field: f.field.replace(/^report\.?/, '') || '(report)', reason: f.reason })),
        );
      return storeImport('ga4', importGa4Report(report, options));
    },
    listEmployees: (q) => listEmployees(db, q),
    async employee(id) {
      const e = await getEmployee(db, id);
      if (!e) throw new NotFoundError(`employee ${id}`);
      return e;
    },
    listHistory: (q) => listHistory(db, q),
  };
}
