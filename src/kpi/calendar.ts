/**
 * The business calendar: promotion windows (618, Double 11, Double 12, …) and holidays,
 * editable. Used to pick a period's weight profile and as model features.
 */
import type { Db, Queryable } from '../db/types.js';
import { NotFoundError } from '../lib/errors.js';

export interface CalendarEvent {
  id: string;
  name: string;
  kind: 'promotion' | 'holiday' | 'other';
  starts_on: string;
  ends_on: string;
  profile: 'promotion' | 'ordinary';
}

const COLS = 'id, name, kind, starts_on, ends_on, profile';

/** Events overlapping [from, to] (inclusive dates); all when unbounded. */
export async function listEvents(
  db: Queryable,
  range: { from?: string | undefined; to?: string | undefined } = {},
): Promise<CalendarEvent[]> {
  const r = await db.query<CalendarEvent>(
    `select ${COLS} from calendar_events where ($1::date is null or ends_on >= $1) and ($2::date is null or starts_on <= $2) order by starts_on, id`,
    [range.from ?? null, range.to ?? null],
  );
  return r.rows;
}

export async function upsertEvent(db: Queryable, e: CalendarEvent): Promise<CalendarEvent> {
  const r = await db.query<CalendarEvent>(
    `insert into calendar_events (${COLS}) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set name = excluded.name, kind = excluded.kind, starts_on = excluded.starts_on, ends_on = excluded.ends_on,
       profile = excluded.profile, updated_at = now()
     returning ${COLS}`,
    [e.id, e.name, e.kind, e.starts_on, e.ends_on, e.profile],
  );
  return r.rows[0]!;
}

/** Inserts events that are not there yet (by id); existing edits are kept. */
export async function seedEvents(db: Queryable, events: readonly CalendarEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const r = await db.query(
    `insert into calendar_events (${COLS}) select * from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::text[]) on conflict (id) do nothing`,
    [
      events.map((e) => e.id),
      events.map((e) => e.name),
      events.map((e) => e.kind),
      events.map((e) => e.starts_on),
      events.map((e) => e.ends_on),
      events.map((e) => e.profile),
    ],
  );
  return r.rowCount;
}

/**
 * Deletes an event. NotFound when there is none — and then nothing is committed: the delete
 * statement alone (even of no row) notes a data change for the stored answers (migration 008's
 * statement trigger), so a refused delete runs in a transaction that is rolled back.
 */
export async function deleteEvent(db: Db, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const r = await tx.query('delete from calendar_events where id = $1', [id]);
    if (r.rowCount === 0) throw new NotFoundError(`calendar event ${id}`);
  });
}

/** How many events the calendar holds (0: never seeded). */
export async function countEvents(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>('select count(*)::int8 as n from calendar_events');
  return Number(r.rows[0]?.n ?? 0);
}
