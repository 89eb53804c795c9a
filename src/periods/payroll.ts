/**
 * The payroll file of a closed period (issue 25): the rows of a snapshot's frozen KPI inputs, one per
 * person and metric, each carrying the snapshot's version and the sha256 of the frozen text they come
 * from — so a payslip can be traced to the exact answer HR closed. Pure: the text in, rows out.
 */
import type { MetricInput } from '../kpi/inputs.js';
import type { CellInput } from '../lib/spreadsheet.js';

export const PAYROLL_HEADER = [
  'period',
  'role',
  'employee_id',
  'metric',
  'actual',
  'baseline',
  'target',
  'floor',
  'stretch',
  'attainment',
  'score',
  'below_floor',
  'composite_score',
  'composite_attainment',
  'service_rating_score',
  'service_rating_stars',
  'weight_profile',
  'snapshot_version',
  'snapshot_kpi_inputs_sha256',
] as const;

type FrozenMetric = Pick<
  MetricInput,
  'metric' | 'actual' | 'baseline' | 'target' | 'floor' | 'stretch' | 'attainment' | 'score' | 'below_floor'
>;

/** What the payroll file reads of the frozen KPI inputs (the answer of GET /v1/kpi-inputs). */
export interface FrozenInputs {
  period: string;
  weight_profile: { id: string };
  people: {
    employee_id: string;
    role: string;
    metrics: FrozenMetric[];
    composite: { score: number | null; attainment: number | null };
    service_rating: { score: number | null; stars: number | null } | null;
  }[];
}

/** One row per person and metric (people by id, metrics as frozen); a person without metrics keeps one row. */
export function payrollRows(text: string, snapshot: { role: string; version: number; sha256: string }): CellInput[][] {
  const inputs = JSON.parse(text) as FrozenInputs;
  const people = [...inputs.people].sort((a, b) => (a.employee_id < b.employee_id ? -1 : 1));
  const rows: CellInput[][] = [];
  for (const p of people) {
    const metrics: (FrozenMetric | null)[] = p.metrics.length > 0 ? p.metrics : [null];
    for (const m of metrics)
      rows.push([
        inputs.period,
        snapshot.role,
        p.employee_id,
        m?.metric ?? null,
        m?.actual ?? null,
        m?.baseline ?? null,
        m?.target ?? null,
        m?.floor ?? null,
        m?.stretch ?? null,
        m?.attainment ?? null,
        m?.score ?? null,
        m?.below_floor ?? null,
        p.composite.score,
        p.composite.attainment,
        p.service_rating?.score ?? null,
        p.service_rating?.stars ?? null,
        inputs.weight_profile.id,
        snapshot.version,
        snapshot.sha256,
      ]);
  }
  return rows;
}
