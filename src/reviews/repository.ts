/**
 * Customer reviews: ingestion target (validation + idempotent upsert) and reads.
 * A review whose text changes loses its stored sentiment so it is scored again.
 */
import { z } from 'zod';
import type { Queryable } from '../db/types.js';
import type { ReviewInput } from '../history/types.js';
import { countUpsert, type IngestTarget } from '../ingest/pipeline.js';
import * as f from '../ingest/fields.js';
import { unknownEmployeeErrors } from '../ingest/references.js';

export const reviewRowSchema = z
  .object({
    id: f.id,
    agent_id: f.optionalId,
    order_id: f.optionalId,
    channel: f.optionalText(50),
    text: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : 'expected text') })
      .trim()
      .min(1, 'must not be empty')
      .max(10_000, 'must be at most 10,000 characters'),
    rating: f.optionalRating,
    created_at: f.timestamp,
    replied_at: f.optionalTimestamp,
  })
  .superRefine((r, ctx) => {
    if (r.replied_at && r.replied_at < r.created_at)
      ctx.addIssue({ code: 'custom', path: ['replied_at'], message: 'is before created_at' });
  }) satisfies z.ZodType<ReviewInput>;

export const reviewTarget: IngestTarget<ReviewInput> = {
  what: 'reviews',
  stripNul: ['text'],
  required: ['id', 'text', 'created_at'],
  schema: reviewRowSchema,
  key: (r) => r.id,
  keyFields: 'id',
  check: (db, rows) => unknownEmployeeErrors(db, rows, 'agent_id', (r) => r.agent_id),
  upsert: (tx, rows) =>
    countUpsert(
      tx,
      `insert into reviews (id, agent_id, order_id, channel, text, rating, created_at, replied_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int2[], $7::timestamptz[], $8::timestamptz[])
       on conflict (id) do update set agent_id = excluded.agent_id, order_id = excluded.order_id, channel = excluded.channel,
         text = excluded.text, rating = excluded.rating, created_at = excluded.created_at, replied_at = excluded.replied_at, updated_at = now(),
         sentiment_label = case when reviews.text = excluded.text then reviews.sentiment_label end,
         sentiment_probability = case when reviews.text = excluded.text then reviews.sentiment_probability end,
         sentiment_model = case when reviews.text = excluded.text then reviews.sentiment_model end,
         aspects = case when reviews.text = excluded.text then reviews.aspects end,
         aspects_model = case when reviews.text = excluded.text then reviews.aspects_model end,
         scored_at = case when reviews.text = excluded.text then reviews.scored_at end
       where (reviews.agent_id, reviews.order_id, reviews.channel, reviews.text, reviews.rating, reviews.created_at, reviews.replied_at)
         is distinct from (excluded.agent_id, excluded.order_id, excluded.channel, excluded.text, excluded.rating, excluded.created_at, excluded.replied_at)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.agent_id),
        rows.map((r) => r.order_id),
        rows.map((r) => r.channel),
        rows.map((r) => r.text),
        rows.map((r) => r.rating),
        rows.map((r) => r.created_at),
        rows.map((r) => r.replied_at),
      ],
    ),
};

export interface StoredReview {
  id: string;
  agent_id: string | null;
  order_id: string | null;
  channel: string | null;
  text: string;
  rating: number | null;
  created_at: Date;
  replied_at: Date | null;
  language: string | null;
  sentiment_label: string | null;
  sentiment_probability: number | null;
  sentiment_model: string | null;
}

export async function listReviews(
  db: Queryable,
  q: { agent?: string; from?: string; to?: string; limit: number; offset: number },
): Promise<StoredReview[]> {
  const r = await db.query<StoredReview>(
    `select id, agent_id, order_id, channel, text, rating, created_at, replied_at, language, sentiment_label, sentiment_probability, sentiment_model
     from reviews
     where ($1::text is null or agent_id = $1) and ($2::timestamptz is null or created_at >= $2) and ($3::timestamptz is null or created_at < $3)
     order by created_at desc, id limit $4 offset $5`,
    [q.agent ?? null, q.from ?? null, q.to ?? null, q.limit, q.offset],
  );
  return r.rows;
}

/** Where an erased review counted: its id, agent and time (the ratings it touched). */
export interface ErasedReview {
  id: string;
  agent_id: string | null;
  created_at: Date;
}

/**
 * Deletes every review of `orderId` (a customer's erasure request) and returns what was deleted,
 * by id; nothing when none is left (a retried request). Run inside the transaction that recomputes
 * the ratings and writes the audit row.
 */
export async function deleteReviewsByOrder(db: Queryable, orderId: string): Promise<ErasedReview[]> {
  const r = await db.query<ErasedReview>('delete from reviews where order_id = $1 returning id, agent_id, created_at', [
    orderId,
  ]);
  return r.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
