/**
 * Return events (return id, agent, opened, closed) for the 48 h returns SLA: ingestion target
 * (all-or-nothing validation, idempotent upsert on `id`) and reads.
 */
import { z } from 'zod';
import type { Queryable } from '../db/types.js';
import * as f from '../ingest/fields.js';
import { countUpsert, type IngestTarget } from '../ingest/pipeline.js';
import { unknownEmployeeErrors } from '../ingest/references.js';

export interface ReturnEventInput {
  id: string;
  agent_id: string;
  order_id: string | null;
  /** ISO 8601 */
  opened_at: string;
  closed_at: string | null;
}

export const returnRowSchema = z
  .object({
    id: f.id,
    agent_id: f.id,
    order_id: f.optionalId,
    opened_at: f.timestamp,
    closed_at: f.optionalTimestamp,
  })
  .superRefine((r, ctx) => {
    if (r.closed_at && r.closed_at < r.opened_at)
      ctx.addIssue({ code: 'custom', path: ['closed_at'], message: 'is before opened_at' });
  }) satisfies z.ZodType<ReturnEventInput>;

export const returnTarget: IngestTarget<ReturnEventInput> = {
  what: 'return events',
  required: ['id', 'agent_id', 'opened_at'],
  schema: returnRowSchema,
  key: (r) => r.id,
  keyFields: 'id',
  check: (db, rows) => unknownEmployeeErrors(db, rows, 'agent_id', (r) => r.agent_id),
  upsert: (tx, rows) =>
    countUpsert(
      tx,
      `insert into return_events (id, agent_id, order_id, opened_at, closed_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
       on conflict (id) do update set agent_id = excluded.agent_id, order_id = excluded.order_id, opened_at = excluded.opened_at,
         closed_at = excluded.closed_at, updated_at = now()
       where (return_events.agent_id, return_events.order_id, return_events.opened_at, return_events.closed_at)
         is distinct from (excluded.agent_id, excluded.order_id, excluded.opened_at, excluded.closed_at)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.agent_id),
        rows.map((r) => r.order_id),
        rows.map((r) => r.opened_at),
        rows.map((r) => r.closed_at),
      ],
    ),
};

export interface StoredReturnEvent {
  id: string;
  agent_id: string;
  order_id: string | null;
  opened_at: Date;
  closed_at: Date | null;
  /** hours from opened to closed; null while open */
  hours_to_close: number | null;
}

export async function listReturnEvents(
  db: Queryable,
  q: { agent?: string; from?: string; to?: string; limit: number; offset: number },
): Promise<StoredReturnEvent[]> {
  const r = await db.query<StoredReturnEvent>(
    `select id, agent_id, order_id, opened_at, closed_at,
       case when closed_at is not null then round((extract(epoch from closed_at - opened_at) / 3600)::numeric, 1)::float8 end as hours_to_close
     from return_events
     where ($1::text is null or agent_id = $1) and ($2::timestamptz is null or opened_at >= $2) and ($3::timestamptz is null or opened_at < $3)
     order by opened_at desc, id limit $4 offset $5`,
    [q.agent ?? null, q.from ?? null, q.to ?? null, q.limit, q.offset],
  );
  return r.rows;
}
