/** Reads and edits of roles and the metric catalogue (extensible by admins). */
import type { Queryable } from '../db/types.js';
import type { Direction, IndicatorGroup } from './catalogue.js';

export interface RoleRow {
  id: string;
  name: string;
  cycle: 'week' | 'month' | 'quarter';
}

export interface MetricRow {
  id: string;
  name: string;
  unit: string;
  direction: Direction;
  indicator_group: IndicatorGroup;
  description: string;
  min_value: number | null;
  max_value: number | null;
}

export async function listRoles(db: Queryable): Promise<RoleRow[]> {
  return (await db.query<RoleRow>('select id, name, cycle from roles order by id')).rows;
}

export async function upsertRole(db: Queryable, r: RoleRow): Promise<RoleRow> {
  const res = await db.query<RoleRow>(
    `insert into roles (id, name, cycle) values ($1, $2, $3) on conflict (id) do update set name = excluded.name, cycle = excluded.cycle returning id, name, cycle`,
    [r.id, r.name, r.cycle],
  );
  return res.rows[0]!;
}

export async function listMetrics(db: Queryable): Promise<MetricRow[]> {
  return (
    await db.query<MetricRow>(
      'select id, name, unit, direction, indicator_group, description, min_value, max_value from metrics order by indicator_group, id',
    )
  ).rows;
}

export async function upsertMetric(db: Queryable, m: MetricRow): Promise<MetricRow> {
  const res = await db.query<MetricRow>(
    `insert into metrics (id, name, unit, direction, indicator_group, description, min_value, max_value) values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (id) do update set name = excluded.name, unit = excluded.unit, direction = excluded.direction, indicator_group = excluded.indicator_group,
       description = excluded.description, min_value = excluded.min_value, max_value = excluded.max_value
     returning id, name, unit, direction, indicator_group, description, min_value, max_value`,
    [m.id, m.name, m.unit, m.direction, m.indicator_group, m.description, m.min_value, m.max_value],
  );
  return res.rows[0]!;
}
