/**
 * Import of target overrides from the target desk's export layout (CSV with or without BOM, or XLSX):
 * each row names employee_id (or '*' for the whole role), role, metric and period; `override_value`
 * sets the override (with `override_reason`, required), an empty value with a reason reverts the
 * override in force, both empty leave the row as it is (the export's other columns are read past).
 *
 * All or nothing: every row is checked first (the same checks as one override through the API —
 * role, metric, the employee's role, the metric's bounds, a period closed for the role — and no key
 * twice) and any bad row refuses the whole file with its row errors (422), nothing written. Then the
 * whole file is taken in one transaction, each change with its audit row (recordAudit): a row within
 * the approval threshold (config OVERRIDE_APPROVAL_*) is applied (setOverrideOn / clearOverrideOn); a
 * row beyond it is filed as an override request for a second HR key (maker–checker, as
 * PUT /v1/targets/overrides files one; /hr/approvals), never applied by the import. Retry-safe: a row
 * already in force (same value and reason, or nothing to revert), or whose same request from the same
 * key is pending already, is counted unchanged and writes nothing, so the same file sent twice changes
 * nothing the second time.
 */
import { Readable } from 'node:stream';
import type { Db } from '../db/types.js';
import { csvRecords } from '../ingest/body.js';
import { invalidRows, type RowError } from '../lib/errors.js';
import { sniff, readWorkbook } from '../lib/spreadsheet.js';
import { textFault } from '../lib/text.js';
import { clearOverrideOn, loadOverrides, ROLE_WIDE, type StoredOverride, setOverrideOn } from '../kpi/overrides.js';
import { approvalWhy, whyText } from '../kpi/approval.js';
import {
  assertRole,
  type MetricInfo,
  metricInfo,
  parseTargetPeriod,
  scopeTargets,
  TargetError,
} from '../kpi/targets.js';
import { roleOfEmployee } from '../kpi/targets-store.js';
import { createRequestOn } from '../periods/approvals-store.js';
import { closedOfPeriod } from '../periods/store.js';
import { NotFoundError } from '../lib/errors.js';

/** The columns an import reads (the desk's export has them, among others). */
export const OVERRIDE_IMPORT_COLUMNS = [
  'employee_id',
  'role',
  'metric',
  'period',
  'override_value',
  'override_reason',
] as const;

export interface OverrideImportResult {
  /** Data rows read. */
  received: number;
  /** Overrides set or changed. */
  set: number;
  /** Overrides reverted (back to the suggested target). */
  cleared: number;
  /** Rows already so, left empty, or whose same request is pending already. */
  unchanged: number;
  /** Override requests filed now for a second approver (rows beyond the approval threshold). */
  requested: number;
  /** Every row waiting for a second approver, in row order: filed now, or pending already. */
  requests: ImportedRequest[];
}

/** A row of the file filed as an override request (src/periods/approvals-store.ts). */
export interface ImportedRequest {
  row: number;
  request_id: number;
  employee_id: string;
  role: string;
  metric: string;
  period: string;
  value: number;
  /** why it needs a second approver (the threshold it crosses, or role-wide) */
  why: string;
  /** false: the same request from the same key was pending already */
  filed: boolean;
}

export interface OverrideImportService {
  /**
   * Imports the overrides of `file` (CSV or XLSX bytes) as `actor`.
   * @throws InvalidRowsError (422) listing every bad row; nothing is written then.
   */
  importOverrides(file: { name: string; bytes: Uint8Array }, actor: string | null): Promise<OverrideImportResult>;
}

type Cells = Record<(typeof OVERRIDE_IMPORT_COLUMNS)[number], string>;

interface Change {
  row: number;
  kind: 'set' | 'clear' | 'request';
  role: string;
  metric: string;
  period: string;
  employeeId: string;
  value: number;
  reason: string;
  suggested: number | null;
  modelVersion: string | null;
  /** why a second approver is needed (kind 'request') */
  why?: string;
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v).trim());

/** The file's data rows (row 1 is the first after the header), each with the columns the import reads. */
async function rowsOf(file: { name: string; bytes: Uint8Array }, limit: number): Promise<Cells[]> {
  const pick = (r: Record<string, unknown>): Cells =>
    Object.fromEntries(OVERRIDE_IMPORT_COLUMNS.map((c) => [c, cell(r[c])])) as Cells;
  if (sniff(file.bytes) !== 'text') {
    const sheet = await readWorkbook(file.bytes, { fileName: file.name });
    const [header = [], ...data] = sheet.rows;
    const cols = header.map((h) => cell(h));
    const missing = OVERRIDE_IMPORT_COLUMNS.filter((c) => !cols.includes(c));
    if (missing.length > 0)
      throw invalidRows(
        missing.map((c) => ({ row: 0, field: c, reason: `column missing from the header (${sheet.sheet})` })),
        'header columns',
      );
    return data
      .filter((r) => r.some((v) => cell(v) !== ''))
      .map((r) => pick(Object.fromEntries(cols.map((c, i) => [c, r[i]]))));
  }
  const out: Cells[] = [];
  for await (const r of csvRecords(Readable.from([Buffer.from(file.bytes)]), {
    limit,
    charset: 'utf-8',
    required: OVERRIDE_IMPORT_COLUMNS,
  }))
    out.push(pick(r));
  return out;
}

export function createOverrideImportService(deps: {
  db: Db;
  bodyLimit: number;
  /** Overrides needing a second approver (config OVERRIDE_APPROVAL_*): filed as requests by an import. */
  overrideApproval?: { threshold: number; roleWide: boolean } | undefined;
}): OverrideImportService {
  const { db } = deps;

  /** Why an override would need a second approver (the target service's rule: src/kpi/approval.ts), or null. */
  const approvalNeeded = (employeeId: string, value: number, suggested: number | null): string | null => {
    const why = approvalWhy(deps.overrideApproval, employeeId, value, suggested);
    return why && whyText(why);
  };

  return {
    async importOverrides(file, actor) {
      const rows = await rowsOf(file, deps.bodyLimit);
      if (rows.length === 0)
        throw invalidRows([{ row: 0, field: '(file)', reason: 'no data rows under the header' }], 'rows');
      const errors: RowError[] = [];
      const bad = (row: number, field: string, reason: string) => errors.push({ row, field, reason });

      // what each role, metric, period and employee is, read once per file
      const roles = new Map<string, boolean>();
      const metrics = new Map<string, MetricInfo | null>();
      const closed = new Map<string, Set<string>>();
      const employees = new Map<string, string | null>();
      const scopes = new Map<
        string,
        {
          overrides: Map<string, StoredOverride>;
          suggested: Map<string, number>;
          median: number | null;
          model: string | null;
        }
      >();
      const seen = new Map<string, number>();
      const changes: Change[] = [];
      let unchanged = 0;

      for (const [i, r] of rows.entries()) {
        const row = i + 1;
        const n = errors.length;
        for (const [field, v] of Object.entries(r)) {
          const fault = textFault(v);
          if (fault) bad(row, field, fault);
        }
        for (const field of ['employee_id', 'role', 'metric', 'period'] as const)
          if (!r[field]) bad(row, field, 'required');
        if (r.override_reason.length > 2000) bad(row, 'override_reason', 'at most 2000 characters');
        let value: number | null = null;
        if (r.override_value !== '') {
          value = Number(r.override_value.replace(/,/g, ''));
          if (!Number.isFinite(value)) bad(row, 'override_value', `not a number: ${r.override_value}`);
          if (!r.override_reason) bad(row, 'override_reason', 'required with an override_value');
        }
        if (errors.length > n) continue;
        if (value === null && !r.override_reason) {
          unchanged += 1;
          continue;
        }
        let period: string;
        try {
          period = parseTargetPeriod(r.period).id;
        } catch (e) {
          bad(row, 'period', (e as Error).message);
          continue;
        }
        const key = `${r.role}\u0000${r.metric}\u0000${period}\u0000${r.employee_id}`;
        const before = seen.get(key);
        if (before !== undefined) {
          bad(row, 'employee_id', `the same override as row ${before}`);
          continue;
        }
        seen.set(key, row);

        if (!roles.has(r.role))
          roles.set(
            r.role,
            await assertRole(db, r.role).then(
              () => true,
              (e) => (e instanceof NotFoundError ? false : Promise.reject(e)),
            ),
          );
        if (!roles.get(r.role)) {
          bad(row, 'role', `unknown role ${r.role}`);
          continue;
        }
        if (!metrics.has(r.metric))
          metrics.set(
            r.metric,
            await metricInfo(db, r.metric).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
          );
        const metric = metrics.get(r.metric);
        if (!metric) {
          bad(row, 'metric', `unknown metric ${r.metric}`);
          continue;
        }
        if (r.employee_id !== ROLE_WIDE) {
          if (!employees.has(r.employee_id)) employees.set(r.employee_id, await roleOfEmployee(db, r.employee_id));
          const role = employees.get(r.employee_id);
          if (role === null || role === undefined) {
            bad(row, 'employee_id', `unknown employee ${r.employee_id}`);
            continue;
          }
          if (role !== r.role) {
            bad(row, 'employee_id', `employee ${r.employee_id} has role ${role}, not ${r.role}`);
            continue;
          }
        }
        if (!closed.has(period)) closed.set(period, new Set((await closedOfPeriod(db, period)).map((c) => c.role_id)));
        if (closed.get(period)!.has(r.role)) {
          bad(row, 'period', `${period} is closed for ${r.role}: reopen it before changing its targets`);
          continue;
        }
        if (
          value !== null &&
          ((metric.min_value !== null && value < metric.min_value) ||
            (metric.max_value !== null && value > metric.max_value))
        ) {
          bad(
            row,
            'override_value',
            `${value} is outside ${metric.min_value ?? '−∞'}–${metric.max_value ?? '∞'} for ${metric.id}`,
          );
          continue;
        }
        const scopeKey = `${r.role}\u0000${r.metric}\u0000${period}`;
        let scope = scopes.get(scopeKey);
        if (!scope) {
          const k = { role: r.role, metric: r.metric, kind: parseTargetPeriod(period).kind };
          const overrides = await loadOverrides(db, k, period);
          try {
            const a = await scopeTargets(db, k, parseTargetPeriod(period), { metric });
            scope = {
              overrides,
              suggested: new Map(a.people.map((p) => [p.employee_id, p.suggested_target])),
              median: a.summary.median.target,
              model: a.model_version,
            };
          } catch (e) {
            if (!(e instanceof TargetError)) throw e;
            scope = { overrides, suggested: new Map(), median: null, model: null };
          }
          scopes.set(scopeKey, scope);
        }
        const now = scope.overrides.get(r.employee_id);
        const suggested = r.employee_id === ROLE_WIDE ? scope.median : (scope.suggested.get(r.employee_id) ?? null);
        const common = {
          row,
          role: r.role,
          metric: r.metric,
          period,
          employeeId: r.employee_id,
          reason: r.override_reason,
          suggested,
          modelVersion: scope.model,
        };
        if (value === null) {
          if (now) changes.push({ ...common, kind: 'clear', value: now.value });
          else unchanged += 1;
          continue;
        }
        if (now && Number(now.value) === value && now.reason === r.override_reason) {
          unchanged += 1;
          continue;
        }
        const why = approvalNeeded(r.employee_id, value, suggested);
        changes.push(why ? { ...common, kind: 'request', value, why } : { ...common, kind: 'set', value });
      }
      if (errors.length > 0) throw invalidRows(errors, 'rows');

      let set = 0;
      let cleared = 0;
      let requested = 0;
      const requests: ImportedRequest[] = [];
      await db.transaction(async (tx) => {
        for (const c of changes) {
          const change = {
            role: c.role,
            metric: c.metric,
            period: c.period,
            employeeId: c.employeeId,
            reason: c.reason,
            actor,
            suggested: c.suggested,
            modelVersion: c.modelVersion,
          };
          if (c.kind === 'request') {
            const { request, created } = await createRequestOn(tx, { ...change, value: c.value, why: c.why! });
            if (created) requested += 1;
            else unchanged += 1;
            requests.push({
              row: c.row,
              request_id: request.id,
              employee_id: c.employeeId,
              role: c.role,
              metric: c.metric,
              period: c.period,
              value: c.value,
              why: c.why!,
              filed: created,
            });
          } else if (c.kind === 'set') {
            await setOverrideOn(tx, { ...change, value: c.value });
            set += 1;
          } else {
            await clearOverrideOn(tx, change);
            cleared += 1;
          }
        }
      });
      return { received: rows.length, set, cleared, unchanged, requested, requests };
    },
  };
}
