/**
 * The audit log's reads: the one store every audited change writes to (src/audit), filtered, paged
 * newest first, and exported as CSV (UTF-8 with BOM) or XLSX for the auditors' spreadsheets.
 */
import { type AuditFilter, type AuditRecord, listAuditLog } from '../audit/store.js';
import type { Db } from '../db/types.js';
import { type ExportFile, toCsv, toXlsx, XLSX_TYPE } from '../lib/spreadsheet.js';

export type AuditQuery = Omit<AuditFilter, 'limit'> & { limit: number };

export interface AuditPage {
  entries: AuditRecord[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: number | null;
}

export interface AuditService {
  list(q: AuditQuery): Promise<AuditPage>;
  /** Every matching entry up to `limit` (at most EXPORT_MAX), newest first. */
  export(q: AuditQuery, format: 'csv' | 'xlsx'): Promise<ExportFile>;
}

export const EXPORT_MAX = 100_000;

const HEADER = [
  'id',
  'at',
  'actor',
  'action',
  'subject_type',
  'subject_id',
  'role_id',
  'metric_id',
  'period',
  'employee_id',
  'before',
  'after',
  'reason',
  'detail',
] as const;

const cell = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function createAuditService(deps: { db: Db }): AuditService {
  const { db } = deps;
  return {
    async list(q) {
      // one row more than asked tells whether an older page exists
      const rows = await listAuditLog(db, { ...q, limit: q.limit + 1 });
      const entries = rows.slice(0, q.limit);
      return { entries, next_before: rows.length > q.limit ? entries[entries.length - 1]!.id : null };
    },
    async export(q, format) {
      const rows = await listAuditLog(db, { ...q, limit: Math.min(q.limit, EXPORT_MAX) });
      const table = rows.map((a) => [
        a.id,
        a.at.toISOString(),
        a.actor,
        a.action,
        a.subject_type,
        a.subject_id,
        a.role_id,
        a.metric_id,
        a.period,
        a.employee_id,
        cell(a.before),
        cell(a.after),
        a.reason,
        cell(a.detail),
      ]);
      const name = `audit-${new Date().toISOString().slice(0, 10)}`;
      return format === 'csv'
        ? { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(HEADER, table) }
        : {
            filename: `${name}.xlsx`,
            contentType: XLSX_TYPE,
            body: await toXlsx(HEADER, table, { sheetName: 'audit' }),
          };
    },
  };
}
