/**
 * Seeds the appraisal framework's defaults (roles, metric catalogue) where missing.
 * Existing rows are left alone, so edits made through the API survive restarts.
 */
import { DEFAULT_METRICS, DEFAULT_ROLES } from '../history/catalogue.js';
import type { Queryable } from './types.js';

const BOUNDS: Record<string, [number | null, number | null]> = {
  ratio: [0, 1],
  CNY: [0, null],
  count: [0, null],
  hours: [0, null],
  times: [0, null],
  points: [0, null],
};

export async function seedCatalogue(db: Queryable): Promise<void> {
  await db.query(
    `insert into roles (id, name, cycle) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict (id) do nothing`,
    [DEFAULT_ROLES.map((r) => r.id), DEFAULT_ROLES.map((r) => r.name), DEFAULT_ROLES.map((r) => r.cycle)],
  );
  const m = DEFAULT_METRICS;
  await db.query(
    `insert into metrics (id, name, unit, direction, indicator_group, description, min_value, max_value)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[])
     on conflict (id) do nothing`,
    [
      m.map((x) => x.id),
      m.map((x) => x.name),
      m.map((x) => x.unit),
      m.map((x) => x.direction),
      m.map((x) => x.group),
      m.map((x) => x.description),
      m.map((x) => BOUNDS[x.unit]?.[0] ?? null),
      m.map((x) => BOUNDS[x.unit]?.[1] ?? null),
    ],
  );
}
