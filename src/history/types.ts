/** Rows as they enter ingestion, after parsing and before validation against the database. */

export interface EmployeeInput {
  id: string;
  role: string;
  team: string | null;
  /** `YYYY-MM-DD` */
  hire_date: string | null;
}

export interface HistoryInput {
  employee_id: string;
  metric_id: string;
  /** `2026-W07`, `2026-03` or `2026-Q1` */
  period: string;
  value: number;
}

export interface ReviewInput {
  id: string;
  agent_id: string | null;
  order_id: string | null;
  channel: string | null;
  text: string;
  /** 1–5 stars */
  rating: number | null;
  /** ISO 8601 timestamp */
  created_at: string;
  replied_at: string | null;
}

/** One problem with one input row; `row` is 1-based over data rows (header excluded). */
export type { RowError } from '../lib/errors.js';
