/**
 * 360° ratings in the database: the ingestion target (all-or-nothing, idempotent upsert on
 * (period, ratee, rater, item)), and the stored calibration of each period (src/appraisal/rater.ts),
 * recomputed when the period's ratings change.
 */
import { recordAudit } from '../audit/store.js';
import type { Queryable } from '../db/types.js';
import type { RowError } from '../history/types.js';
import { countUpsert, type IngestTarget } from '../ingest/pipeline.js';
import { unknownEmployeeReason, unknownIds } from '../ingest/references.js';
import { type FeedbackRow, feedbackRowSchema, FEEDBACK_COLUMNS } from './feedback-rows.js';
import type { CalibrationResult, RatingInput } from './rater.js';

export const feedbackTarget = (actor: string | null): IngestTarget<FeedbackRow> => ({
  what: '360° ratings',
  required: FEEDBACK_COLUMNS,
  schema: feedbackRowSchema,
  key: (r) => JSON.stringify([r.period, r.ratee, r.rater, r.item]),
  keyFields: 'period, ratee, rater, item',
  async check(db, rows) {
    const errors: RowError[] = [];
    const ratees = [...new Set(rows.map((r) => r.value.ratee))];
    const missing = await unknownIds(db, 'employees', ratees);
    // one relation per (period, ratee, rater): within the request and against what is stored
    const periods = [...new Set(rows.map((r) => r.value.period))];
    const stored = await db.query<{ period: string; ratee: string; rater: string; relation: string }>(
      `select distinct period, ratee, rater, relation from ratings_360 where period = any($1::text[]) and ratee = any($2::text[])`,
      [periods, ratees],
    );
    const relationOf = new Map<string, { relation: string; where: string }>(
      stored.rows.map((s) => [JSON.stringify([s.period, s.ratee, s.rater]), { relation: s.relation, where: 'stored' }]),
    );
    for (const { row, value } of rows) {
      if (missing.has(value.ratee)) errors.push({ row, field: 'ratee', reason: unknownEmployeeReason(value.ratee) });
      const pair = JSON.stringify([value.period, value.ratee, value.rater]);
      const seen = relationOf.get(pair);
      if (!seen) relationOf.set(pair, { relation: value.relation, where: `row ${row}` });
      else if (seen.relation !== value.relation)
        errors.push({
          row,
          field: 'relation',
          reason: `'${value.relation}' differs from '${seen.relation}' (${seen.where}) for the same rater and ratee in ${value.period}`,
        });
    }
    return errors;
  },
  upsert: (tx, rows) =>
    countUpsert(
      tx,
      `insert into ratings_360 (period, ratee, rater, relation, item, score, scale_min, scale_max, actor)
       select t.*, $9::text from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[]) as t
       on conflict (period, ratee, rater, item) do update set relation = excluded.relation, score = excluded.score,
         scale_min = excluded.scale_min, scale_max = excluded.scale_max, actor = excluded.actor, updated_at = now()
       where (ratings_360.relation, ratings_360.score, ratings_360.scale_min, ratings_360.scale_max)
         is distinct from (excluded.relation, excluded.score, excluded.scale_min, excluded.scale_max)`,
      [
        rows.map((r) => r.period),
        rows.map((r) => r.ratee),
        rows.map((r) => r.rater),
        rows.map((r) => r.relation),
        rows.map((r) => r.item),
        rows.map((r) => r.score),
        rows.map((r) => r.scale.min),
        rows.map((r) => r.scale.max),
        actor,
      ],
    ),
});

/** The audit row of a 360° import, one per period it touched (in the import's transaction). */
export async function recordRatingsImport(
  tx: Queryable,
  e: {
    actor: string | null;
    period: string;
    rows: number;
    written: { inserted: number; updated: number; unchanged: number };
  },
): Promise<void> {
  await recordAudit(tx, {
    actor: e.actor,
    action: 'ratings_360.import',
    subject: { type: 'ratings_360', id: e.period },
    period: e.period,
    detail: {
      rows: e.rows,
      request: { inserted: e.written.inserted, updated: e.written.updated, unchanged: e.written.unchanged },
    },
  });
}

/** The ratings of a period and a fingerprint of them (count and last change). */
export async function periodRatings(
  db: Queryable,
  period: string,
): Promise<{ ratings: RatingInput[]; fingerprint: string }> {
  const r = await db.query<{
    ratee: string;
    rater: string;
    relation: string;
    item: string;
    score: number;
    scale_min: number;
    scale_max: number;
    changed: number;
  }>(
    `select ratee, rater, relation, item, score, scale_min, scale_max, (extract(epoch from updated_at) * 1000)::float8 as changed
     from ratings_360 where period = $1 order by ratee, rater, item`,
    [period],
  );
  const last = r.rows.reduce((m, x) => Math.max(m, x.changed), 0);
  return {
    ratings: r.rows.map((x) => ({
      ratee: x.ratee,
      rater: x.rater,
      relation: x.relation,
      item: x.item,
      score: x.score,
      scale: { min: x.scale_min, max: x.scale_max },
    })),
    fingerprint: `${r.rows.length}:${last}`,
  };
}

export interface StoredCalibration {
  period: string;
  ratings: number;
  fingerprint: string;
  result: CalibrationResult;
  actor: string | null;
  computed_at: Date;
}

export async function getCalibration(db: Queryable, period: string): Promise<StoredCalibration | null> {
  const r = await db.query<StoredCalibration>(
    `select period, ratings, fingerprint, result, actor, computed_at from calibrations_360 where period = $1`,
    [period],
  );
  return r.rows[0] ?? null;
}

export async function saveCalibration(
  db: Queryable,
  c: { period: string; ratings: number; fingerprint: string; result: CalibrationResult; actor: string | null },
): Promise<StoredCalibration> {
  const r = await db.query<StoredCalibration>(
    `insert into calibrations_360 (period, ratings, fingerprint, result, actor) values ($1, $2, $3, $4::jsonb, $5)
     on conflict (period) do update set ratings = excluded.ratings, fingerprint = excluded.fingerprint, result = excluded.result,
       actor = excluded.actor, computed_at = now()
     returning period, ratings, fingerprint, result, actor, computed_at`,
    [c.period, c.ratings, c.fingerprint, JSON.stringify(c.result), c.actor],
  );
  return r.rows[0]!;
}

export async function dropCalibration(db: Queryable, period: string): Promise<void> {
  await db.query(`delete from calibrations_360 where period = $1`, [period]);
}

/** Team and role of the people named (for the score filters). */
export async function peopleInfo(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, { role: string; team: string | null }>> {
  const r = await db.query<{ id: string; role: string; team: string | null }>(
    `select id, role_id as role, team from employees where id = any($1::text[])`,
    [ids],
  );
  return new Map(r.rows.map((x) => [x.id, { role: x.role, team: x.team }]));
}

/** Periods that have 360° ratings, newest first, with counts. */
export async function feedbackPeriods(
  db: Queryable,
): Promise<{ period: string; ratings: number; ratees: number; raters: number }[]> {
  const r = await db.query<{ period: string; ratings: number; ratees: number; raters: number }>(
    `select period, count(*)::int8 as ratings, count(distinct ratee)::int8 as ratees, count(distinct rater)::int8 as raters
     from ratings_360 group by period order by period desc`,
  );
  return r.rows;
}
