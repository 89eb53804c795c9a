/**
 * Aspect detection and "is this complaint the agent's" on the labelled evaluation set
 * (data/aspects, issue 18). Every detector reads the same texts; figures are per review:
 *
 * - per aspect: precision, recall and F1 of "the review mentions this aspect" (any polarity);
 * - agent aspects: micro-averaged P/R/F1 over service_attitude, response_speed and returns_handling
 *   (the goal's "agent-controllable aspects F1");
 * - the agent's complaint: a score per review (max over its agent-aspect hits of P(negative); for a
 *   model with a complaint head, its stacked P(complaint), src/reviews/sentiment/complaint-head.ts);
 *   in `service` mode a review with no aspect at all is charged through its overall sentiment, as
 *   the rating does for service channels; in `text` mode it is not. The threshold is the one that
 *   gives the best precision at recall ≥ 0.75 on **dev**; the test figures use it unchanged.
 *   `op` is the operating point the rating uses (P(positive) below the neutral band's low end).
 *
 * Figures on `test` with and without the project's own texts, and on `dev` (tuning only).
 *
 * Detectors: `keywords-v1` (the lists before issue 18), `keywords` (the keyword rules v2, the
 * baseline), `model` (the learned aspect models of `--aspect-models`, default `--models`) — all with
 * the shipped sentiment models; `shipped` is whatever `loadSentimentModels(--models)` gives.
 *
 *   npm run eval:aspects [-- --lang zh|en] [--detectors keywords-v1,keywords,model] [--aspect-models DIR] [--json]
 */
import { parseArgs } from 'node:util';
import {
  AGENT_ASPECTS,
  ASPECTS,
  loadAspectEvalSet,
  type AspectEvalItem,
  type Lang,
  prf as exactPrf,
  type Prf,
} from './aspects-eval-set.js';
import { clauseAspectsV1, splitClausesV1 } from './aspects-keywords-v1.js';
import { detectLanguage } from '../src/reviews/sentiment/language.js';
import {
  createEngine,
  loadAspectModels,
  loadSentimentModels,
  type SentimentEngine,
} from '../src/reviews/sentiment/index.js';
import { loadPredictor } from '../src/reviews/sentiment/predictor.js';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string' },
    detectors: { type: 'string', default: 'keywords-v1,keywords,model' },
    'aspect-models': { type: 'string' },
    models: { type: 'string', default: 'models' },
    json: { type: 'boolean', default: false },
  },
});

/** What a detector says of one review. */
export interface Detected {
  hits: Array<{ aspect: string; probability: number; confidence?: number }>;
  /** P(positive) of the whole review */
  overall: number;
  /** the stacked P(the agent's complaint) of a model with a complaint head (ScoredReview.complaint) */
  complaint?: number;
}

type Detector = (texts: string[]) => Detected[];

function keywordsV1(engine: SentimentEngine): Detector {
  return (texts) =>
    texts.map((text) => {
      const [whole] = engine.score([text], { aspects: false });
      const hits: Detected['hits'] = [];
      for (const span of splitClausesV1(text).slice(0, 200)) {
        const aspects = clauseAspectsV1(span.text);
        if (aspects.length === 0) continue;
        const own = detectLanguage(span.text);
        const p =
          span.text === text.trim() || own === 'other'
            ? whole!.probability
            : engine.score([span.text], { aspects: false })[0]!.probability;
        for (const aspect of aspects) hits.push({ aspect, probability: p });
      }
      return { hits, overall: whole!.probability };
    });
}

function fromEngine(engine: SentimentEngine): Detector {
  return (texts) =>
    engine.score(texts).map((r) => ({
      hits: r.aspects.map((h) => ({ aspect: h.aspect, probability: h.probability, confidence: h.confidence })),
      overall: r.probability,
      ...(r.complaint !== undefined ? { complaint: r.complaint } : {}),
    }));
}

const round = (x: number) => Math.round(x * 1000) / 1000;
/** `prf` with its rates rounded to 3 decimals, as the figures are printed. */
function prf(tp: number, fp: number, fn: number): Prf {
  const r = exactPrf(tp, fp, fn);
  return { ...r, precision: round(r.precision), recall: round(r.recall), f1: round(r.f1) };
}

const AGENT = new Set<string>(AGENT_ASPECTS);
/** The neutral band's low end: a clause below it is negative (DEFAULT_NEUTRAL_BAND). */
const NEGATIVE_BELOW = 0.35;

export function complaintScore(d: Detected, mode: 'text' | 'service'): number {
  // a model with a complaint head decides on the review as a whole (it reads the text: both modes)
  if (d.complaint !== undefined) return d.complaint;
  let s = 0;
  let any = false;
  for (const h of d.hits) {
    any = true;
    if (AGENT.has(h.aspect)) s = Math.max(s, 1 - h.probability);
  }
  if (!any && mode === 'service') s = 1 - d.overall;
  return s;
}

function atThreshold(scores: number[], gold: boolean[], t: number): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    if (s >= t && s > 0) gold[i] ? tp++ : fp++;
    else if (gold[i]) fn++;
  });
  return prf(tp, fp, fn);
}

/** The threshold with the best precision among those reaching recall ≥ `minRecall` (ties: the higher recall). */
function chooseThreshold(scores: number[], gold: boolean[], minRecall = 0.75): number {
  const candidates = [...new Set(scores.filter((s) => s > 0))].sort((a, b) => a - b);
  let best = { t: 1 - NEGATIVE_BELOW, p: -1, r: -1 };
  for (const t of candidates) {
    const m = atThreshold(scores, gold, t);
    if (m.recall < minRecall) continue;
    if (m.precision > best.p || (m.precision === best.p && m.recall > best.r))
      best = { t, p: m.precision, r: m.recall };
  }
  return best.t;
}

interface Figures {
  n: number;
  aspects: Record<string, Prf>;
  agent: Prf;
  other: Prf;
  complaint: Record<'text' | 'service', { at_dev_threshold: Prf; threshold: number; op: Prf }>;
}

function figures(
  items: AspectEvalItem[],
  detected: Detected[],
  thresholds: Record<'text' | 'service', number>,
): Figures {
  const aspects: Record<string, Prf> = {};
  const sum = { agent: [0, 0, 0], other: [0, 0, 0] };
  for (const a of ASPECTS) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    items.forEach((it, i) => {
      const gold = it.aspects[a] !== undefined;
      const pred = detected[i]!.hits.some((h) => h.aspect === a);
      if (gold && pred) tp++;
      else if (pred) fp++;
      else if (gold) fn++;
    });
    aspects[a] = prf(tp, fp, fn);
    const s = AGENT.has(a) ? sum.agent : sum.other;
    s[0]! += tp;
    s[1]! += fp;
    s[2]! += fn;
  }
  const gold = items.map((it) => it.agentComplaint);
  const complaint = {} as Figures['complaint'];
  for (const mode of ['text', 'service'] as const) {
    const scores = detected.map((d) => complaintScore(d, mode));
    complaint[mode] = {
      threshold: round(thresholds[mode]),
      at_dev_threshold: atThreshold(scores, gold, thresholds[mode]),
      op: atThreshold(scores, gold, 1 - NEGATIVE_BELOW),
    };
  }
  return {
    n: items.length,
    aspects,
    agent: prf(sum.agent[0]!, sum.agent[1]!, sum.agent[2]!),
    other: prf(sum.other[0]!, sum.other[1]!, sum.other[2]!),
    complaint,
  };
}

export async function evaluateLanguage(lang: Lang, detectorNames: string[], modelsDir: string, aspectDir: string) {
  const engine = await loadSentimentModels(modelsDir);
  const sentiment = { [lang]: loadPredictor(`${modelsDir}/sentiment-${lang}`) };
  const keywords = createEngine(sentiment, { aspectModels: {} });
  const aspectModels = loadAspectModels(aspectDir);
  if (detectorNames.includes('model') && !aspectModels[lang]) throw new Error(`no ${aspectDir}/aspects-${lang}`);
  const model = createEngine(sentiment, { aspectModels });
  const dev = loadAspectEvalSet(lang, { part: 'dev' });
  const test = loadAspectEvalSet(lang, { part: 'test' });
  const detectors: Record<string, Detector> = {
    'keywords-v1': keywordsV1(keywords),
    keywords: fromEngine(keywords),
    model: fromEngine(model),
    shipped: fromEngine(engine),
  };
  const out: Record<string, { dev: Figures; test: Figures; test_without_own: Figures; test_own_only: Figures }> = {};
  for (const name of detectorNames) {
    const detect = detectors[name];
    if (!detect) throw new Error(`unknown detector ${name} (have: ${Object.keys(detectors).join(', ')})`);
    const dDev = detect(dev.map((it) => it.text));
    const dTest = detect(test.map((it) => it.text));
    const devGold = dev.map((it) => it.agentComplaint);
    // the learned model was trained on dev: its threshold is the one it chose out of fold
    const own = name === 'model' ? aspectModels[lang]?.meta.complaintThreshold : undefined;
    const thresholds =
      own !== undefined
        ? { text: own, service: own }
        : {
            text: chooseThreshold(
              dDev.map((d) => complaintScore(d, 'text')),
              devGold,
            ),
            service: chooseThreshold(
              dDev.map((d) => complaintScore(d, 'service')),
              devGold,
            ),
          };
    const pick = (own: boolean) => {
      const idx = test.map((it, i) => (it.own === own ? i : -1)).filter((i) => i >= 0);
      return figures(
        idx.map((i) => test[i]!),
        idx.map((i) => dTest[i]!),
        thresholds,
      );
    };
    out[name] = {
      dev: figures(dev, dDev, thresholds),
      test: figures(test, dTest, thresholds),
      test_without_own: pick(false),
      test_own_only: pick(true),
    };
  }
  await engine.close();
  return { lang, versions: engine.versions, aspects: model.aspectVersions[lang], detectors: out };
}

function table(lang: string, res: Awaited<ReturnType<typeof evaluateLanguage>>): string {
  const lines: string[] = [];
  const names = Object.keys(res.detectors);
  const f = (p: Prf) => `${p.precision.toFixed(3)} / ${p.recall.toFixed(3)} / **${p.f1.toFixed(3)}**`;
  lines.push(`### ${lang} (P / R / F1 per review; test unless said)`, '');
  lines.push(`| aspect | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`);
  for (const a of ASPECTS)
    lines.push(`| ${a} | ${names.map((n) => f(res.detectors[n]!.test.aspects[a]!)).join(' | ')} |`);
  const row = (label: string, get: (n: string) => Prf) =>
    lines.push(`| ${label} | ${names.map((n) => f(get(n))).join(' | ')} |`);
  row('**agent aspects (micro)**', (n) => res.detectors[n]!.test.agent);
  row('agent aspects, test without own texts', (n) => res.detectors[n]!.test_without_own.agent);
  row('agent aspects, test own texts only', (n) => res.detectors[n]!.test_own_only.agent);
  row('agent aspects, dev', (n) => res.detectors[n]!.dev.agent);
  row('other aspects (micro)', (n) => res.detectors[n]!.test.other);
  for (const mode of ['service', 'text'] as const) {
    row(`agent's complaint (${mode}), dev threshold`, (n) => res.detectors[n]!.test.complaint[mode].at_dev_threshold);
    row(
      `agent's complaint (${mode}), dev threshold, without own`,
      (n) => res.detectors[n]!.test_without_own.complaint[mode].at_dev_threshold,
    );
    row(`agent's complaint (${mode}), operating point`, (n) => res.detectors[n]!.test.complaint[mode].op);
  }
  lines.push(
    '',
    `thresholds (service / text): ${names.map((n) => `${n} ${res.detectors[n]!.test.complaint.service.threshold} / ${res.detectors[n]!.test.complaint.text.threshold}`).join('; ')}`,
    `items: test ${res.detectors[names[0]!]!.test.n} (without own ${res.detectors[names[0]!]!.test_without_own.n}), dev ${res.detectors[names[0]!]!.dev.n}; models ${JSON.stringify(res.versions)}, aspect model ${res.aspects}`,
    '',
  );
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const langs: Lang[] = args.lang ? [args.lang as Lang] : ['zh', 'en'];
  const detectorNames = args.detectors.split(',').map((s) => s.trim());
  const results = [];
  for (const lang of langs)
    results.push(await evaluateLanguage(lang, detectorNames, args.models, args['aspect-models'] ?? args.models));
  if (args.json) console.log(JSON.stringify(results));
  else for (const r of results) console.log(table(r.lang, r));
}
