/**
 * The demo workforce: employees with roles, teams and hire dates, plus the latent traits
 * (skill, growth, levels) that drive their metrics. Each person draws from their own stream.
 */
import type { EmployeeInput } from '../history/types.js';
import { logit, sigmoid } from '../lib/maths.js';
import { Rng } from './rng.js';
import { DAY_MS, isoOfDay, type Timeline } from './timeline.js';

export type DemoRole = 'sales_ops' | 'product_ops' | 'cs_agent';

export const ROLE_SHARES: Readonly<Record<DemoRole, number>> = { sales_ops: 0.4, product_ops: 0.2, cs_agent: 0.4 };

export const TEAMS: Readonly<Record<DemoRole, readonly string[]>> = {
  sales_ops: ['华东-1', '华东-2', '华南-1', '华南-2', '华北-1', '西南-1'],
  product_ops: ['商品-1', '商品-2', '商品-3'],
  cs_agent: ['客服-售前-1', '客服-售前-2', '客服-售后-1', '客服-售后-2'],
};

/** Share of people already employed before the window opens (hired 3–6 years before its end). */
export const TENURED_SHARE = 0.65;
/** Share of people who leave during the window (their history stops). */
export const LEAVER_SHARE = 0.08;
/** New hires ramp up with this time constant (days): ≈ 93 % ramped after 6 months. */
export const RAMP_DAYS = 70;

export interface DemoPerson {
  employee: EmployeeInput;
  role: DemoRole;
  hireDay: number;
  /** Last employed day, or null when still employed at the window's end. */
  leaveDay: number | null;
  /** Standard-normal skill: drives conversion, quality, handling times. */
  skill: number;
  /** Yearly log growth of the person's sales. */
  growth: number;
  /** Log effect of the person's team. */
  team: number;
  /** Expected innovation points per quarter when ramped. */
  innovation: number;
  // sales_ops: weekly median visitors, base conversion, base AOV
  visitors: number;
  conversion: number;
  aov: number;
  // product_ops: quarterly levels
  turnover: number;
  handling: number;
  gmvQuarter: number;
  // cs_agent
  /** Probability that a clause about an agent-controllable aspect is positive, ramped, in ordinary times. */
  quality: number;
  /** Expected reviews per active day at demand 1. */
  reviewRate: number;
}

/** Share still missing from full productivity `days` after hire (1 on day 0, → 0). */
export function ramp(days: number): number {
  return days <= 0 ? 1 : Math.exp(-days / RAMP_DAYS);
}

/** Exact role counts for `people`: round(40 %) sales, round(20 %) product, the rest agents. */
export function roleCounts(people: number): Record<DemoRole, number> {
  const sales = Math.round(people * ROLE_SHARES.sales_ops);
  const product = Math.round(people * ROLE_SHARES.product_ops);
  return { sales_ops: sales, product_ops: product, cs_agent: Math.max(0, people - sales - product) };
}

export function generatePeople(seed: number, people: number, tl: Timeline): DemoPerson[] {
  const counts = roleCounts(people);
  const roles: DemoRole[] = [];
  for (const role of ['sales_ops', 'product_ops', 'cs_agent'] as const)
    for (let i = 0; i < counts[role]; i++) roles.push(role);
  Rng.from(seed, 'roles').shuffle(roles);

  const teamEffects = new Map<string, number>();
  const teamRng = Rng.from(seed, 'teams');
  for (const role of ['sales_ops', 'product_ops', 'cs_agent'] as const)
    for (const t of TEAMS[role]) teamEffects.set(t, teamRng.normal(0, 0.12));

  const end = new Date(tl.endDay * DAY_MS);
  const sixYearsBack = Date.UTC(end.getUTCFullYear() - 6, end.getUTCMonth(), end.getUTCDate()) / DAY_MS;
  const windowSpan = tl.endDay - tl.startDay;

  return roles.map((role, i) => {
    const id = `E${String(i + 1).padStart(4, '0')}`;
    const r = Rng.from(seed, 'person', id);
    const teamName = r.pick(TEAMS[role]);
    const hireDay = r.chance(TENURED_SHARE) ? r.int(sixYearsBack, tl.startDay - 1) : r.int(tl.startDay, tl.endDay - 30); // cold start: hired inside the window
    let leaveDay: number | null = null;
    if (r.chance(LEAVER_SHARE)) {
      const from = Math.max(hireDay + 120, tl.startDay + Math.round(windowSpan * 0.2));
      if (from < tl.endDay - 30) leaveDay = r.int(from, tl.endDay - 30);
    }
    const skill = r.normal();
    const innovationBase = role === 'product_ops' ? 2.5 : role === 'sales_ops' ? 1.2 : 0.8;
    return {
      employee: { id, role, team: teamName, hire_date: isoOfDay(hireDay) },
      role,
      hireDay,
      leaveDay,
      skill,
      growth: r.normal(0.08, 0.07),
      team: teamEffects.get(teamName) ?? 0,
      innovation: innovationBase * Math.exp(0.25 * skill + r.normal(0, 0.35)),
      visitors: r.logNormal(20_000, 0.55),
      conversion: sigmoid(logit(0.03) + 0.25 * skill + r.normal(0, 0.15)),
      aov: r.logNormal(180, 0.3),
      turnover: r.logNormal(2.2, 0.2) * Math.exp(0.1 * skill),
      handling: r.logNormal(20, 0.2) * Math.exp(-0.12 * skill),
      gmvQuarter: r.logNormal(2_500_000, 0.6),
      quality: sigmoid(1.2 + 0.9 * skill),
      reviewRate: r.logNormal(0.28, 0.3),
    };
  });
}
