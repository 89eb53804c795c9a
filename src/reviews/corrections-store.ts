/**
 * SQL of corrections and appeals (migration 013). A correction is an append-only row of
 * `review_corrections` copied onto the review's own columns (`corrected_aspects`,
 * `attribution_override`, `correction_id`), which the rating reads through `rating_facts` and
 * WEIGHT_SQL; appeals move only from pending to accepted or rejected.
 */
import type { Queryable } from '../db/types.js';
import { maskPersonalText } from '../privacy/index.js';
import {
  type Appeal,
  type Attribution,
  type CorrectedHit,
  type CorrectionLabels,
  correctionLabels,
  type ReviewUnderCorrection,
} from './corrections.js';

export type { Appeal, ReviewUnderCorrection };
import type { AspectHit } from './sentiment/aspects.js';

/** A review as a correction reads it (locked `for update` inside the correcting transaction). */
export interface ReviewForCorrection {
  id: string;
  agent_id: string | null;
  created_at: Date;
  language: string | null;
  text: string;
  sentiment_label: string | null;
  sentiment_probability: number | null;
  sentiment_model: string | null;
  aspects: AspectHit[] | null;
  corrected_aspects: CorrectedHit[] | null;
  attribution_override: Exclude<Attribution, 'auto'> | null;
  correction_id: number | null;
}

export interface Correction {
  id: number;
  review_id: string;
  aspects: CorrectedHit[] | null;
  attribution: Attribution;
  reason: string;
  actor: string | null;
  appeal_id: number | null;
  /** the review's aspects and attribution before this correction */
  before: { aspects: AspectHit[] | CorrectedHit[] | null; attribution: Attribution; corrected: boolean };
  created_at: Date;
}

const num = <T extends { id: number }>(r: T): T => ({ ...r, id: Number(r.id) });
const CORRECTION_COLS = 'id, review_id, aspects, attribution, reason, actor, appeal_id, before, created_at';
const APPEAL_COLS =
  'id, review_id, agent_id, requested, reason, state, submitted_by, submitted_at, decided_by, decided_at, decision_reason, correction_id';
const appealRow = (r: Appeal): Appeal => ({
  ...num(r),
  correction_id: r.correction_id === null ? null : Number(r.correction_id),
});
const correctionRow = <T extends Correction>(r: T): T => ({
  ...num(r),
  appeal_id: r.appeal_id === null ? null : Number(r.appeal_id),
});

/** The review, locked for the rest of the transaction; null when there is none. */
export async function reviewForCorrection(tx: Queryable, id: string): Promise<ReviewForCorrection | null> {
  const r = await tx.query<ReviewForCorrection>(
    `select id, agent_id, created_at, language, text, sentiment_label, sentiment_probability, sentiment_model, aspects,
       corrected_aspects, attribution_override, correction_id
     from reviews where id = $1 for update`,
    [id],
  );
  const row = r.rows[0];
  return row ? { ...row, correction_id: row.correction_id === null ? null : Number(row.correction_id) } : null;
}

/** Appends the correction and makes it the review's current one. */
export async function insertCorrection(tx: Queryable, c: Omit<Correction, 'id' | 'created_at'>): Promise<Correction> {
  const r = await tx.query<Correction>(
    `insert into review_corrections (review_id, aspects, attribution, reason, actor, appeal_id, before)
     values ($1, $2::jsonb, $3, $4, $5, $6, $7::jsonb) returning ${CORRECTION_COLS}`,
    [
      c.review_id,
      c.aspects === null ? null : JSON.stringify(c.aspects),
      c.attribution,
      c.reason,
      c.actor,
      c.appeal_id,
      JSON.stringify(c.before),
    ],
  );
  const row = correctionRow(r.rows[0]!);
  await tx.query(
    `update reviews set corrected_aspects = $2::jsonb, attribution_override = $3, correction_id = $4 where id = $1`,
    [
      c.review_id,
      c.aspects === null ? null : JSON.stringify(c.aspects),
      c.attribution === 'auto' ? null : c.attribution,
      row.id,
    ],
  );
  return row;
}

export interface CorrectionQuery {
  review_id?: string | undefined;
  agent_id?: string | undefined;
  /** only the review's current correction (the one in force) */
  current?: boolean | undefined;
  /** only corrections older than this id */
  before_id?: number | undefined;
  limit: number;
}

/** Corrections, newest first, with the review's agent. */
export async function listCorrections(
  db: Queryable,
  q: CorrectionQuery,
): Promise<Array<Correction & { agent_id: string | null }>> {
  const r = await db.query<Correction & { agent_id: string | null }>(
    `select ${CORRECTION_COLS.split(', ')
      .map((c) => `c.${c}`)
      .join(', ')}, r.agent_id
     from review_corrections c join reviews r on r.id = c.review_id
     where ($1::text is null or c.review_id = $1) and ($2::text is null or r.agent_id = $2)
       and (not $3 or r.correction_id = c.id) and ($4::bigint is null or c.id < $4)
     order by c.id desc limit $5`,
    [q.review_id ?? null, q.agent_id ?? null, q.current ?? false, q.before_id ?? null, q.limit],
  );
  return r.rows.map(correctionRow);
}

/** The corrections in force that carry aspect labels, with the review's text and language (the training export reads them). */
export async function correctionsForTraining(
  db: Queryable,
  q: { language?: string | undefined },
): Promise<
  Array<Correction & { language: string | null; text: string; sentiment_label: string | null; agent_id: string | null }>
> {
  const r = await db.query<
    Correction & { language: string | null; text: string; sentiment_label: string | null; agent_id: string | null }
  >(
    `select ${CORRECTION_COLS.split(', ')
      .map((c) => `c.${c}`)
      .join(', ')}, r.language, r.text, r.sentiment_label, r.agent_id
     from reviews r join review_corrections c on c.id = r.correction_id
     where c.aspects is not null and ($1::text is null or r.language = $1)
     order by c.id`,
    [q.language ?? null],
  );
  return r.rows.map(correctionRow);
}

/** One training row of the export (the shape of the aspect evaluation set's items, with the correction's ids). */
export interface CorrectionTrainingRow extends CorrectionLabels {
  id: string;
  review_id: string;
  correction_id: number;
  language: string | null;
  /** the review's text with personal data masked */
  text: string;
  attribution: Attribution;
  corrected_at: Date;
}

/**
 * The corrections in force that carry aspect labels as training rows, texts masked (src/privacy):
 * `GET /v1/corrections/export` answers them and the `train_aspects` job trains on them.
 */
export async function correctionTrainingRows(
  db: Queryable,
  q: { language?: string | undefined },
): Promise<CorrectionTrainingRow[]> {
  const out: CorrectionTrainingRow[] = [];
  for (const r of await correctionsForTraining(db, q)) {
    const labels = correctionLabels(r, r.sentiment_label);
    if (!labels) continue;
    out.push({
      id: `correction-${r.id}`,
      review_id: r.review_id,
      correction_id: r.id,
      language: r.language,
      text: maskPersonalText(r.text),
      ...labels,
      attribution: r.attribution,
      corrected_at: r.created_at,
    });
  }
  return out;
}

export async function insertAppeal(
  tx: Queryable,
  a: Pick<Appeal, 'review_id' | 'agent_id' | 'requested' | 'reason' | 'submitted_by'>,
): Promise<Appeal | null> {
  const r = await tx.query<Appeal>(
    `insert into review_appeals (review_id, agent_id, requested, reason, submitted_by)
     values ($1, $2, $3::jsonb, $4, $5)
     on conflict (review_id) where state = 'pending' do nothing
     returning ${APPEAL_COLS}`,
    [a.review_id, a.agent_id, JSON.stringify(a.requested), a.reason, a.submitted_by],
  );
  return r.rows[0] ? appealRow(r.rows[0]) : null;
}

/** The appeal, locked for the deciding transaction; null when there is none. */
export async function appealForDecision(tx: Queryable, id: number): Promise<Appeal | null> {
  const r = await tx.query<Appeal>(`select ${APPEAL_COLS} from review_appeals where id = $1 for update`, [id]);
  return r.rows[0] ? appealRow(r.rows[0]) : null;
}

export async function decideAppeal(
  tx: Queryable,
  d: { id: number; state: 'accepted' | 'rejected'; by: string | null; reason: string; correction_id: number | null },
): Promise<Appeal> {
  const r = await tx.query<Appeal>(
    `update review_appeals set state = $2, decided_by = $3, decided_at = now(), decision_reason = $4, correction_id = $5
     where id = $1 and state = 'pending' returning ${APPEAL_COLS}`,
    [d.id, d.state, d.by, d.reason, d.correction_id],
  );
  return appealRow(r.rows[0]!);
}

export async function listAppeals(
  db: Queryable,
  q: {
    state?: Appeal['state'] | undefined;
    agent_id?: string | undefined;
    review_id?: string | undefined;
    before_id?: number | undefined;
    limit: number;
  },
): Promise<Appeal[]> {
  const r = await db.query<Appeal>(
    `select ${APPEAL_COLS} from review_appeals
     where ($1::text is null or state = $1) and ($2::text is null or agent_id = $2) and ($3::text is null or review_id = $3)
       and ($4::bigint is null or id < $4)
     order by id desc limit $5`,
    [q.state ?? null, q.agent_id ?? null, q.review_id ?? null, q.before_id ?? null, q.limit],
  );
  return r.rows.map(appealRow);
}

export async function reviewUnderCorrection(db: Queryable, id: string): Promise<ReviewUnderCorrection | null> {
  const r = await db.query<ReviewUnderCorrection>(
    `select id, agent_id, channel, text, rating, created_at, sentiment_label, sentiment_probability,
       coalesce(corrected_aspects, aspects, '[]'::jsonb) as aspects, coalesce(attribution_override, 'auto') as attribution, correction_id
     from reviews where id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row ? { ...row, correction_id: row.correction_id === null ? null : Number(row.correction_id) } : null;
}
