/**
 * Return events (return id, agent, opened, closed) for the 48 h returns SLA: ingestion target
 * (all-or-nothing validation, idempotent upsert on `id`) and reads.
 */
import { z } from 'zod';
import type { Queryable } from '../db/types.js';
import type { RowError } from '../history/types.js';
import * as f from '../ingest/fields.js';
import { countUpsert, type IngestTarget } from '../ingest/pipeline.js';

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
  async check(db, rows) {
    const agents = [...new Set(rows.map((r) => r.value.agent_id))];
    const r = await db.query<{ id: string }>(
      `select id from unnest($1::text[]) as t(id) where not exists (select 1 from employees e where e.id = t.id)`,
      [agents],
    );
    const missing = new Set(r.rows.map((x) => x.id));
    const errors: RowError[] = [];
    for (const { row, value } of rows) {
      if (missing.has(value.agent_id))
        errors.push({
          row,
          field: 'agent_id',
          reason: `unknown employee '${value.agent_id}' (register it with POST /v1/employees)`,
        });
    }
    return errors;
  },
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
