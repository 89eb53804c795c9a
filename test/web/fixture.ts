/**
 * A small desk for the console's tests: six customer-service agents in two teams, reviews in
 * 2026-Q2 and 2026-Q3 (scored by the shipped zh/en models on ingestion, so ratings exist), some
 * negative and unanswered (overdue), one agent with too few reviews, and reviews whose text is
 * markup (<script>, <img onerror>) that must render as text.
 */
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import type { TestApp } from '../helpers/app.js';

export const SCRIPT_TEXT = '<script>window.__pwned = 1</script> 客服态度很好';
export const IMG_TEXT = '<img src=x onerror="window.__pwned = 2"> the agent was rude and slow';

const good = [
  '客服态度很好，回复很快，非常耐心',
  '客服小姐姐很热情，解答很专业',
  'The agent was friendly and answered quickly',
];
const mixed = ['客服态度很好，但是快递太慢了', '客服回复很快，包装破损了', '售后处理很及时，就是价格有点贵'];
const rude = [
  '客服态度很差，爱答不理',
  '客服回复太慢了，等了半天没人理',
  'The agent never answered my emails, terrible service',
];

/**
 * The incentive plan of cs_agent the payout tests use: a bonus on CSAT (no attainment without a trained
 * model: a payout-preview warning).
 */
export const CS_BONUS_PLAN = {
  id: 'cs-bonus',
  version: 1,
  role: 'cs_agent',
  effective_from: '2026-01',
  tier_mode: 'whole',
  base_pay_cents: 600000,
  components: [
    {
      id: 'service_bonus',
      drivers: [{ metric: 'csat', weight: 1 }],
      base: { fixed_cents: 100000 },
      tiers: [
        { from: 0, to: 90, rate: 0 },
        { from: 90, rate: 100 },
      ],
    },
  ],
};

export const AGENTS = [
  { id: 'A01', team: '客服-一组', texts: good, n: 30 },
  { id: 'A02', team: '客服-一组', texts: mixed, n: 24 },
  { id: 'A03', team: '客服-一组', texts: rude, n: 20 },
  { id: 'A04', team: '客服-二组', texts: good, n: 18 },
  { id: 'A05', team: '客服-二组', texts: rude, n: 16 },
  { id: 'A06', team: '客服-二组', texts: good, n: 4 },
];

function reviewRows() {
  const rows: Record<string, unknown>[] = [];
  for (const a of AGENTS) {
    for (const [q, month] of [
      ['q2', '05'],
      ['q3', '08'],
    ] as const) {
      // Q2 better than Q3 for A01 (a decline to sort by): fewer good texts later
      const texts = a.id === 'A01' && q === 'q3' ? [...a.texts, ...rude] : a.texts;
      for (let i = 0; i < a.n; i++) {
        const day = String(1 + (i % 27)).padStart(2, '0');
        const text = texts[i % texts.length]!;
        const negative = texts === rude || rude.includes(text);
        rows.push({
          id: `${a.id}-${q}-${i}`,
          agent_id: a.id,
          order_id: `o-${a.id}-${q}-${i}`,
          channel: 'chat',
          text,
          rating: negative ? 1 : 5,
          created_at: `2026-${month}-${day}T02:00:00Z`,
          // the rude agents leave some negative reviews unanswered: overdue
          replied_at: negative && i % 3 === 0 ? null : `2026-${month}-${day}T05:00:00Z`,
        });
      }
    }
  }
  rows.push(
    {
      id: 'X-script',
      agent_id: 'A02',
      channel: 'chat',
      text: SCRIPT_TEXT,
      rating: 5,
      created_at: '2026-08-20T02:00:00Z',
      replied_at: '2026-08-20T03:00:00Z',
    },
    {
      id: 'X-img',
      agent_id: 'A02',
      channel: 'chat',
      text: IMG_TEXT,
      rating: 1,
      created_at: '2026-08-21T02:00:00Z',
      replied_at: null,
    },
  );
  return rows;
}

export async function loadDesk(t: TestApp): Promise<void> {
  await registerShippedSentiment(t.app.services.db, 'models');
  const employees = AGENTS.map((a) => ({ id: a.id, role: 'cs_agent', team: a.team, hire_date: '2024-01-01' }));
  const e = await t.app.inject({ method: 'POST', url: '/v1/employees', headers: t.auth('hr'), payload: employees });
  if (e.statusCode !== 200) throw new Error(`employees: ${e.statusCode} ${e.body}`);
  const r = await t.app.inject({
    method: 'POST',
    url: '/v1/reviews',
    headers: t.auth('cs_lead'),
    payload: reviewRows(),
  });
  if (r.statusCode !== 200) throw new Error(`reviews: ${r.statusCode} ${r.body}`);
}
