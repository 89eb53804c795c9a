/**
 * The rest of the appraisal framework (issue 17) as clients use it: 360° ratings (import, calibrated
 * scores, rater leniency) and the 360 score beside the KPI inputs; commission plans (versioned), payout
 * previews from a period's KPI inputs with every step, and their payroll export (CSV with BOM, XLSX). Writes record their actor (the API
 * key id) in their own tables until the hardening issue's one audit store exists.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  AB_COMPARE,
  type AbReport,
  type ComparisonRequest,
  comparisonRequestSchema,
  resolveRequest,
} from '../appraisal/ab-run.js';
import {
  getComparison,
  insertComparison,
  listComparisons,
  setComparisonJob,
  type StoredComparison,
} from '../appraisal/ab-store.js';
import type { JobStatus } from '../jobs/types.js';
import { ConflictError } from '../lib/errors.js';
import type { JobService } from './jobs.js';
import type { Db, Queryable } from '../db/types.js';
import {
  type DeclaredPlan,
  getPlan,
  getPreview,
  listPlans,
  monthlyRatings,
  savePlan,
  savePreview,
  type StoredPlan,
  type StoredPreview,
} from '../appraisal/incentives-store.js';
import { type BonusPool, evaluatePayouts, type PayoutPreview, parsePlan, planSchema } from '../appraisal/incentives.js';
import { type ExportFile, toCsv, toXlsx, XLSX_TYPE } from '../lib/spreadsheet.js';
import {
  accountsWithTeams,
  allEntries,
  type Change,
  currentCatalogue,
  getAccount,
  listEntries,
  recordChange,
  saveCatalogue,
  type StoredCatalogue,
  type StoredEntry,
} from '../appraisal/growth-store.js';
import {
  type LeaderboardRow,
  type LevelInfo,
  leaderboard,
  levelOf,
  parseCatalogue,
  verifyLedger,
} from '../appraisal/growth.js';
import type { RowError } from '../lib/errors.js';
import { type Appraised, getCycle, type RoleCycle, setCycle, type Tracked } from '../appraisal/cycles-store.js';
import {
  dropCalibration,
  recordRatingsImport,
  feedbackPeriods,
  feedbackTarget,
  getCalibration,
  peopleInfo,
  periodRatings,
  saveCalibration,
  type StoredCalibration,
} from '../appraisal/feedback-store.js';
import type { Feedback360 } from '../appraisal/feedback-rows.js';
import { calibrate360, type PersonScore, type RaterLeniency } from '../appraisal/rater.js';
import { parsePeriod } from '../history/period.js';
import type { IngestResult } from '../ingest/pipeline.js';
import { DomainError, InvalidRowsError, NotFoundError } from '../lib/errors.js';
import { warning, type Warning } from '../lib/warnings.js';
import type { IngestionService, RecordSource } from './ingestion.js';
import type { KpiInputsWithFeedback, TargetService } from './targets.js';

export type { Feedback360 };

export interface FeedbackImport extends IngestResult {
  /** The periods whose calibration was recomputed, with what it found. */
  calibrated: { period: string; people: number; raters: number; flagged: number }[];
  warnings: Warning[];
}

export interface ScoresAnswer {
  period: string;
  computed_at: Date;
  ratings: number;
  method: string;
  level: number;
  scale: { min: number; max: number } | null;
  sd: { person: number; rater: number; pair: number; residual: number };
  relation_effects: Record<string, number>;
  item_effects: Record<string, number>;
  components: number;
  notes: string[];
  people: (PersonScore & { role: string | null; team: string | null })[];
}

export interface RatersAnswer {
  period: string;
  computed_at: Date;
  flag_rule: string;
  raters: RaterLeniency[];
}

export interface PreviewRequest {
  period: string;
  role?: string | undefined;
  pools?: BonusPool[] | undefined;
}

export interface PreviewAnswer extends PayoutPreview {
  id: string;
  created_at: Date;
  created_by: string | null;
  /** What was asked: the period, the role filter, the pools. */
  request: { period: string; [k: string]: unknown };
  totals: { people: number; total_cents: number; incomplete: number };
}

export type PayrollFile = ExportFile;

export interface GrowthAccount {
  employee_id: string;
  xp: number;
  balance: number;
  entries: number;
  level: LevelInfo | null;
}

export interface CompletionsAnswer {
  received: number;
  recorded: number;
  /** Rows whose id was recorded before with the same content (retries): their first entry is listed. */
  retried: number;
  entries: StoredEntry[];
}

/** A stored A/B comparison with its job's progress while it runs. */
export interface ComparisonAnswer extends Omit<StoredComparison, 'report'> {
  report: AbReport | null;
  progress: JobStatus['progress'] | null;
}

export interface AppraisalService {
  /**
   * Stores an A/B comparison (two target policies or weight profiles on history) and submits its job;
   * the same id (default: the request's hash) again answers the first one, with other content a conflict.
   */
  compare(
    request: ComparisonRequest,
    actor: string | null,
  ): Promise<{ comparison: ComparisonAnswer; created: boolean }>;
  comparison(id: string): Promise<ComparisonAnswer>;
  comparisons(q: { limit: number; offset: number }): ReturnType<typeof listComparisons>;
  /** Imports 360° ratings (all-or-nothing, idempotent) and recalibrates each period they touch. */
  importRatings(source: RecordSource, actor: string | null): Promise<FeedbackImport>;
  periods(): ReturnType<typeof feedbackPeriods>;
  scores(period: string, f: { role?: string | undefined; team?: string | undefined }): Promise<ScoresAnswer>;
  raters(period: string, f: { flagged?: boolean | undefined }): Promise<RatersAnswer>;
  /** The calibrated 360 score per person of a period (empty when the period has no ratings). */
  feedbackOf(period: string): Promise<Map<string, Feedback360>>;
  /**
   * Stores a plan version after checking it (`invalid_plan` with each field); the same version again is
   * a retry (`created: false`), with other content a `conflict`.
   */
  savePlan(input: unknown, actor: string | null): Promise<{ plan: StoredPlan; created: boolean }>;
  plans(q: { role?: string | undefined }): Promise<StoredPlan[]>;
  plan(id: string, version?: number): Promise<StoredPlan>;
  /** Evaluates every person's payout of the period from its KPI inputs, stores and answers it. */
  previewPayouts(request: PreviewRequest, actor: string | null): Promise<PreviewAnswer>;
  preview(id: string): Promise<PreviewAnswer>;
  /** A stored preview as the payroll file: one row per person (CSV with BOM, or XLSX). */
  exportPreview(id: string, format: 'csv' | 'xlsx'): Promise<PayrollFile>;
  /** Growth points: the catalogue (tasks, levels, rewards) in versions. */
  saveCatalogue(input: unknown, actor: string | null): Promise<{ catalogue: StoredCatalogue; created: boolean }>;
  catalogue(): Promise<StoredCatalogue>;
  /** Completions (HR, or an import: JSON rows or CSV), in one transaction: every bad row named, none written. */
  recordCompletions(source: RecordSource, actor: string | null): Promise<CompletionsAnswer>;
  /** One redemption, adjustment or revocation; a retry with the same id answers the first entry. */
  recordChange(
    change: Exclude<Change, 'completion'>,
    input: Record<string, unknown>,
    actor: string | null,
  ): Promise<{ entry: StoredEntry; duplicate: boolean }>;
  account(employeeId: string): Promise<GrowthAccount>;
  ledger(q: { employee_id?: string | undefined; limit: number; offset: number }): Promise<StoredEntry[]>;
  /** Re-checks the whole ledger: sequences, balances following each other, never below 0, unique ids. */
  /** A role's declared cycle (tracked, appraised; the year from its quarters). */
  cycle(role: string): Promise<RoleCycle>;
  /** HR declares it (in one transaction with roles.cycle). */
  setCycle(role: string, c: { tracked: Tracked; appraised: Appraised }, actor: string | null): Promise<RoleCycle>;
  checkLedger(): Promise<{ entries: number; problems: string[] }>;
  leaderboard(
    team?: string,
  ): Promise<{ team: string | null; catalogue_version: number | null; rows: LeaderboardRow[] }>;
}

/** Empty CSV cells are absent values; `at` and `completed_at` default to now. */
function changeInput(record: Record<string, unknown>, when: 'at' | 'completed_at'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!(typeof v === 'string' && v.trim() === '')) out[k] = v;
  if (typeof out.points === 'string' && /^[+-]?\d+$/.test(out.points.trim())) out.points = Number(out.points);
  out[when] ??= new Date().toISOString();
  return out;
}

const rowErrorsOf = (row: number, e: DomainError): RowError[] => {
  const listed = e.extra.errors as { field: string; reason: string }[] | undefined;
  if (listed?.length) return listed.map((x) => ({ row, field: x.field, reason: x.reason }));
  return [{ row, field: String(e.extra.field ?? '(row)'), reason: e.message }];
};

const PAYROLL_HEADER = [
  'period',
  'employee_id',
  'role',
  'plan_id',
  'plan_version',
  'currency',
  'base_pay',
  'commission',
  'variable_cap_adjustment',
  'star_allowance',
  'project_bonus',
  'total',
  'complete',
  'warnings',
] as const;

/** Cents as currency units (12345 → 123.45): exact in a double for every amount a payroll holds. */
const units = (cents: number) => cents / 100;

function answerOf(stored: StoredPreview): PreviewAnswer {
  const r = stored.result;
  return {
    id: stored.id,
    created_at: stored.created_at,
    created_by: stored.actor,
    request: stored.request as PreviewAnswer['request'],
    ...r,
    totals: {
      people: r.payouts.length,
      total_cents: r.payouts.reduce((s, p) => s + p.total_cents, 0),
      incomplete: r.payouts.filter((p) => !p.complete).length,
    },
  };
}

function checkPeriod(period: string): string {
  const p = parsePeriod(period);
  if (!p)
    throw new DomainError(
      'bad_period',
      `expected a week (2026-W07), month (2026-03) or quarter (2026-Q1): '${period}'`,
      {
        field: 'period',
      },
    );
  return p.id;
}

export function createAppraisalService(deps: {
  db: Db;
  ingestion: IngestionService;
  /** Bytes an upload may have (BODY_LIMIT). */
  bodyLimit: number;
  /** The job queue (A/B comparisons run as `ab_compare` jobs). */
  jobs: JobService;
  /** The KPI inputs of a period (the target service's; late-bound, it shows the 360 scores of this one). */
  kpiInputs: TargetService['kpiInputs'];
}): AppraisalService {
  const { db, ingestion } = deps;
  /** Currency of each plan, for the payroll file (versions never change: safe to remember). */
  const currencies = new Map<string, string>();
  const currencyOf = async (id: string, version: number) => {
    const key = `${id}@${version}`;
    if (!currencies.has(key)) currencies.set(key, (await getPlan(db, id, version))?.plan.currency ?? 'CNY');
    return currencies.get(key)!;
  };

  /** Fits the period's ratings and stores the result (or drops a stale one when the fit is refused). */
  async function recalibrate(tx: Queryable, period: string, actor: string | null): Promise<StoredCalibration> {
    const { ratings, fingerprint } = await periodRatings(tx, period);
    if (ratings.length === 0) throw new NotFoundError(`360° ratings of ${period}`);
    try {
      const result = calibrate360(ratings);
      return await saveCalibration(tx, { period, ratings: ratings.length, fingerprint, result, actor });
    } catch (e) {
      await dropCalibration(tx, period);
      throw e;
    }
  }

  /** The stored calibration, recomputed first when the ratings changed since. */
  async function calibration(period: string): Promise<StoredCalibration> {
    const id = checkPeriod(period);
    const stored = await getCalibration(db, id);
    if (stored) {
      const { fingerprint } = await periodRatings(db, id);
      if (fingerprint === stored.fingerprint) return stored;
    }
    return recalibrate(db, id, stored?.actor ?? null);
  }

  /** JSON with sorted keys: the same request, however its keys were ordered (jsonb reorders them). */
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
        : x,
    );

  async function comparisonAnswer(c: StoredComparison): Promise<ComparisonAnswer> {
    let progress: ComparisonAnswer['progress'] = null;
    let state = c.state;
    let error = c.error;
    if (c.job_id && (c.state === 'waiting' || c.state === 'active')) {
      const job = await deps.jobs.ofKind(c.job_id, AB_COMPARE, 'comparison job').catch(() => null);
      if (job) {
        progress = job.progress;
        // a job that failed outside the comparison (e.g. the process ended) says so here
        if (job.state === 'failed' || job.state === 'cancelled') {
          state = 'failed';
          error = job.error ?? `job ${job.state}`;
        }
      }
    }
    return { ...c, report: (c.report ?? null) as AbReport | null, state, error, progress };
  }

  return {
    async compare(input, actor) {
      const { id: given, ...rest } = comparisonRequestSchema.parse(input);
      const id = given ?? `ab_${createHash('sha256').update(canonical(rest)).digest('hex').slice(0, 20)}`;
      const existing = await getComparison(db, id);
      if (existing) {
        if (canonical(existing.request) !== canonical(rest))
          throw new ConflictError(`comparison ${id} exists with another request`);
        return { comparison: await comparisonAnswer(existing), created: false };
      }
      await resolveRequest(db, rest); // refused here, with the field named, rather than in the job
      const { row, created } = await insertComparison(db, { id, request: rest, actor });
      if (!created) return { comparison: await comparisonAnswer(row), created };
      const job = await deps.jobs.enqueue(AB_COMPARE, { comparison_id: id }, { key: id, actor });
      await setComparisonJob(db, id, job.id);
      const stored = (await getComparison(db, id))!;
      return { comparison: await comparisonAnswer(stored), created: true };
    },

    async comparison(id) {
      const c = await getComparison(db, id);
      if (!c) throw new NotFoundError(`comparison ${id}`);
      return comparisonAnswer(c);
    },

    comparisons: (q) => listComparisons(db, q),

    async importRatings(source, actor) {
      const touched = new Set<string>();
      const counts = await ingestion.ingest(feedbackTarget(actor), source, 'ratings_360', {
        after: async (rows, written, _previous, tx) => {
          const byPeriod = new Map<string, number>();
          for (const r of rows) {
            touched.add(r.period);
            byPeriod.set(r.period, (byPeriod.get(r.period) ?? 0) + 1);
          }
          // the one audit store, in the import's transaction: one row per period the import touched
          if (written.inserted + written.updated > 0)
            for (const [period, n] of [...byPeriod].sort(([a], [b]) => (a < b ? -1 : 1)))
              await recordRatingsImport(tx, { actor, period, rows: n, written });
        },
      });
      const calibrated: FeedbackImport['calibrated'] = [];
      const warnings: Warning[] = [];
      for (const period of [...touched].sort()) {
        try {
          const c = await recalibrate(db, period, actor);
          calibrated.push({
            period,
            people: c.result.people.length,
            raters: c.result.raters.length,
            flagged: c.result.raters.filter((r) => r.flag !== null).length,
          });
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          warnings.push(warning('not_calibrated', `${period}: ${e.message}`));
        }
      }
      return { ...counts, calibrated, warnings };
    },

    periods: () => feedbackPeriods(db),

    async scores(period, f) {
      const c = await calibration(period);
      const info = await peopleInfo(
        db,
        c.result.people.map((p) => p.ratee),
      );
      const people = c.result.people
        .map((p) => ({ ...p, role: info.get(p.ratee)?.role ?? null, team: info.get(p.ratee)?.team ?? null }))
        .filter((p) => (f.role === undefined || p.role === f.role) && (f.team === undefined || p.team === f.team));
      const r = c.result;
      return {
        period: c.period,
        computed_at: c.computed_at,
        ratings: c.ratings,
        method: r.method,
        level: r.level,
        scale: r.scale,
        sd: r.sd,
        relation_effects: r.relation_effects,
        item_effects: r.item_effects,
        components: r.components,
        notes: r.notes,
        people,
      };
    },

    async raters(period, f) {
      const c = await calibration(period);
      return {
        period: c.period,
        computed_at: c.computed_at,
        flag_rule: c.result.flag_rule,
        raters: c.result.raters.filter((r) => !f.flagged || r.flag !== null),
      };
    },

    async feedbackOf(period) {
      const id = parsePeriod(period)?.id;
      if (!id) return new Map();
      let c: StoredCalibration;
      try {
        c = await calibration(id);
      } catch (e) {
        if (e instanceof DomainError) return new Map();
        throw e;
      }
      return new Map(
        c.result.people.map((p) => [
          p.ratee,
          {
            score: p.score,
            interval: p.interval,
            reliability: p.reliability,
            raw_mean: p.raw_mean,
            n: p.n,
            n_raters: p.n_raters,
            self_score: p.self_score,
          },
        ]),
      );
    },

    async savePlan(input, actor) {
      parsePlan(input); // every rule between fields, each named
      const declared: DeclaredPlan = planSchema.parse(input);
      return db.transaction((tx) => savePlan(tx, declared, actor));
    },

    plans: (q) => listPlans(db, q),

    async plan(id, version) {
      const p = await getPlan(db, id, version);
      if (!p) throw new NotFoundError(version === undefined ? `plan ${id}` : `plan ${id} version ${version}`);
      return p;
    },

    async previewPayouts(request, actor) {
      const period = parsePeriod(request.period);
      if (!period)
        throw new DomainError('bad_period', `expected a week, month or quarter: '${request.period}'`, {
          field: 'period',
        });
      const inputs = (await deps.kpiInputs(period.id, { role: request.role })) as KpiInputsWithFeedback;
      const plans = (await listPlans(db, {})).map((p) => parsePlan(p.plan));
      // the star allowance looks back over monthly service ratings (per_run: the whole run, up to 3 years)
      const lookBack = plans.reduce(
        (m, p) =>
          Math.max(m, p.star_allowance ? (p.star_allowance.mode === 'per_run' ? 36 : p.star_allowance.months) : 0),
        0,
      );
      const lastMonth = period.kind === 'week' ? null : period.end.slice(0, 7);
      const serviceHistory = lookBack > 0 && lastMonth ? await monthlyRatings(db, lastMonth, lookBack) : undefined;
      const result = evaluatePayouts({
        period: period.id,
        plans,
        people: inputs.people,
        ...(serviceHistory ? { serviceHistory } : {}),
        ...(request.pools ? { pools: request.pools } : {}),
      });
      const req: PreviewRequest = {
        period: period.id,
        ...(request.role ? { role: request.role } : {}),
        ...(request.pools ? { pools: request.pools } : {}),
      };
      return answerOf(
        await db.transaction((tx) =>
          savePreview(tx, { id: randomUUID(), period: period.id, request: req, result, actor }),
        ),
      );
    },

    async preview(id) {
      const p = await getPreview(db, id);
      if (!p) throw new NotFoundError(`payout preview ${id}`);
      return answerOf(p);
    },

    async exportPreview(id, format) {
      const p = await getPreview(db, id);
      if (!p) throw new NotFoundError(`payout preview ${id}`);
      const rows = [];
      for (const x of p.result.payouts) {
        const commission = x.components.reduce((s, c) => s + (c.amount_cents ?? 0), 0);
        rows.push([
          p.period,
          x.employee_id,
          x.role,
          x.plan?.id ?? null,
          x.plan?.version ?? null,
          x.plan ? await currencyOf(x.plan.id, x.plan.version) : 'CNY',
          units(x.base_pay_cents),
          units(commission),
          units(x.variable_cap?.adjustment_cents ?? 0),
          units(x.star_allowance?.amount_cents ?? 0),
          units(x.project_bonus.reduce((s, l) => s + l.amount_cents, 0)),
          units(x.total_cents),
          x.complete,
          x.warnings.join('; '),
        ]);
      }
      const name = `payroll-${p.period}-${p.id.slice(0, 8)}`;
      return format === 'csv'
        ? { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(PAYROLL_HEADER, rows) }
        : {
            filename: `${name}.xlsx`,
            contentType: XLSX_TYPE,
            body: await toXlsx(PAYROLL_HEADER, rows, { sheetName: `payroll ${p.period}` }),
          };
    },

    async saveCatalogue(input, actor) {
      const catalogue = parseCatalogue(input);
      return db.transaction((tx) => saveCatalogue(tx, catalogue, actor));
    },

    async catalogue() {
      const c = await currentCatalogue(db);
      if (!c) throw new NotFoundError('growth catalogue');
      return c;
    },

    async recordCompletions(source, actor) {
      const records: Record<string, unknown>[] = [];
      for await (const r of source({ required: ['id', 'employee_id', 'task_id'], limit: deps.bodyLimit }))
        records.push(r);
      if (records.length === 0)
        throw new InvalidRowsError(
          [{ row: 0, field: '(body)', reason: 'no completions in the request' }],
          'completions',
        );
      return db.transaction(async (tx) => {
        const errors: RowError[] = [];
        const entries: StoredEntry[] = [];
        let retried = 0;
        for (const [i, record] of records.entries()) {
          try {
            const r = await recordChange(tx, 'completion', changeInput(record, 'completed_at'), actor);
            entries.push(r.entry);
            if (r.duplicate) retried++;
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            errors.push(...rowErrorsOf(i + 1, e));
          }
        }
        if (errors.length > 0) throw new InvalidRowsError(errors, 'completions');
        return { received: records.length, recorded: records.length - retried, retried, entries };
      });
    },

    recordChange: (change, input, actor) =>
      db.transaction((tx) => recordChange(tx, change, changeInput(input, 'at'), actor)),

    async account(employeeId) {
      const a = await getAccount(db, employeeId);
      const c = await currentCatalogue(db);
      return { ...a, level: c ? levelOf(a.xp, c.catalogue.levels) : null };
    },

    ledger: (q) => listEntries(db, q),

    async checkLedger() {
      const entries = await allEntries(db);
      return { entries: entries.length, problems: verifyLedger(entries) };
    },

    async leaderboard(team) {
      const c = await currentCatalogue(db);
      const { accounts, teamOf } = await accountsWithTeams(db, team);
      const levels = c?.catalogue.levels ?? [{ level: 1, name: 'level 1', min_xp: 0 }];
      return {
        team: team ?? null,
        catalogue_version: c?.version ?? null,
        rows: leaderboard(accounts, levels, teamOf, team),
      };
    },

    cycle: (role) => getCycle(db, role),
    setCycle: (role, c, actor) => db.transaction((tx) => setCycle(tx, role, c, actor)),
  };
}
