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
import { type DayCounts, saveDailyImport } from '../history/daily-store.js';
import {
  type Ga4Options,
  type ImportResult,
  importGa4Report,
  importGa4Reports,
  importSycmFiles,
  type PartialPolicy,
  type SycmFileOptions,
} from '../history/importers/index.js';
import type { PeriodKind } from '../history/period.js';
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
import { unknownEmployeeReason, unknownIds } from '../ingest/references.js';
import {
  type IngestResult,
  type IngestTarget,
  invalidRows,
  type Validated,
  validateAndWrite,
  validateRecords,
  writeRows,
} from '../ingest/pipeline.js';
import { warning } from '../lib/warnings.js';
import { NotFoundError, PayloadTooLargeError } from '../lib/errors.js';
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
export type RecordSource = (need: {
  required: readonly string[];
  limit: number;
  /** Fields the reader cleans of NUL (the target removes them and warns) instead of refusing the row. */
  stripNul?: readonly string[] | undefined;
}) => Records;

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

/**
 * What an import stored: the period rows (counts as an upload's), the daily values behind them
 * (`days`), the warnings, and each period's coverage by the stored days (complete when
 * `covered_days` = `total_days`).
 */
export interface ImportAnswer extends IngestResult {
  warnings: ImportResult['warnings'];
  periods: ImportResult['periods'];
  days: DayCounts;
}

/** One uploaded file: its name (for errors) and its bytes, read by the service up to the body limit. */
export interface UploadedFile {
  name: string;
  stream: Readable;
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
  /**
   * 生意参谋 exports (CSV or tab text, .xls, .xlsx, a zip of one; several files as one export), read
   * up to the body limit in total; their days are stored and the periods they touch rolled up.
   */
  importSycm(
    files: AsyncIterable<UploadedFile> | Iterable<UploadedFile>,
    options: SycmFileOptions,
  ): Promise<ImportAnswer>;
  /**
   * A GA4 Data API runReport response (parsed JSON), or several as uploaded files (one form), read
   * up to the body limit in total; stored by day as importSycm stores them.
   */
  importGa4(
    source: { report: unknown } | { files: AsyncIterable<UploadedFile> | Iterable<UploadedFile> },
    options: Ga4Options,
  ): Promise<ImportAnswer>;
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
    const records = source({ required: target.required, limit: config.bodyLimit, stripNul: target.stripNul });
    let validated: Validated<T>;
    let written: IngestResult;
    if (!steps) {
      // without steps the rows may be written while the rest are read (COPY on PostgreSQL)
      ({ validated, written } = await validateAndWrite(db, target, records));
    } else {
      validated = await validateRecords(db, target, records);
      const rows = validated.map((r) => r.value);
      const previous = (await steps.before?.(rows)) as P;
      // the write and the steps after it (scoring, ratings) commit together or not at all
      written = await writeRows(db, target, rows, (w, tx) => steps.after?.(rows, w, previous, tx) ?? Promise.resolve());
    }
    deps.onIngested?.(kind, written.inserted + written.updated);
    const notes = Object.entries(validated.stripped ?? {}).map(([field, n]) =>
      warning(
        'nul_removed',
        `${n} NUL character${n === 1 ? '' : 's'} (U+0000) removed from ${field}: text cannot hold them; the rest was stored as sent`,
      ),
    );
    return notes.length > 0 ? { ...written, warnings: notes } : written;
  }

  /**
   * An import's days → `kpi_daily` (a day sent again replaces itself) → the periods they touch
   * rolled up again from every stored day of the employee (all shops, all imports) → `kpi_history`
   * with their coverage, in one transaction. A partial period is stored under `partial: 'include'`,
   * or when it was stored from days before (its value then follows the days); under 'drop' it
   * waits until its days are complete.
   */
  async function storeImport(
    origin: string,
    result: ImportResult,
    options: { periodKind: PeriodKind; partial?: PartialPolicy | undefined },
  ): Promise<ImportAnswer> {
    if (result.errors.length > 0) throw invalidRows(result.errors);
    if (result.days.length === 0)
      throw invalidRows([{ row: 0, field: '(body)', reason: 'no history rows in the request' }], 'history rows');
    const missing = await unknownIds(
      db,
      'employees',
      result.days.map((d) => d.employee_id),
    );
    if (missing.size > 0)
      throw invalidRows(
        [...missing].map((id) => ({
          row: 0,
          field: 'employee_id',
          reason: unknownEmployeeReason(id),
        })),
        'history rows',
      );
    const saved = await saveDailyImport(db, result.days, {
      source: origin,
      periodKind: options.periodKind,
      partial: options.partial ?? 'drop',
      async check(tx, rows) {
        const invalid = await historyTarget(origin).check!(
          tx,
          rows.map((value, i) => ({ row: i + 1, value })),
        );
        if (invalid.length > 0)
          throw invalidRows(
            invalid.map((e) => {
              const r = rows[e.row - 1]!;
              return { row: 0, field: e.field, reason: `${r.metric_id} ${r.period} (${r.employee_id}): ${e.reason}` };
            }),
            'periods',
          );
      },
    });
    // the importer's own coverage warnings counted this import alone; the stored days' replace them
    const own = result.warnings.filter((w) => w.code !== 'partial_period' && w.code !== 'value_not_computed');
    const answer: ImportAnswer = {
      received: saved.rows.length,
      inserted: saved.inserted,
      updated: saved.updated,
      unchanged: saved.rows.length - saved.inserted - saved.updated,
      warnings: [...own, ...saved.warnings],
      periods: saved.periods,
      days: saved.days,
    };
    deps.onIngested?.(origin, answer.inserted + answer.updated);
    return answer;
  }

  /** Reads uploaded files one after another, within the body limit in total. */
  async function readFiles(files: AsyncIterable<UploadedFile> | Iterable<UploadedFile>) {
    const out: { name: string; bytes: Uint8Array }[] = [];
    let total = 0;
    for await (const f of files) {
      let bytes: Buffer;
      try {
        bytes = await readLimited(f.stream, config.bodyLimit - total);
      } catch (e) {
        if (e instanceof PayloadTooLargeError) throw new PayloadTooLargeError(config.bodyLimit);
        throw e;
      }
      total += bytes.length;
      out.push({ name: f.name, bytes });
    }
    return out;
  }

  return {
    ingest,
    employees: (source) => ingest(employeeTarget, source, 'employees'),
    history: (source, origin = 'api') => ingest(historyTarget(origin), source, 'history'),
    async importSycm(files, options) {
      return storeImport('sycm', await importSycmFiles(await readFiles(files), options), options);
    },
    async importGa4(source, options) {
      if ('report' in source) {
        // the text rule (NUL, lone surrogates) on the whole report, before the importer reads it
        const faults = findTextFaults(source.report, 'report');
        if (faults.length > 0)
          throw invalidRows(
            faults.map((f) => ({ row: 0, field: f.field.replace(/^report\.?/, '') || '(report)', reason: f.reason })),
          );
      }
      const result =
        'report' in source
          ? importGa4Report(source.report, options)
          : importGa4Reports(await readFiles(source.files), options);
      return storeImport('ga4', result, options);
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
