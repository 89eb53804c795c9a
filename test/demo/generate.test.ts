import { describe, it, expect } from 'vitest';
import { generateDemo } from '../../src/demo/generate.js';
import { parsePeriod, periodOf, shiftPeriod } from '../../src/history/period.js';
import type { HistoryInput } from '../../src/history/types.js';

const demo = generateDemo();
const { employees, history, reviews, truth } = demo;
const roleOf = new Map(employees.map((e) => [e.id, e.role]));
const key = (h: HistoryInput): string => `${h.employee_id}|${h.metric_id}|${h.period}`;
const byKey = new Map(history.map((h) => [key(h), h.value]));

const ROLE_METRICS: Record<string, Record<string, string[]>> = {
  sales_ops: {
    week: ['gmv', 'conversion_rate', 'aov', 'visitors'],
    month: ['gmv', 'conversion_rate', 'aov', 'visitors'],
    quarter: ['innovation_contribution'],
  },
  product_ops: {
    week: [],
    month: [],
    quarter: ['gmv', 'inventory_turnover', 'order_handling_time', 'innovation_contribution'],
  },
  cs_agent: {
    week: ['csat', 'response_qualified_rate', 'negative_review_response_24h', 'return_handling_time'],
    month: ['csat', 'response_qualified_rate', 'negative_review_response_24h', 'return_handling_time'],
    quarter: ['innovation_contribution'],
  },
};

function mean(xs: number[]): number {
  if (xs.length === 0) throw new Error('mean of nothing');
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function correlation(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** Mean of a metric over everyone reporting it in `period`. */
function periodMean(metric: string, period: string): number {
  return mean(history.filter((h) => h.metric_id === metric && h.period === period).map((h) => h.value));
}

describe('generateDemo: determinism', () => {
  it('gives the same data for the same seed and different data for another', () => {
    const a = generateDemo({ seed: 7, people: 30 });
    const b = generateDemo({ seed: 7, people: 30 });
    const c = generateDemo({ seed: 8, people: 30 });
    expect(b).toEqual(a);
    expect(c.history).not.toEqual(a.history);
    expect(c.reviews).not.toEqual(a.reviews);
  });

  it('rejects bad options', () => {
    expect(() => generateDemo({ people: -1 })).toThrow(RangeError);
    expect(() => generateDemo({ endDate: 'soon' })).toThrow(RangeError);
    expect(() => generateDemo({ years: 0 })).toThrow(RangeError);
  });
});

describe('generateDemo: people', () => {
  it('spreads 300 people over the roles 40/20/40 with teams and unique ids', () => {
    expect(employees).toHaveLength(300);
    expect(new Set(employees.map((e) => e.id)).size).toBe(300);
    const count = (role: string): number => employees.filter((e) => e.role === role).length;
    expect([count('sales_ops'), count('product_ops'), count('cs_agent')]).toEqual([120, 60, 120]);
    for (const e of employees) expect(e.team).toMatch(/\S/);
  });

  it('has tenured people, new hires inside the window and a few leavers', () => {
    const inWindow = employees.filter((e) => (e.hire_date as string) >= truth.window.start).length;
    expect(inWindow).toBeGreaterThan(60);
    expect(inWindow).toBeLessThan(160);
    const left = Object.keys(truth.leftOn).length;
    expect(left).toBeGreaterThan(5);
    expect(left).toBeLessThan(50);
  });
});

describe('generateDemo: history', () => {
  it('has a plausible size', () => {
    expect(history.length).toBeGreaterThan(120_000);
    expect(history.length).toBeLessThan(250_000);
  });

  it('uses valid periods inside the window and within each employment', () => {
    const hired = new Map(employees.map((e) => [e.id, e.hire_date as string]));
    const parsed = new Map<string, ReturnType<typeof parsePeriod>>();
    const bad: string[] = [];
    for (const h of history) {
      let p = parsed.get(h.period);
      if (p === undefined) parsed.set(h.period, (p = parsePeriod(h.period)));
      const left = truth.leftOn[h.employee_id];
      if (!p) bad.push(`unparsable ${h.period}`);
      else if (p.start < truth.window.start || p.end > truth.window.end) bad.push(`outside window ${h.period}`);
      else if (p.start < (hired.get(h.employee_id) as string)) bad.push(`before hire ${key(h)}`);
      else if (left && p.end > left) bad.push(`after leaving ${key(h)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('has no duplicate (employee, metric, period)', () => {
    expect(byKey.size).toBe(history.length);
  });

  it('gives each role its metrics at its periods', () => {
    const kinds = new Map<string, string>();
    const bad: string[] = [];
    for (const h of history) {
      let kind = kinds.get(h.period);
      if (kind === undefined) kinds.set(h.period, (kind = parsePeriod(h.period)!.kind));
      const role = roleOf.get(h.employee_id);
      if (!role || !ROLE_METRICS[role]![kind]!.includes(h.metric_id)) bad.push(`${role} ${h.metric_id} ${h.period}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('keeps values in plausible ranges', () => {
    const ok = (h: HistoryInput): boolean => {
      const v = h.value;
      if (!Number.isFinite(v)) return false;
      switch (h.metric_id) {
        case 'conversion_rate':
          return v > 0 && v < 0.5;
        case 'csat':
        case 'response_qualified_rate':
        case 'negative_review_response_24h':
          return v >= 0 && v <= 1;
        case 'innovation_contribution':
          return Number.isInteger(v) && v >= 0 && v < 40;
        case 'visitors':
          return Number.isInteger(v) && v > 0;
        case 'order_handling_time':
        case 'return_handling_time':
          return v > 0.5 && v < 24 * 14;
        default:
          return v > 0;
      }
    };
    expect(history.filter((h) => !ok(h)).slice(0, 5)).toEqual([]);
  });

  it('puts the Double 11 week clearly above its neighbours, and strains CS there', () => {
    const startYear = Number(truth.window.start.slice(0, 4));
    const endYear = Number(truth.window.end.slice(0, 4));
    let checked = 0;
    for (let y = startYear; y <= endYear; y++) {
      const week = periodOf(new Date(Date.UTC(y, 10, 11)), 'week');
      const before = shiftPeriod(week, -1);
      const after = shiftPeriod(week, 1);
      if (before.start < truth.window.start || after.end > truth.window.end) continue;
      const peak = periodMean('gmv', week.id);
      expect(peak, week.id).toBeGreaterThan(1.3 * periodMean('gmv', before.id));
      expect(peak, week.id).toBeGreaterThan(2 * periodMean('gmv', after.id));
      expect(periodMean('csat', week.id)).toBeLessThan(periodMean('csat', after.id));
      expect(periodMean('return_handling_time', week.id)).toBeGreaterThan(periodMean('return_handling_time', after.id));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('makes monthly sales the day-share sum of the weeks (ratios recomputed)', () => {
    // rule: each ISO week is spread evenly over its 7 days; a month sums days_in_month/7 of each overlapping week
    const months = [...new Set(history.filter((h) => /^\d{4}-\d{2}$/.test(h.period)).map((h) => h.period))];
    let checked = 0;
    for (const e of employees.filter((x) => x.role === 'sales_ops')) {
      for (const m of months) {
        const mGmv = byKey.get(`${e.id}|gmv|${m}`);
        if (mGmv === undefined) continue;
        const month = parsePeriod(m)!;
        let gmv = 0;
        let visitors = 0;
        let buyers = 0;
        let complete = true;
        for (
          let w = periodOf(new Date(`${month.start}T00:00:00Z`), 'week');
          w.start <= month.end;
          w = shiftPeriod(w, 1)
        ) {
          const g = byKey.get(`${e.id}|gmv|${w.id}`);
          const v = byKey.get(`${e.id}|visitors|${w.id}`);
          const c = byKey.get(`${e.id}|conversion_rate|${w.id}`);
          if (g === undefined || v === undefined || c === undefined) {
            complete = false; // a reporting gap: the week is missing from the output
            break;
          }
          const first = w.start > month.start ? w.start : month.start;
          const last = w.end < month.end ? w.end : month.end;
          const share = ((Date.parse(last) - Date.parse(first)) / 86_400_000 + 1) / 7;
          gmv += g * share;
          visitors += v * share;
          buyers += Math.round(c * v) * share;
        }
        if (!complete) continue;
        expect(Math.abs(mGmv - gmv)).toBeLessThan(0.05);
        expect(Math.abs((byKey.get(`${e.id}|visitors|${m}`) as number) - visitors)).toBeLessThanOrEqual(0.5);
        expect(byKey.get(`${e.id}|conversion_rate|${m}`)).toBeCloseTo(buyers / visitors, 5);
        expect(byKey.get(`${e.id}|aov|${m}`)).toBeCloseTo(gmv / buyers, 1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2_000);
  });

  it('ramps new hires up: their first months convert worse than their later ones', () => {
    const recent = employees.filter(
      (e) =>
        e.role === 'sales_ops' &&
        (e.hire_date as string) > truth.window.start &&
        (e.hire_date as string) < '2026-01-01',
    );
    const early: number[] = [];
    const late: number[] = [];
    for (const e of recent) {
      const rates = history
        .filter((h) => h.employee_id === e.id && h.metric_id === 'conversion_rate' && h.period.includes('W'))
        .sort((a, b) => (a.period < b.period ? -1 : 1))
        .map((h) => h.value);
      if (rates.length < 40) continue;
      early.push(mean(rates.slice(0, 4)));
      late.push(mean(rates.slice(-12)));
    }
    expect(early.length).toBeGreaterThan(5);
    expect(mean(early)).toBeLessThan(0.85 * mean(late));
  });
});

describe('generateDemo: reviews', () => {
  const agents = new Set(employees.filter((e) => e.role === 'cs_agent').map((e) => e.id));

  it('has a plausible number of reviews with unique ids and valid fields', () => {
    expect(reviews.length).toBeGreaterThan(20_000);
    expect(reviews.length).toBeLessThan(40_000);
    expect(new Set(reviews.map((r) => r.id)).size).toBe(reviews.length);
    const bad = reviews.filter((r) => {
      const created = Date.parse(r.created_at);
      return (
        !['chat', 'after_sales', 'product_review'].includes(r.channel ?? '') ||
        (r.agent_id !== null && !agents.has(r.agent_id)) ||
        (r.rating !== null && ![1, 2, 3, 4, 5].includes(r.rating)) ||
        !/^\d{18}$/.test(r.order_id ?? '') ||
        r.text.length < 3 ||
        Number.isNaN(created) ||
        (r.replied_at !== null && !(Date.parse(r.replied_at) > created))
      );
    });
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('writes mostly Chinese, some English', () => {
    const zh = reviews.filter((r) => /[\u4e00-\u9fff]/.test(r.text)).length / reviews.length;
    expect(zh).toBeGreaterThan(0.75);
    expect(zh).toBeLessThan(0.95);
  });

  it('replies to most reviews, with some negatives late or never', () => {
    const replied = reviews.filter((r) => r.replied_at !== null).length / reviews.length;
    expect(replied).toBeGreaterThan(0.6);
    const negatives = reviews.filter((r) => r.rating !== null && r.rating <= 2);
    const late = negatives.filter(
      (r) => r.replied_at === null || Date.parse(r.replied_at) - Date.parse(r.created_at) > 86_400_000,
    );
    expect(late.length / negatives.length).toBeGreaterThan(0.05);
    expect(late.length / negatives.length).toBeLessThan(0.5);
  });

  it('carries a true signal: agent-aspect sentiment and ratings follow the latent agent quality', () => {
    const stats = new Map<string, { pos: number; n: number; stars: number[] }>();
    for (const r of reviews) {
      const label = truth.reviewLabels[r.id]!;
      const s = stats.get(label.served_by) ?? { pos: 0, n: 0, stars: [] };
      for (const c of label.aspects) {
        if (c.aspect === 'attitude' || c.aspect === 'speed' || c.aspect === 'returns') {
          s.n++;
          if (c.polarity === 'pos') s.pos++;
        }
      }
      if (r.rating !== null) s.stars.push(r.rating);
      stats.set(label.served_by, s);
    }
    const ids = [...stats.keys()].filter((id) => stats.get(id)!.n >= 30);
    expect(ids.length).toBeGreaterThan(80);
    const quality = ids.map((id) => truth.agentQuality[id] as number);
    expect(
      correlation(
        quality,
        ids.map((id) => stats.get(id)!.pos / stats.get(id)!.n),
      ),
    ).toBeGreaterThan(0.8);
    expect(
      correlation(
        quality,
        ids.map((id) => mean(stats.get(id)!.stars)),
      ),
    ).toBeGreaterThan(0.6);
  });

  it('returns the calendar it used', () => {
    const ids = new Set(demo.calendar.map((e) => e.id));
    for (const id of ['2024-double11', '2025-618', '2026-spring-festival', '2027-double11'])
      expect(ids.has(id)).toBe(true);
  });
});

describe('generateDemo: return events', () => {
  const { returns, truth } = demo;
  const agents = new Map(employees.filter((e) => e.role === 'cs_agent').map((e) => [e.id, e]));
  const hours = (r: (typeof returns)[number]): number =>
    (Date.parse(r.closed_at!) - Date.parse(r.opened_at)) / 3_600_000;

  it('opens returns for CS agents while they are employed, closes them after they open, in id order of opening', () => {
    expect(returns.length).toBeGreaterThan(5_000);
    expect(new Set(returns.map((r) => r.id)).size).toBe(returns.length);
    const bad = returns.filter((r, i) => {
      const agent = agents.get(r.agent_id);
      const left = truth.leftOn[r.agent_id];
      return (
        agent === undefined ||
        r.id !== `RT${String(i + 1).padStart(6, '0')}` ||
        (i > 0 && r.opened_at < returns[i - 1]!.opened_at) ||
        r.opened_at.slice(0, 10) < (agent.hire_date ?? '').slice(0, 10) ||
        (left !== undefined && r.opened_at.slice(0, 10) > left) ||
        !/^\d{18}$/.test(r.order_id ?? '') ||
        (r.closed_at !== null && !(hours(r) > 0))
      );
    });
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('closes most returns within 48 h and leaves only the last days open', () => {
    const closed = returns.filter((r) => r.closed_at !== null);
    const within = closed.filter((r) => hours(r) <= 48).length / closed.length;
    expect(within).toBeGreaterThan(0.7);
    expect(within).toBeLessThan(0.95);
    const open = returns.filter((r) => r.closed_at === null);
    expect(open.length).toBeGreaterThan(0);
    const end = Date.parse(`${truth.window.end}T16:00:00Z`); // the last local day's end
    expect(open.filter((r) => end - Date.parse(r.opened_at) > 30 * 86_400_000)).toEqual([]);
  });

  it('follows the agents: the more skilled close their returns sooner', () => {
    const byAgent = new Map<string, number[]>();
    for (const r of returns)
      if (r.closed_at !== null) byAgent.set(r.agent_id, [...(byAgent.get(r.agent_id) ?? []), hours(r)]);
    const ids = [...byAgent.keys()].filter((id) => byAgent.get(id)!.length >= 30);
    expect(ids.length).toBeGreaterThan(60);
    expect(
      correlation(
        ids.map((id) => truth.skill[id] as number),
        ids.map((id) => mean(byAgent.get(id)!.map(Math.log))),
      ),
    ).toBeLessThan(-0.5);
  });
});
