/**
 * Closed appraisal periods (issue 25): close a role's period (a snapshot of its KPI inputs, targets with
 * overrides, ratings and weight profile, with the model versions and data fingerprint behind them),
 * reopen it with a reason, read any snapshot version, list what the data would answer differently now
 * (differences since close); and the override requests that wait for a second approver.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/types.js';
import { ConflictError, DomainError, NotFoundError } from '../lib/errors.js';
import { assertRole, parseTargetPeriod } from '../kpi/targets.js';
import { trainingDataState } from '../kpi/targets-store.js';
import { monthsOf } from '../kpi/cycles.js';
import { profileForPeriod } from '../kpi/weights.js';
import { decideRequest, getRequest, listRequests, type OverrideRequest } from '../periods/approvals-store.js';
import { type ExportFile, toCsv, toXlsx, XLSX_TYPE } from '../lib/spreadsheet.js';
import { PAYROLL_HEADER, payrollRows } from '../periods/payroll.js';
import { type Difference, differences } from '../periods/reads.js';
import {
  activeModelIds,
  closedOfPeriod,
  insertSnapshots,
  listClosed,
  reopenSnapshot,
  SNAPSHOT_PARTS,
  type SnapshotMeta,
  type SnapshotPart,
  type SnapshotParts,
  snapshotPart,
  snapshotsOf,
} from '../periods/store.js';
import { dataVersion } from './results-store.js';
import type { ReviewService } from './reviews.js';
import type { TargetService } from './targets.js';
import type { StoredOverride, AuditEntry } from '../kpi/overrides.js';

/** Attempts at computing a snapshot from one state of the data before giving up (409). */
export const CLOSE_ATTEMPTS = 5;

export interface PeriodState {
  role: string;
  period: string;
  state: 'open' | 'closed';
  /** The snapshot in force while closed. */
  current: SnapshotMeta | null;
  /** Every snapshot ever taken, oldest first. */
  versions: SnapshotMeta[];
}

export interface DifferencesAnswer {
  role: string;
  period: string;
  version: number;
  closed_at: Date;
  /** When the data was read for the comparison. */
  computed_at: string;
  /** Differences per part, all counted. */
  counts: Record<SnapshotPart, number>;
  total: number;
  /** The first `limit`, by part and path. */
  differences: Difference[];
}

/** The payroll file of a closed period, with what it carries: the snapshot's version and checksums. */
export interface PayrollExport {
  file: ExportFile;
  version: number;
  /** sha256 (hex) of the file's bytes as sent. */
  sha256: string;
  /** sha256 of the frozen KPI inputs the rows come from (the snapshot's `hashes.kpi_inputs`). */
  snapshot_sha256: string;
}

export interface PeriodService {
  /** Closes a role's period; closing a closed one answers its snapshot (`created: false`). */
  close(
    role: string,
    period: string,
    actor: string | null,
    reason?: string,
  ): Promise<{ snapshot: SnapshotMeta; created: boolean }>;
  /** Reopens a closed period (reason required); 409 when it is not closed. */
  reopen(role: string, period: string, actor: string | null, reason: string): Promise<SnapshotMeta>;
  state(role: string, period: string): Promise<PeriodState>;
  /** The closed snapshots (newest close first). */
  closed(role?: string): Promise<SnapshotMeta[]>;
  /** A snapshot as JSON text: one part exactly as it was answered, or all with its description. */
  snapshot(role: string, period: string, version: number | undefined, part: SnapshotPart | undefined): Promise<string>;
  /** What the data answers differently now than the snapshot (the version in force, or `version`). */
  differences(role: string, period: string, version: number | undefined, limit: number): Promise<DifferencesAnswer>;
  /**
   * The payroll file (CSV with BOM or XLSX) of the snapshot in force (or `version`, any one ever taken):
   * one row per person and metric of its frozen KPI inputs; 409 when the period is not closed and no
   * version is named.
   */
  payroll(role: string, period: string, version: number | undefined, format: 'csv' | 'xlsx'): Promise<PayrollExport>;
  requests(f: {
    state?: OverrideRequest['state'] | undefined;
    role?: string | undefined;
    period?: string | undefined;
  }): Promise<OverrideRequest[]>;
  request(id: number): Promise<OverrideRequest>;
  /** Applies a pending override; refused for the key that requested it (403) and when its period is closed (409). */
  approve(
    id: number,
    actor: string | null,
    reason: string | null,
  ): Promise<{ request: OverrideRequest; override: StoredOverride | null; audit: AuditEntry | null }>;
  reject(id: number, actor: string | null, reason: string): Promise<{ request: OverrideRequest }>;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export function createPeriodService(deps: { db: Db; targets: TargetService; reviews: ReviewService }): PeriodService {
  const { db, targets, reviews } = deps;

  /** What the data answers now for the role and period, as the JSON text a snapshot keeps. */
  async function liveParts(role: string, period: string): Promise<SnapshotParts> {
    const p = parseTargetPeriod(period);
    const [kpi, tg, ratings, profile] = await Promise.all([
      targets.live.kpiInputs(p.id, role),
      // a period the targets cannot answer (no model of its kind) freezes that answer: the same problem
      targets.live.roleTargets(role, p.id).catch((e: unknown) => {
        if (e instanceof DomainError) return { problem: e.toJSON() };
        throw e;
      }),
      reviews.liveRatings(p.id, role),
      profileForPeriod(db, p),
    ]);
    return {
      kpi_inputs: JSON.stringify(kpi),
      targets: JSON.stringify(tg),
      ratings: JSON.stringify(ratings),
      weight_profile: JSON.stringify(profile),
    };
  }

  async function key(role: string, period: string): Promise<string> {
    await assertRole(db, role);
    return parseTargetPeriod(period).id;
  }

  async function versionOf(role: string, period: string, version: number | undefined): Promise<SnapshotMeta> {
    const all = await snapshotsOf(db, role, period);
    const s = version === undefined ? all.at(-1) : all.find((x) => x.version === version);
    if (!s)
      throw new NotFoundError(
        version === undefined ? `a snapshot of ${role} ${period}` : `version ${version} of ${role} ${period}`,
      );
    return s;
  }

  return {
    async close(role, period, actor, reason) {
      const id = await key(role, period);
      const open = (await closedOfPeriod(db, id)).find((c) => c.role_id === role);
      if (open) return { snapshot: open, created: false };
      const p = parseTargetPeriod(id);
      // a quarter freezes its months with it (migration 017): the same close, the same state of the data
      const periods = [id, ...(p.kind === 'quarter' ? monthsOf(p).map((m) => m.id) : [])];
      for (let attempt = 0; attempt < CLOSE_ATTEMPTS; attempt++) {
        // every part from one state of the data: no committed write between the two readings of the version
        const before = await dataVersion(db);
        const [all, models, state] = await Promise.all([
          Promise.all(periods.map((x) => liveParts(role, x))),
          activeModelIds(db),
          trainingDataState(db),
        ]);
        if ((await dataVersion(db)) !== before) continue;
        const snapshots = all.map((parts, i) => {
          const hashes = Object.fromEntries(SNAPSHOT_PARTS.map((k) => [k, sha256(parts[k])])) as Record<
            SnapshotPart,
            string
          >;
          return {
            role,
            period: periods[i]!,
            actor,
            reason: i === 0 ? (reason ?? null) : `closed with ${id}${reason ? `: ${reason}` : ''}`,
            within: i === 0 ? null : id,
            dataVersion: before,
            fingerprint: sha256(`${state}|${JSON.stringify(models)}|${SNAPSHOT_PARTS.map((k) => hashes[k]).join('|')}`),
            models,
            hashes,
            parts,
          };
        });
        return (await insertSnapshots(db, snapshots))[0]!;
      }
      throw new ConflictError(`the data of ${role} ${id} kept changing while it was being closed; try again`);
    },

    async reopen(role, period, actor, reason) {
      const id = await key(role, period);
      const s = await reopenSnapshot(db, role, id, actor, reason);
      if (!s) throw new ConflictError(`${id} is not closed for ${role}`);
      return s;
    },

    async state(role, period) {
      const id = await key(role, period);
      const versions = await snapshotsOf(db, role, id);
      const current = versions.find((v) => v.state === 'closed') ?? null;
      return { role, period: id, state: current ? 'closed' : 'open', current, versions };
    },

    closed: (role) => listClosed(db, role),

    async snapshot(role, period, version, part) {
      const id = await key(role, period);
      const s = await versionOf(role, id, version);
      if (part) return (await snapshotPart(db, role, id, s.version, part))!;
      const texts = await Promise.all(SNAPSHOT_PARTS.map((k) => snapshotPart(db, role, id, s.version, k)));
      return `{"snapshot":${JSON.stringify(s)},${SNAPSHOT_PARTS.map((k, i) => `"${k}":${texts[i]}`).join(',')}}`;
    },

    async differences(role, period, version, limit) {
      const id = await key(role, period);
      const s = await versionOf(role, id, version);
      const live = await liveParts(role, id);
      const all: Difference[] = [];
      const counts = {} as Record<SnapshotPart, number>;
      for (const k of SNAPSHOT_PARTS) {
        const closed = (await snapshotPart(db, role, id, s.version, k))!;
        const d = closed === live[k] ? [] : differences(k, JSON.parse(closed), JSON.parse(live[k]));
        counts[k] = d.length;
        all.push(...d);
      }
      return {
        role,
        period: id,
        version: s.version,
        closed_at: s.closed_at,
        computed_at: new Date().toISOString(),
        counts,
        total: all.length,
        differences: all.slice(0, limit),
      };
    },

    async payroll(role, period, version, format) {
      const id = await key(role, period);
      let s: SnapshotMeta;
      if (version === undefined) {
        const current = (await closedOfPeriod(db, id)).find((c) => c.role_id === role);
        if (!current) throw new ConflictError(`${id} is not closed for ${role}: close it before exporting payroll`);
        s = current;
      } else s = await versionOf(role, id, version);
      const text = (await snapshotPart(db, role, id, s.version, 'kpi_inputs'))!;
      const rows = payrollRows(text, { role, version: s.version, sha256: s.hashes.kpi_inputs });
      const name = `payroll-${role}-${id}-v${s.version}`;
      const file: ExportFile =
        format === 'csv'
          ? {
              filename: `${name}.csv`,
              contentType: 'text/csv; charset=utf-8',
              // numbers exactly as frozen (the shortest text that reads back as the same double), not rounded
              body: toCsv(
                PAYROLL_HEADER,
                rows.map((r) => r.map((v) => (typeof v === 'number' ? String(v) : v))),
              ),
            }
          : {
              filename: `${name}.xlsx`,
              contentType: XLSX_TYPE,
              body: await toXlsx(PAYROLL_HEADER, rows, { sheetName: `payroll ${id} v${s.version}` }),
            };
      return { file, version: s.version, sha256: sha256(file.body), snapshot_sha256: s.hashes.kpi_inputs };
    },

    requests: (f) => listRequests(db, f),
    request: (id) => getRequest(db, id),
    approve: (id, actor, reason) =>
      decideRequest(db, id, 'approved', actor, reason, async (tx, r) => {
        if ((await closedOfPeriod(tx, r.period)).some((c) => c.role_id === r.role_id))
          throw new ConflictError(
            `${r.period} is closed for ${r.role_id}: reopen it before approving a change of its targets`,
          );
      }),
    async reject(id, actor, reason) {
      const { request } = await decideRequest(db, id, 'rejected', actor, reason, async () => {});
      return { request };
    },
  };
}
