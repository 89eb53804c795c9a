/**
 * Targets and what HR sets around them: training baseline models (a job), the models and their
 * backtest figures, suggested targets of a role or a person, overrides (checked, audited), weight
 * profiles and the period's profile, and the adjusted KPI inputs scoring systems read.
 */
import type { Db } from '../db/types.js';
import type { Period, PeriodKind } from '../history/period.js';
import type { JobStatus } from '../jobs/types.js';
import { NotFoundError } from '../lib/errors.js';
import { isYear } from '../lib/time.js';
import { annualInputs, type KpiInputsAnswer, kpiInputs } from '../kpi/inputs.js';
import { listModels } from '../kpi/models.js';
import { clearOverride, listAudit, listOverrides, ROLE_WIDE, setOverride } from '../kpi/overrides.js';
import { approvalWhy, whyText } from '../kpi/approval.js';

/** The employee id of a role-wide override (everyone of the role without a personal one). */
export { ROLE_WIDE };
import { personTargets, roleTargets, suggestedFor } from '../kpi/role-targets.js';
import type { TrainJobData } from '../kpi/train.js';
import {
  assertRole,
  type MetricInfo,
  metricInfo,
  parseTargetPeriod,
  type StoreLater,
  TargetError,
} from '../kpi/targets.js';
import { roleOfEmployee, trainingDataState } from '../kpi/targets-store.js';
import { listProfiles, pinProfile, profileForPeriod, upsertProfile, type Weights } from '../kpi/weights.js';
import type { JobService } from './jobs.js';
import { createLaterStores, type LaterStores } from './later-stores.js';
import type { JsonText, StoredReads } from './results.js';
import type { Feedback360 } from '../appraisal/feedback-rows.js';
import { cycleRefuses, getCycle, latestPeriodOfRole } from '../appraisal/cycles-store.js';
import { parsePeriod, shiftPeriod } from '../history/period.js';
import { ConflictError, DomainError } from '../lib/errors.js';
import {
  type ClosedMark,
  closedParts,
  type FrozenTargets,
  inputsWithClosed,
  personFromSnapshot,
  targetsFromSnapshot,
} from '../periods/reads.js';
import { closedOfPeriod } from '../periods/store.js';
import { createRequest, type OverrideRequest } from '../periods/approvals-store.js';
import type { RoleTargets } from '../kpi/role-targets.js';

export interface TrainRequest {
  role?: string | undefined;
  metric?: string | undefined;
  kind?: PeriodKind | undefined;
  network: boolean;
  steps?: number | undefined;
  horizon?: number | undefined;
  promote: boolean;
}

/** Which override: a role, metric and period, and an employee of the role or ROLE_WIDE ('*'). */
export interface OverrideKey {
  role: string;
  metric: string;
  period: string;
  employee_id: string;
}

/** The KPI inputs of a week, month or quarter with each person's calibrated 360 score (null when none). */
export type KpiInputsWithFeedback = Omit<KpiInputsAnswer, 'people'> & {
  people: (KpiInputsAnswer['people'][number] & { feedback_360: Feedback360 | null })[];
};

type Query<F extends (db: Db, ...args: never[]) => unknown> = Parameters<F>[1];

export interface TargetService {
  /** Submits a train_baselines job; the same request on the same data (history, people, calendar) is the same job. */
  train(request: TrainRequest, actor: string | null): Promise<JobStatus>;
  trainingJob(id: string): Promise<JobStatus>;
  models(q: Query<typeof listModels>): ReturnType<typeof listModels>;
  /**
   * A closed role and period answers from its snapshot, marked `closed` (who, when, version). Forecast
   * sets computed for it are cached once it has answered, or handed to `storeLater` (a caller that
   * reads the database after it: the desk).
   */
  roleTargets(q: RoleTargetsQuery, opts?: { storeLater?: StoreLater }): Promise<RoleTargets & { closed?: ClosedMark }>;
  /**
   * The same answer as JSON text, from the stored answers while the data is unchanged (src/services/results.ts).
   * Without a period: the one after the role's latest data on the kind it is tracked on (its declared cycle).
   */
  roleTargetsJson(q: Omit<RoleTargetsQuery, 'period'> & { period?: string | undefined }): Promise<JsonText>;
  personTargets(
    employeeId: string,
    q: { period: string; metric?: string | undefined },
  ): Promise<Awaited<ReturnType<typeof personTargets>> & { closed?: ClosedMark }>;
  /**
   * Sets an override after checking the key and the metric's bounds; audited with the suggested target
   * it replaces. Beyond the approval threshold (config `overrideApproval`) it is filed as a request
   * that a second HR key approves (src/services/periods.ts) and `{ request }` is answered instead.
   */
  setOverride(
    o: OverrideKey & { value: number; reason: string },
    actor: string | null,
  ): Promise<Awaited<ReturnType<typeof setOverride>> | { request: OverrideRequest }>;
  clearOverride(o: OverrideKey & { reason: string }, actor: string | null): ReturnType<typeof clearOverride>;
  overrides(q: Query<typeof listOverrides>): ReturnType<typeof listOverrides>;
  audit(q: Query<typeof listAudit>): ReturnType<typeof listAudit>;
  profiles(): ReturnType<typeof listProfiles>;
  saveProfile(p: Weights & { id: string; name: string }, actor: string | null): ReturnType<typeof upsertProfile>;
  periodProfile(period: string): ReturnType<typeof profileForPeriod>;
  /** Pins a profile to a period (null: back to the calendar's choice) and answers the period's profile. */
  pinProfile(period: string, profile: string | null, actor: string | null): ReturnType<typeof profileForPeriod>;
  /** A week, month or quarter (kpiInputs) or a year `2026` (annualInputs). */
  kpiInputs(
    period: string,
    f: InputsFilter,
    page?: Page,
  ): Promise<KpiInputsWithFeedback | Awaited<ReturnType<typeof annualInputs>>>;
  /**
   * The same answer as JSON text, from the stored answers while the data is unchanged. Without a period
   * (a role needed): the role's latest period with data on the kind it is appraised on (its declared cycle).
   */
  kpiInputsJson(period: string | undefined, f: InputsFilter, page: Page): Promise<JsonText>;
  /**
   * What the data answers now for a role and period, closed or not (everyone, unpaged): what a close
   * freezes and what its differences are measured against (src/services/periods.ts).
   */
  live: {
    kpiInputs(period: string, role: string): Promise<KpiInputsWithFeedback>;
    roleTargets(role: string, period: string): Promise<RoleTargets>;
  };
  /** Resolves once the forecast sets computed by the reads so far are cached (or failed); never rejects. */
  settled(): Promise<void>;
}

/** Answers of a closed role and period carry the snapshot's mark (src/periods). */
export type { ClosedMark };

/** A page of people, by employee id. */
export interface Page {
  limit: number;
  offset: number;
}

export interface RoleTargetsQuery {
  role: string;
  period: string;
  metric?: string | undefined;
  belowFloorOnly: boolean;
  limit: number;
  offset: number;
}

export interface InputsFilter {
  role?: string | undefined;
  employeeId?: string | undefined;
}

export function createTargetService(deps: {
  db: Db;
  jobs: JobService;
  stored: StoredReads;
  /** The calibrated 360 scores of a period (src/services/appraisal.ts), shown beside the KPI inputs. */
  feedbackOf?: (period: string) => Promise<Map<string, Feedback360>>;
  /** Overrides needing a second approver (config OVERRIDE_APPROVAL_*); none when absent. */
  overrideApproval?: { threshold: number; roleWide: boolean } | undefined;
  /** Where the forecast sets a read computes are cached after its answer (shared with the desk). */
  later?: LaterStores;
}): TargetService {
  const { db, jobs, stored } = deps;
  const later = deps.later ?? createLaterStores();
  const roleTargetsOf = async (
    q: RoleTargetsQuery,
    storeLater: StoreLater,
  ): Promise<RoleTargets & { closed?: ClosedMark }> => {
    const p = parseTargetPeriod(q.period);
    const [closed] = await closedParts<FrozenTargets>(db, p.id, 'targets', q.role);
    if (closed) return targetsFromSnapshot(closed.answer, closed.meta, q);
    return roleTargets(db, q.role, p, q.metric, q.belowFloorOnly, { limit: q.limit, offset: q.offset }, storeLater);
  };
  /** Runs `read` with a collector of the forecast stores it hands over, started when it has answered. */
  const thenStore = async <T>(read: (storeLater: StoreLater) => Promise<T>): Promise<T> => {
    const c = later.collect();
    try {
      return await read(c.storeLater);
    } finally {
      c.start();
    }
  };
  /** Why an override needs a second approver (src/kpi/approval.ts), or null when it takes effect at once. */
  const approvalNeeded = (o: OverrideKey & { value: number }, suggested: number | null): string | null => {
    const why = approvalWhy(deps.overrideApproval, o.employee_id, o.value, suggested);
    return why && whyText(why);
  };
  /** Refuses a change of targets in a period closed for the role (reopen it first). */
  async function assertOpen(role: string, period: string): Promise<void> {
    if ((await closedOfPeriod(db, period)).some((c) => c.role_id === role))
      throw new ConflictError(`${period} is closed for ${role}: reopen it before changing its targets`);
  }
  const inputsOf = async (
    period: string,
    f: InputsFilter,
    page?: Page,
  ): Promise<KpiInputsWithFeedback | Awaited<ReturnType<typeof annualInputs>>> => {
    // a year reads its quarters as their reads answer them: a quarter closed for a role from its snapshot
    if (isYear(period)) return annualInputs(db, period, f, page, (quarter, filter) => periodInputs(quarter, filter));
    return periodInputs(period, f, page);
  };
  const periodInputs = async (period: string, f: InputsFilter, page?: Page): Promise<KpiInputsWithFeedback> => {
    // a closed role's people answer from its snapshot (src/periods)
    const closed = await closedParts<KpiInputsWithFeedback>(db, parseTargetPeriod(period).id, 'kpi_inputs', f.role);
    if (closed.length > 0) return inputsWithClosed(closed, f, page, () => liveInputs(period, f));
    return liveInputs(period, f, page);
  };
  const liveInputs = async (period: string, f: InputsFilter, page?: Page): Promise<KpiInputsWithFeedback> => {
    const answer = await kpiInputs(db, period, f, page);
    // the period's calibrated 360 scores beside them (ratings_360 writes change the stored answers' version)
    const feedback = (await deps.feedbackOf?.(answer.period)) ?? new Map<string, Feedback360>();
    return {
      ...answer,
      people: answer.people.map((p) => ({ ...p, feedback_360: feedback.get(p.employee_id) ?? null })),
    };
  };

  /** The metric of an override key, after checking the role, the metric and that the employee has the role. */
  async function checkOverrideKey(o: OverrideKey): Promise<MetricInfo> {
    await assertRole(db, o.role);
    const info = await metricInfo(db, o.metric);
    if (o.employee_id !== ROLE_WIDE) {
      const role = await roleOfEmployee(db, o.employee_id);
      if (role === null) throw new NotFoundError(`employee ${o.employee_id}`);
      if (role !== o.role)
        throw new TargetError('wrong_role', `employee ${o.employee_id} has role ${role}, not ${o.role}`);
    }
    return info;
  }

  /** The override's period and the suggested target it replaces (for the audit). */
  async function replaced(o: OverrideKey): Promise<{ p: Period } & Awaited<ReturnType<typeof suggestedFor>>> {
    const p = parseTargetPeriod(o.period);
    return { p, ...(await suggestedFor(db, { role: o.role, metric: o.metric, kind: p.kind }, p, o.employee_id)) };
  }

  /** The period a read of a role defaults to, from the role's declared cycle. */
  async function cyclePeriod(role: string | undefined, use: 'targets' | 'inputs'): Promise<string> {
    if (!role)
      throw new DomainError('unprocessable', 'period: give a period, or a role whose cycle picks it', {
        field: 'period',
      });
    const cycle = await getCycle(db, role);
    const kind = use === 'targets' ? cycle.tracked : cycle.appraised;
    const last = await latestPeriodOfRole(db, role, kind);
    if (!last)
      throw new DomainError('unprocessable', `period: role ${role} has no ${kind}ly history to pick a period from`, {
        field: 'period',
      });
    return use === 'targets' ? shiftPeriod(parsePeriod(last)!, 1).id : last;
  }

  /**
   * A period asked for by name that is finer than the role's declared cycle tracks (a week of a role
   * tracked monthly) is refused, as ratings refuse it. Checked inside the stored computation: a
   * stored answer passed it, and a cycle's change (role_cycles) changes the stored answers' version.
   */
  async function refuseFinerThanCycle(role: string | undefined, period: string): Promise<void> {
    if (!role) return;
    const kind = isYear(period) ? 'year' : parsePeriod(period)?.kind;
    const refused = kind ? cycleRefuses(await getCycle(db, role), kind) : null;
    if (refused) throw new DomainError('unprocessable', refused, { field: 'period' });
  }

  return {
    async train(body, actor) {
      if (body.role) await assertRole(db, body.role);
      if (body.metric) await metricInfo(db, body.metric);
      const data: TrainJobData = {
        ...(body.role ? { role: body.role } : {}),
        ...(body.metric ? { metric: body.metric } : {}),
        ...(body.kind ? { kind: body.kind } : {}),
        network: body.network,
        ...(body.steps ? { steps: body.steps } : {}),
        ...(body.horizon ? { horizon: body.horizon } : {}),
        promote: body.promote,
      };
      // the same request on the same data is the same job
      return jobs.enqueue(
        'train_baselines',
        { ...data, submittedBy: actor },
        { key: [data, await trainingDataState(db)], actor },
      );
    },

    trainingJob: (id) => jobs.ofKind(id, 'train_baselines', 'training job'),
    models: (q) => listModels(db, q),

    roleTargets: (q, opts) =>
      opts?.storeLater ? roleTargetsOf(q, opts.storeLater) : thenStore((storeLater) => roleTargetsOf(q, storeLater)),
    async roleTargetsJson(query) {
      const q = { ...query, period: query.period ?? (await cyclePeriod(query.role, 'targets')) };
      // the forecasts computed are cached after the answer is stored and sent
      return thenStore((storeLater) =>
        stored(['targets', q.role, q.period, q.metric ?? null, q.belowFloorOnly, q.limit, q.offset], async () => {
          if (query.period !== undefined) await refuseFinerThanCycle(q.role, q.period);
          return roleTargetsOf(q, storeLater);
        }),
      );
    },
    async personTargets(employeeId, q) {
      const p = parseTargetPeriod(q.period);
      const role = await roleOfEmployee(db, employeeId);
      if (role !== null) {
        const [closed] = await closedParts<FrozenTargets>(db, p.id, 'targets', role);
        if (closed) return personFromSnapshot(closed.answer, closed.meta, employeeId, q.metric);
      }
      return thenStore((storeLater) => personTargets(db, employeeId, p, q.metric, storeLater));
    },
    settled: () => later.settled(),

    async setOverride(o, actor) {
      parseTargetPeriod(o.period);
      const metric = await checkOverrideKey(o);
      if (
        (metric.min_value !== null && o.value < metric.min_value) ||
        (metric.max_value !== null && o.value > metric.max_value)
      )
        throw new TargetError(
          'value_out_of_range',
          `${o.value} is outside ${metric.min_value ?? '−∞'}–${metric.max_value ?? '∞'} for ${metric.id}`,
        );
      const { p, ...s } = await replaced(o);
      await assertOpen(o.role, p.id);
      const why = approvalNeeded(o, s.suggested);
      const change = {
        role: o.role,
        metric: o.metric,
        period: p.id,
        employeeId: o.employee_id,
        value: o.value,
        reason: o.reason,
        actor,
        ...s,
      };
      if (why !== null) return { request: (await createRequest(db, { ...change, why })).request };
      return setOverride(db, change);
    },

    async clearOverride(o, actor) {
      parseTargetPeriod(o.period);
      await checkOverrideKey(o);
      const { p, ...s } = await replaced(o);
      await assertOpen(o.role, p.id);
      return clearOverride(db, {
        role: o.role,
        metric: o.metric,
        period: p.id,
        employeeId: o.employee_id,
        reason: o.reason,
        actor,
        ...s,
      });
    },

    overrides: (q) => listOverrides(db, q),
    audit: (q) => listAudit(db, q),
    profiles: () => listProfiles(db),
    saveProfile: (p, actor) => upsertProfile(db, p, actor),
    periodProfile: (period) => profileForPeriod(db, parseTargetPeriod(period)),
    async pinProfile(period, profile, actor) {
      const p = parseTargetPeriod(period);
      await pinProfile(db, p.id, profile, actor);
      return profileForPeriod(db, p);
    },

    kpiInputs: inputsOf,
    live: {
      kpiInputs: (period, role) => liveInputs(period, { role }),
      roleTargets: (role, period) => roleTargets(db, role, parseTargetPeriod(period)),
    },
    async kpiInputsJson(given, f, page) {
      const period = given ?? (await cyclePeriod(f.role, 'inputs'));
      return stored(['kpi-inputs', period, f.role ?? null, f.employeeId ?? null, page.limit, page.offset], async () => {
        if (given !== undefined) await refuseFinerThanCycle(f.role, period);
        return inputsOf(period, f, page);
      });
    },
  };
}
