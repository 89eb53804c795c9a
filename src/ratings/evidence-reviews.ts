/**
 * The reviews behind a rating, each with whether and why it counts (the same SQL rule the
 * aggregation uses) and, with an engine, the words that drove its sentiment; and the negative
 * reviews past their 24 h response SLA, oldest first, for follow-up.
 */
import type { Queryable } from '../db/types.js';
import { parsePeriod } from '../history/period.js';
import type { AspectHit, SentimentEngine, TokenContribution } from '../reviews/sentiment/index.js';
import type { StoredReview } from '../reviews/repository.js';
import { explainAttribution, FACT, NEGATIVE_SQL, type ReasonCode, WEIGHT_SQL, type Basis } from './attribution.js';
import { DAY_MS, isYear } from '../lib/time.js';

/** The stored review's own columns shown beside a rating (its agent is the rating's). */
type ReviewColumns = Omit<StoredReview, 'agent_id' | 'order_id'>;

export interface EvidenceReview extends ReviewColumns {
  attributable: boolean;
  basis: Basis;
  /** why it counts or not, as a stable code (explainAttribution) */
  reason_code: ReasonCode;
  reason: string;
  /** the review's success in the rating: P(positive service) */
  weight: number | null;
  /** the aspects as corrected by a quality lead where a correction is in force, else the model's */
  aspects: AspectHit[];
  /** the correction in force (its id in /v1/reviews/:id/corrections), null when none */
  correction_id: number | null;
  explanation?: TokenContribution[];
  explanation_model?: string;
}

/** [start, end) of a period id or a year, as timestamps; null when the text is neither. */
export function periodRange(period: string): { from: Date; to: Date } | null {
  if (isYear(period))
    return { from: new Date(`${period}-01-01T00:00:00Z`), to: new Date(`${Number(period) + 1}-01-01T00:00:00Z`) };
  const p = parsePeriod(period);
  if (!p) return null;
  return { from: new Date(`${p.start}T00:00:00Z`), to: new Date(Date.parse(`${p.end}T00:00:00Z`) + DAY_MS) };
}

export interface EvidenceQuery {
  agentId: string;
  period: string;
  /** all (default), only the reviews that count, or only those that do not */
  which?: 'all' | 'attributable' | 'not_attributable';
  limit: number;
  offset: number;
}

/**
 * The agent's reviews of a period, newest first. With `engine`, each review is re-scored with
 * `explain: true` to list the n-grams that drove its sentiment (the model version is stated).
 * @throws RangeError when the period is not a week, month, quarter or year
 */
export async function reviewsBehindRating(
  db: Queryable,
  q: EvidenceQuery,
  engine?: SentimentEngine,
): Promise<{ agent_id: string; period: string; total: number; items: EvidenceReview[] }> {
  const range = periodRange(q.period);
  if (!range) throw new RangeError(`not a period: '${q.period}'`);
  const which = q.which ?? 'all';
  const r = await db.query<
    ReviewColumns & {
      aspects: AspectHit[] | null;
      w: number | null;
      agent_p: number | null;
      aspect_hits: number | null;
      attribution_override: string | null;
      correction_id: number | null;
      total: number;
    }
  >(
    `select r.id, r.channel, r.text, r.rating, r.created_at, r.replied_at, r.language, r.sentiment_label, r.sentiment_probability, r.sentiment_model,
       coalesce(r.corrected_aspects, r.aspects) as aspects, r.attribution_override, r.correction_id, a.w, r.rating_facts[${FACT.agentP}] as agent_p, r.rating_facts[${FACT.aspectHits}] as aspect_hits, count(*) over () as total
     from reviews r
     cross join lateral (select ${WEIGHT_SQL} as w) a
     where r.agent_id = $1 and r.created_at >= $2 and ($3::timestamptz is null or r.created_at < $3)
       and ($4 = 'all' or (a.w is not null) = ($4 = 'attributable'))
     order by r.created_at desc, r.id
     limit $5 offset $6`,
    // a period of the year 9999 ends in the year 10000, which a timestamp parameter cannot carry: no upper bound
    [q.agentId, range.from, range.to.getUTCFullYear() > 9999 ? null : range.to, which, q.limit, q.offset],
  );
  const explained = engine
    ? engine.score(
        r.rows.map((x) => x.text),
        { explain: true, aspects: false },
      )
    : [];
  const items = r.rows.map((x, i): EvidenceReview => {
    const why = explainAttribution(x);
    const {
      aspects,
      w,
      agent_p: _p,
      aspect_hits: _h,
      total: _t,
      attribution_override: _o,
      correction_id,
      ...columns
    } = x;
    const out: EvidenceReview = {
      ...columns,
      attributable: why.attributable,
      basis: why.basis,
      reason_code: why.reason_code,
      reason: why.reason,
      weight: w,
      aspects: aspects ?? [],
      correction_id: correction_id === null ? null : Number(correction_id),
    };
    const e = explained[i];
    if (e) {
      out.explanation = e.explanation ?? [];
      out.explanation_model = e.modelVersion;
    }
    return out;
  });
  return { agent_id: q.agentId, period: q.period, total: Number(r.rows[0]?.total ?? 0), items };
}

export interface OverdueReview
  extends Pick<
    StoredReview,
    'id' | 'agent_id' | 'channel' | 'text' | 'rating' | 'created_at' | 'sentiment_label' | 'sentiment_probability'
  > {
  role_id: string | null;
  team: string | null;
  /** hours since the review arrived, one decimal */
  hours_waiting: number;
}

export interface OverdueQuery {
  agentId?: string;
  role?: string;
  team?: string;
  /** only reviews created at or after this time */
  since?: string;
  now?: Date;
  limit: number;
  offset: number;
}

/** Negative reviews (NEGATIVE_SQL: 1–2 stars, or labelled negative with at most 3 stars) without a reply 24 h after they arrived, oldest first. */
export async function overdueNegativeReviews(
  db: Queryable,
  q: OverdueQuery,
): Promise<{ total: number; items: OverdueReview[] }> {
  const r = await db.query<OverdueReview & { total: number }>(
    `select r.id, r.agent_id, e.role_id, e.team, r.channel, r.text, r.rating, r.created_at, r.sentiment_label, r.sentiment_probability,
       round((extract(epoch from ($1::timestamptz - r.created_at)) / 3600)::numeric, 1)::float8 as hours_waiting, count(*) over () as total
     from reviews r left join employees e on e.id = r.agent_id
     where r.replied_at is null and r.created_at < $1::timestamptz - interval '24 hours' and ${NEGATIVE_SQL}
       and ($2::text is null or r.agent_id = $2) and ($3::text is null or e.role_id = $3) and ($4::text is null or e.team = $4)
       and ($5::timestamptz is null or r.created_at >= $5)
     order by r.created_at, r.id
     limit $6 offset $7`,
    [q.now ?? new Date(), q.agentId ?? null, q.role ?? null, q.team ?? null, q.since ?? null, q.limit, q.offset],
  );
  return { total: Number(r.rows[0]?.total ?? 0), items: r.rows.map(({ total: _, ...x }) => x) };
}
