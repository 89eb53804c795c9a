/**
 * Reviews searched the way the console's reviews screen filters them: agent, aspect mentioned,
 * sentiment label, language, a time range and "overdue" (negative and unanswered 24 h after it
 * arrived, the SLA rule of src/ratings/evidence-reviews.ts), newest first (overdue: oldest first),
 * with the stored aspects and their spans for highlighting.
 */
import type { Queryable } from '../db/types.js';
import { NEGATIVE_SQL } from '../ratings/attribution.js';
import type { StoredReview } from './repository.js';
import type { AspectHit } from './sentiment/index.js';

export interface ReviewSearch {
  agent?: string | undefined;
  aspect?: string | undefined;
  sentiment?: 'positive' | 'neutral' | 'negative' | undefined;
  language?: string | undefined;
  /** created at or after (ISO timestamp or date) */
  from?: string | undefined;
  /** created before */
  to?: string | undefined;
  overdue?: boolean | undefined;
  now?: Date;
  limit: number;
  offset: number;
}

export type FoundReview = StoredReview & { aspects: AspectHit[]; team: string | null };

/** The negative-review rule of the 24 h SLA, on `reviews r`. */
const NEGATIVE = NEGATIVE_SQL;

export async function searchReviews(db: Queryable, q: ReviewSearch): Promise<{ total: number; items: FoundReview[] }> {
  const r = await db.query<FoundReview & { total: number }>(
    `select r.id, r.agent_id, r.order_id, r.channel, r.text, r.rating, r.created_at, r.replied_at, r.language,
       r.sentiment_label, r.sentiment_probability, r.sentiment_model, coalesce(r.aspects, '[]'::jsonb) as aspects, e.team,
       count(*) over () as total
     from reviews r left join employees e on e.id = r.agent_id
     where ($1::text is null or r.agent_id = $1)
       and ($2::text is null or coalesce(r.aspects, '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('aspect', $2::text)))
       and ($3::text is null or r.sentiment_label = $3)
       and ($4::text is null or r.language = $4)
       and ($5::timestamptz is null or r.created_at >= $5)
       and ($6::timestamptz is null or r.created_at < $6)
       and (not $7::boolean or (r.replied_at is null and r.created_at < $8::timestamptz - interval '24 hours' and ${NEGATIVE}))
     order by case when $7::boolean then r.created_at end asc, r.created_at desc, r.id
     limit $9 offset $10`,
    [
      q.agent ?? null,
      q.aspect ?? null,
      q.sentiment ?? null,
      q.language ?? null,
      q.from ?? null,
      q.to ?? null,
      q.overdue ?? false,
      q.now ?? new Date(),
      q.limit,
      q.offset,
    ],
  );
  return { total: Number(r.rows[0]?.total ?? 0), items: r.rows.map(({ total: _, ...x }) => x) };
}
