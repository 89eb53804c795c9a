/**
 * KPI history per role. Each value is level × trend × season/promotion × tenure ramp × noise,
 * drawn from the person's own stream.
 *
 * Month rule (sales and CS): a week's value is spread evenly over its 7 days, so a month gets
 * `days_in_month / 7` of each week that straddles it. Additive metrics (gmv, visitors, buyers)
 * are summed that way; ratios are recomputed from the sums (conversion = buyers / visitors,
 * aov = gmv / buyers); CS rates and times are the day-weighted mean of the weeks.
 * A month is emitted only when every week overlapping it lies within the person's employment.
 * Missing periods are reporting gaps: the row is absent but months still count the week.
 */
import type { HistoryInput } from '../history/types.js';
import { logit, sigmoid } from '../lib/maths.js';
import { ramp, type DemoPerson } from './people.js';
import { Rng } from './rng.js';
import type { Timeline } from './timeline.js';

/** Probability that a person's row set for one period is missing (reporting gap). */
export const MISSING_WEEK = 0.015;
export const MISSING_MONTH = 0.01;
export const MISSING_QUARTER = 0.01;

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Day offsets (from the window start) of the person's employment, clipped to the window. */
function span(p: DemoPerson, tl: Timeline): { from: number; to: number } {
  return { from: p.hireDay - tl.startDay, to: (p.leaveDay ?? Number.POSITIVE_INFINITY) - tl.startDay };
}

/** Indexes of weeks fully inside the employment span. */
function activeWeeks(p: DemoPerson, tl: Timeline): boolean[] {
  const { from, to } = span(p, tl);
  return tl.weeks.map((w) => w.first >= from && w.first + 6 <= to);
}

/** AR(1) noise with stationary sd `sd` and lag-1 correlation `phi`. */
function ar1(r: Rng, n: number, phi: number, sd: number): Float64Array {
  const out = new Float64Array(n);
  let x = r.normal(0, sd);
  const inner = sd * Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    out[i] = x;
    x = phi * x + r.normal(0, inner);
  }
  return out;
}

function push(out: HistoryInput[], employee_id: string, period: string, values: Record<string, number>): void {
  for (const metric_id in values) out.push({ employee_id, metric_id, period, value: values[metric_id] as number });
}

export function salesHistory(seed: number, p: DemoPerson, tl: Timeline, out: HistoryInput[]): void {
  const r = Rng.from(seed, 'sales', p.employee.id);
  const active = activeWeeks(p, tl);
  const nW = tl.weeks.length;
  const nv = ar1(r, nW, 0.6, 0.12);
  const nc = ar1(r, nW, 0.5, 0.08);
  const na = ar1(r, nW, 0.4, 0.05);
  const vis = new Float64Array(nW);
  const buy = new Float64Array(nW);
  const gmv = new Float64Array(nW);
  const id = p.employee.id;
  for (let w = 0; w < nW; w++) {
    if (!active[w]) continue;
    const wk = tl.weeks[w]!;
    const rp = ramp(wk.first + 3 - (p.hireDay - tl.startDay));
    const visitors = Math.max(
      50,
      Math.round(p.visitors * Math.exp(p.growth * wk.t + p.team - 0.35 * rp + (nv[w] as number)) * wk.demand ** 0.75),
    );
    const cr = Math.min(0.5, p.conversion * wk.demand ** 0.3 * Math.exp(-0.4 * rp + (nc[w] as number)));
    const buyers = Math.max(1, Math.round(visitors * cr));
    const aov = p.aov * Math.exp(0.02 * wk.t + (na[w] as number)) * wk.demand ** 0.05;
    const g = round(buyers * aov, 2);
    vis[w] = visitors;
    buy[w] = buyers;
    gmv[w] = g;
    if (r.chance(MISSING_WEEK)) continue;
    push(out, id, wk.id, { gmv: g, visitors, conversion_rate: round(buyers / visitors, 6), aov: round(g / buyers, 2) });
  }
  for (const m of tl.months) {
    if (!m.parts.every((pt) => active[pt.week])) continue;
    let v = 0;
    let b = 0;
    let g = 0;
    for (const pt of m.parts) {
      const share = pt.days / 7;
      v += (vis[pt.week] as number) * share;
      b += (buy[pt.week] as number) * share;
      g += (gmv[pt.week] as number) * share;
    }
    if (r.chance(MISSING_MONTH)) continue;
    push(out, id, m.id, {
      gmv: round(g, 2),
      visitors: Math.round(v),
      conversion_rate: round(b / v, 6),
      aov: round(g / b, 2),
    });
  }
}

export function productHistory(seed: number, p: DemoPerson, tl: Timeline, out: HistoryInput[]): void {
  const r = Rng.from(seed, 'product', p.employee.id);
  const { from, to } = span(p, tl);
  for (const q of tl.quarters) {
    if (q.first < from || q.last > to) continue;
    const rp = ramp((q.first + q.last) / 2 - from);
    const turnover = p.turnover * q.demand ** 0.5 * Math.exp(0.03 * q.t - 0.3 * rp + r.normal(0, 0.1));
    const handling = Math.max(
      1,
      p.handling * Math.exp(1.5 * q.stress - 0.05 * q.t + r.normal(0, 0.1)) * (1 + 0.4 * rp),
    );
    const gmv = p.gmvQuarter * q.demand * Math.exp(p.growth * q.t + p.team - 0.3 * rp + r.normal(0, 0.12));
    if (r.chance(MISSING_QUARTER)) continue;
    push(out, p.employee.id, q.id, {
      gmv: round(gmv, 2),
      inventory_turnover: round(turnover, 3),
      order_handling_time: round(handling, 2),
    });
  }
}

/** Quarterly innovation points for everyone: Poisson, halved while ramping up. */
export function innovationHistory(seed: number, p: DemoPerson, tl: Timeline, out: HistoryInput[]): void {
  const r = Rng.from(seed, 'innovation', p.employee.id);
  const { from, to } = span(p, tl);
  for (const q of tl.quarters) {
    if (q.first < from || q.last > to) continue;
    const points = r.poisson(p.innovation * (1 - 0.5 * ramp((q.first + q.last) / 2 - from)));
    if (r.chance(MISSING_QUARTER)) continue;
    out.push({ employee_id: p.employee.id, metric_id: 'innovation_contribution', period: q.id, value: points });
  }
}

const CS_METRICS = ['csat', 'response_qualified_rate', 'negative_review_response_24h', 'return_handling_time'] as const;

/**
 * A CS agent's weekly and monthly metrics, appended to `out`.
 * @returns the weekly return handling time in hours (0 outside employment), which the demo's return events follow
 */
export function csHistory(seed: number, p: DemoPerson, tl: Timeline, out: HistoryInput[]): Float64Array {
  const r = Rng.from(seed, 'cs', p.employee.id);
  const active = activeWeeks(p, tl);
  const nW = tl.weeks.length;
  const drift = ar1(r, nW, 0.7, 0.15);
  const values = CS_METRICS.map(() => new Float64Array(nW));
  const [csat, rqr, nr24, rht] = values as [Float64Array, Float64Array, Float64Array, Float64Array];
  const id = p.employee.id;
  for (let w = 0; w < nW; w++) {
    if (!active[w]) continue;
    const wk = tl.weeks[w]!;
    const z = p.skill - 1.2 * ramp(wk.first + 3 - (p.hireDay - tl.startDay)) + (drift[w] as number);
    const extraLogistics = wk.logistics - wk.stress; // holiday courier stops
    csat[w] = sigmoid(logit(0.9) + 0.45 * z - 1.0 * wk.stress - 0.3 * extraLogistics + r.normal(0, 0.12));
    rqr[w] = sigmoid(logit(0.93) + 0.6 * z - 1.2 * wk.stress + r.normal(0, 0.2));
    nr24[w] = sigmoid(logit(0.85) + 0.8 * z - 1.0 * wk.stress + r.normal(0, 0.3));
    rht[w] = 28 * Math.exp(-0.18 * z + 0.5 * wk.stress + 0.3 * extraLogistics + r.normal(0, 0.1));
    if (r.chance(MISSING_WEEK)) continue;
    push(out, id, wk.id, {
      csat: round(csat[w] as number, 4),
      response_qualified_rate: round(rqr[w] as number, 4),
      negative_review_response_24h: round(nr24[w] as number, 4),
      return_handling_time: round(rht[w] as number, 2),
    });
  }
  for (const m of tl.months) {
    if (!m.parts.every((pt) => active[pt.week])) continue;
    const mean = (a: Float64Array): number => {
      let s = 0;
      let d = 0;
      for (const pt of m.parts) {
        s += (a[pt.week] as number) * pt.days;
        d += pt.days;
      }
      return s / d;
    };
    if (r.chance(MISSING_MONTH)) continue;
    push(out, id, m.id, {
      csat: round(mean(csat), 4),
      response_qualified_rate: round(mean(rqr), 4),
      negative_review_response_24h: round(mean(nr24), 4),
      return_handling_time: round(mean(rht), 2),
    });
  }
  return rht;
}
