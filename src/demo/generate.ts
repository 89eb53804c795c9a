/**
 * Seeded demo dataset of an e-commerce operations team: employees, three years of KPI history,
 * reviews tied to CS agents, and the promotion calendar the history was shaped by.
 * Pure and deterministic: the same options give the same output. See src/demo/README.md.
 */
import type { EmployeeInput, HistoryInput, ReviewInput } from '../history/types.js';
import type { ReturnEventInput } from '../ratings/returns.js';
import { defaultPromotionCalendar, type CalendarEvent } from './calendar.js';
import { csHistory, innovationHistory, productHistory, salesHistory } from './metrics.js';
import { generatePeople } from './people.js';
import { generateReturns } from './returns.js';
import { generateReviews, type ReviewLabel } from './reviews.js';
import { buildTimeline, isoOfDay } from './timeline.js';

export interface DemoOptions {
  /** PRNG seed (integer). Default 42. */
  seed?: number;
  /** Number of employees. Default 300 (≈ 40 % sales_ops, 20 % product_ops, 40 % cs_agent). */
  people?: number;
  /** Window end; the last whole ISO week ending on or before it is the last week. Default `2026-11-22`. */
  endDate?: string;
  /** Window length in years. Default 3. */
  years?: number;
}

/** The latent truth behind the data, for tests and simulations (never shown to the service). */
export interface DemoTruth {
  /** Agent id → probability that a clause about an agent-controllable aspect is positive (ramped, ordinary times). */
  agentQuality: Record<string, number>;
  /** Employee id → standard-normal skill behind every metric. */
  skill: Record<string, number>;
  /** Employee id → last employed day (`YYYY-MM-DD`) for people who left during the window. */
  leftOn: Record<string, string>;
  /** Review id → language, aspect clauses with their polarity, and the agent who served. */
  reviewLabels: Record<string, ReviewLabel>;
  /** First Monday and last Sunday of the window (`YYYY-MM-DD`). */
  window: { start: string; end: string };
}

export interface DemoData {
  employees: EmployeeInput[];
  history: HistoryInput[];
  reviews: ReviewInput[];
  /** Return requests handled by the CS agents (48 h returns SLA), ids `RT000001…` in order of opening. */
  returns: ReturnEventInput[];
  /** Events from the window's first year through the year after its end (targets look ahead). */
  calendar: CalendarEvent[];
  truth: DemoTruth;
}

/**
 * Generates the demo dataset.
 * @throws RangeError on a bad `endDate`, non-positive `years` or a negative/non-integer `people`
 * @example generateDemo({ seed: 7, people: 30 }).employees.length === 30
 */
export function generateDemo(options: DemoOptions = {}): DemoData {
  const { seed = 42, people = 300, endDate = '2026-11-22', years = 3 } = options;
  if (!Number.isInteger(people) || people < 0)
    throw new RangeError(`people must be a non-negative integer, got ${people}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const endYear = Number(endDate.slice(0, 4));
  const calendar = defaultPromotionCalendar(endYear - Math.ceil(years) - 1, endYear + 1);
  const tl = buildTimeline(endDate, years, calendar);
  const staff = generatePeople(seed, people, tl);

  const history: HistoryInput[] = [];
  const handlingHours = new Map<string, Float64Array>();
  for (const p of staff) {
    if (p.role === 'sales_ops') salesHistory(seed, p, tl, history);
    else if (p.role === 'product_ops') productHistory(seed, p, tl, history);
    else handlingHours.set(p.employee.id, csHistory(seed, p, tl, history));
    innovationHistory(seed, p, tl, history);
  }
  const agents = staff.filter((p) => p.role === 'cs_agent');
  const { reviews, labels } = generateReviews(seed, agents, tl);
  const returns = generateReturns(seed, agents, tl, handlingHours);

  const truth: DemoTruth = {
    agentQuality: Object.fromEntries(agents.map((a) => [a.employee.id, a.quality])),
    skill: Object.fromEntries(staff.map((p) => [p.employee.id, p.skill])),
    leftOn: Object.fromEntries(
      staff.filter((p) => p.leaveDay !== null).map((p) => [p.employee.id, isoOfDay(p.leaveDay!)]),
    ),
    reviewLabels: labels,
    window: { start: isoOfDay(tl.startDay), end: isoOfDay(tl.endDay) },
  };
  const windowStartYear = Number(truth.window.start.slice(0, 4));
  return {
    employees: staff.map((p) => p.employee),
    history,
    reviews,
    returns,
    calendar: calendar.filter((e) => Number(e.id.slice(0, 4)) >= windowStartYear),
    truth,
  };
}
