/**
 * Return requests handled by CS agents, for the 48 h returns SLA. Each agent opens returns in
 * proportion to their review volume and the day's demand; a return takes the agent's weekly return
 * handling time of the KPI history (`csHistory`) times log-normal noise, so the events and the
 * history tell the same story. Returns still open at the window's end have no `closed_at`.
 */
import type { ReturnEventInput } from '../ratings/returns.js';
import type { DemoPerson } from './people.js';
import { orderId } from './reviews.js';
import { Rng } from './rng.js';
import { DAY_MS, isoSeconds, type Timeline, windowEndMs } from './timeline.js';

/** Returns per review an agent receives (at the same demand). */
export const RETURNS_PER_REVIEW = 0.4;
/** Log-normal spread of one return's handling time around the week's mean. */
const HANDLING_SIGMA = 0.6;

/**
 * @param handlingHours agent id → weekly return handling time in hours, indexed like `tl.weeks`
 * @returns return events with ids `RT000001…` in order of opening
 */
export function generateReturns(
  seed: number,
  agents: readonly DemoPerson[],
  tl: Timeline,
  handlingHours: ReadonlyMap<string, Float64Array>,
): ReturnEventInput[] {
  type Draft = { opened: number; agent: string; seq: number; event: Omit<ReturnEventInput, 'id'> };
  const drafts: Draft[] = [];
  const windowEnd = windowEndMs(tl);
  const n = tl.weeks.length * 7;
  for (const a of agents) {
    const hours = handlingHours.get(a.employee.id);
    if (!hours) continue;
    const r = Rng.from(seed, 'returns', a.employee.id);
    const from = Math.max(0, a.hireDay - tl.startDay);
    const to = Math.min(n - 1, (a.leaveDay ?? Number.POSITIVE_INFINITY) - tl.startDay);
    let seq = 0;
    for (let i = from; i <= to; i++) {
      const weekHours = hours[Math.floor(i / 7)] as number;
      if (!(weekHours > 0)) continue;
      const count = r.poisson(RETURNS_PER_REVIEW * a.reviewRate * (tl.demand[i] as number) ** 0.8);
      for (let k = 0; k < count; k++) {
        // opened between 09:00 and 22:00 China time
        const opened = (tl.startDay + i) * DAY_MS + (r.int(9, 21) - 8) * 3_600_000 + r.int(0, 3599) * 1000;
        // the week's figure is a mean: the log-normal's median sits exp(σ²/2) below it
        const median = weekHours / Math.exp((HANDLING_SIGMA * HANDLING_SIGMA) / 2);
        const closed = Math.round((opened + r.logNormal(median, HANDLING_SIGMA) * 3_600_000) / 1000) * 1000;
        drafts.push({
          opened,
          agent: a.employee.id,
          seq: seq++,
          event: {
            agent_id: a.employee.id,
            order_id: orderId(r),
            opened_at: isoSeconds(opened),
            closed_at: closed <= windowEnd ? isoSeconds(closed) : null,
          },
        });
      }
    }
  }
  drafts.sort((x, y) => x.opened - y.opened || (x.agent < y.agent ? -1 : x.agent > y.agent ? 1 : x.seq - y.seq));
  return drafts.map((d, i) => ({ id: `RT${String(i + 1).padStart(6, '0')}`, ...d.event }));
}
