/**
 * Shadow comparison of an aspects candidate (kind `aspects`) with the active version: the stored reviews
 * of its language scored by an engine with each aspect model (the same active sentiment models), and
 * per agent the rating's evidence under each — the mean success weight of the reviews that count toward
 * the agent by the attribution rule (src/ratings/attribution.ts: the agent aspects' mean P(positive), or
 * the overall P(positive) of a service-channel review with no aspect that names nothing outside the
 * agent's control), shrunk towards one half with a weak Beta(1,1) prior. A review a quality lead
 * corrected keeps its corrected aspects under either model, so it is left out of the agents' figures.
 * The evaluation: both versions' per-aspect F1 on the aspect evaluation set's **test** part (reported
 * only: both models were trained on the dev part, so dev figures would be in-sample).
 */
import { existsSync } from 'node:fs';
import type { Db } from '../db/types.js';
import { OUTSIDE_CONTROL, SERVICE_CHANNELS } from '../ratings/attribution.js';
import {
  AGENT_ASPECTS,
  ASPECTS,
  DEFAULT_DATA_DIR,
  type Lang,
  loadAspectEvalSet,
} from '../reviews/sentiment/aspect-data.js';
import type { ScoredReview, SentimentEngine } from '../reviews/sentiment/index.js';
import type { ModelVersion } from './index.js';
import { buildSentimentEngine } from './sentiment.js';
import { agentShareReport, type Comparer, movedShares, type ShadowOptions, type ShadowReport } from './shadow-types.js';

const OUTSIDE_CONTROL_RE = new RegExp(OUTSIDE_CONTROL, 'i');
const AGENT = new Set<string>(AGENT_ASPECTS);

/** A review's success weight toward its agent under the attribution rule, or null when it does not count. */
export function attributedWeight(s: ScoredReview, channel: string | null, text: string): number | null {
  const agent = s.aspects.filter((h) => AGENT.has(h.aspect));
  if (agent.length > 0) return agent.reduce((sum, h) => sum + h.probability, 0) / agent.length;
  if (
    s.aspects.length === 0 &&
    SERVICE_CHANNELS.includes((channel ?? '').toLowerCase()) &&
    s.language !== 'other' &&
    !OUTSIDE_CONTROL_RE.test(text)
  )
    return s.probability;
  return null;
}

const aspectKey = (s: ScoredReview) =>
  s.aspects
    .map((h) => `${h.aspect}:${h.sentiment}`)
    .sort()
    .join(',');

/** Per-aspect F1 of "the review mentions this aspect" and the agent aspects' micro F1 of one engine. */
async function aspectF1(
  engine: SentimentEngine,
  items: ReturnType<typeof loadAspectEvalSet>,
): Promise<Record<string, number>> {
  const scored = await engine.scoreAsync(items.map((it) => it.text));
  const counts = Object.fromEntries(ASPECTS.map((a) => [a, { tp: 0, fp: 0, fn: 0 }]));
  scored.forEach((s, i) => {
    const found = new Set<string>(s.aspects.map((h) => h.aspect));
    for (const a of ASPECTS) {
      const gold = items[i]!.aspects[a] !== undefined;
      const c = counts[a]!;
      if (found.has(a)) gold ? c.tp++ : c.fp++;
      else if (gold) c.fn++;
    }
  });
  const f1 = (c: { tp: number; fp: number; fn: number }) =>
    Math.round((2 * c.tp * 10_000) / Math.max(1, 2 * c.tp + c.fp + c.fn)) / 10_000;
  const agent = { tp: 0, fp: 0, fn: 0 };
  for (const a of AGENT_ASPECTS) for (const k of ['tp', 'fp', 'fn'] as const) agent[k] += counts[a]![k];
  return { agent_f1: f1(agent), ...Object.fromEntries(ASPECTS.map((a) => [`${a}_f1`, f1(counts[a]!)])) };
}

async function compare(
  db: Db,
  candidate: ModelVersion,
  active: ModelVersion | null,
  opts: ShadowOptions,
  before: SentimentEngine,
  after: SentimentEngine,
): Promise<ShadowReport> {
  const perAgent = new Map<string, { a: number; an: number; b: number; bn: number; n: number }>();
  let compared = 0;
  let changed = 0;
  let last = '';
  while (compared < opts.limit) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    const r = await db.query<{
      id: string;
      agent_id: string | null;
      text: string;
      channel: string | null;
      corrected: boolean;
    }>(
      `select id, agent_id, text, channel, (correction_id is not null or attribution_override is not null) as corrected
       from reviews where id > $1 and (language is null or language = $2) order by id limit $3`,
      [last, candidate.scope, Math.min(5000, opts.limit - compared)],
    );
    if (r.rows.length === 0) break;
    const texts = r.rows.map((x) => x.text);
    const [a, b] = await Promise.all([before.scoreAsync(texts), after.scoreAsync(texts)]);
    r.rows.forEach((row, i) => {
      if (a[i]!.language !== candidate.scope) return;
      compared++;
      if (aspectKey(a[i]!) !== aspectKey(b[i]!)) changed++;
      if (!row.agent_id || row.corrected) return;
      const s = perAgent.get(row.agent_id) ?? { a: 0, an: 0, b: 0, bn: 0, n: 0 };
      s.n++;
      const wa = attributedWeight(a[i]!, row.channel, row.text);
      const wb = attributedWeight(b[i]!, row.channel, row.text);
      if (wa !== null) {
        s.a += wa;
        s.an++;
      }
      if (wb !== null) {
        s.b += wb;
        s.bn++;
      }
      perAgent.set(row.agent_id, s);
    });
    last = r.rows[r.rows.length - 1]!.id;
    await opts.progress?.(Math.min(80, (80 * compared) / opts.limit), `compared ${compared} reviews`);
  }
  const moved = movedShares(
    [...perAgent.entries()].map(([id, s]) => ({ id, ...s, n: s.bn })),
    opts.threshold,
  );
  let evaluation: ShadowReport['evaluation'] = null;
  const dataDir = opts.evalFile ?? DEFAULT_DATA_DIR;
  if (existsSync(dataDir)) {
    await opts.progress?.(85, 'evaluating on the aspect evaluation set (test part)');
    const items = loadAspectEvalSet(candidate.scope as Lang, { dataDir, part: 'test' });
    evaluation = {
      source: `data/aspects/${candidate.scope}.jsonl, test part (texts from ${dataDir})`,
      n: items.length,
      active: active ? await aspectF1(before, items) : null,
      candidate: await aspectF1(after, items),
    };
  }
  return agentShareReport(candidate, active, { compared, changed, threshold: opts.threshold, moved, evaluation });
}

/**
 * Aspects: stored reviews of the candidate's language scored with each aspect model; per agent the
 * rating's evidence; per-aspect F1 of both. `evalFile`, when given, is the shared review data's folder.
 */
export const aspectsComparer: Comparer = async (db, candidate, active, opts) => {
  const threads = opts.threads === false ? 0 : 1;
  const before = await buildSentimentEngine(db, opts.modelsDir, undefined, { threads });
  const after = await buildSentimentEngine(db, opts.modelsDir, candidate, { threads }).catch(async (err) => {
    await before.close();
    throw err;
  });
  try {
    return await compare(db, candidate, active, opts, before, after);
  } finally {
    await Promise.all([before.close(), after.close()]);
  }
};
