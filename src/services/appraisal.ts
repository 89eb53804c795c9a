/**
 * The rest of the appraisal framework (issue 17) as clients use it: 360° ratings (import, calibrated
 * scores, rater leniency), and the 360 score beside the KPI inputs. Writes record their actor (the API
 * key id) in their own tables until the hardening issue's one audit store exists.
 */
import type { Db, Queryable } from '../db/types.js';
import {
  dropCalibration,
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
import { DomainError, NotFoundError } from '../lib/errors.js';
import { warning, type Warning } from '../lib/warnings.js';
import type { IngestionService, RecordSource } from './ingestion.js';

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

export interface AppraisalService {
  /** Imports 360° ratings (all-or-nothing, idempotent) and recalibrates each period they touch. */
  importRatings(source: RecordSource, actor: string | null): Promise<FeedbackImport>;
  periods(): ReturnType<typeof feedbackPeriods>;
  scores(period: string, f: { role?: string | undefined; team?: string | undefined }): Promise<ScoresAnswer>;
  raters(period: string, f: { flagged?: boolean | undefined }): Promise<RatersAnswer>;
  /** The calibrated 360 score per person of a period (empty when the period has no ratings). */
  feedbackOf(period: string): Promise<Map<string, Feedback360>>;
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

export function createAppraisalService(deps: { db: Db; ingestion: IngestionService }): AppraisalService {
  const { db, ingestion } = deps;

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

  return {
    async importRatings(source, actor) {
      const touched = new Set<string>();
      const counts = await ingestion.ingest(feedbackTarget(actor), source, 'ratings_360', {
        after: async (rows) => {
          for (const r of rows) touched.add(r.period);
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
  };
}
