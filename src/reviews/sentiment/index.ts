/**
 * The review-sentiment engine: language detection → the trained model of that language (plain-JS
 * predictor over the committed weights) or the lexicon fallback → calibrated P(positive), a
 * three-way label with a neutral band, clause-level aspects and, on request, signed n-gram
 * contributions.
 *
 * `engine.score` is synchronous: it is CPU-bound and fast (tens of thousands of reviews per second),
 * so a batch of 1,000 holds the event loop for tens of milliseconds at most.
 *
 * Bad input never throws: empty, whitespace-only, emoji-only or unknown-script text scores as a
 * low-confidence neutral (probability 0.5, no aspects); HTML tags are blanked (offsets kept);
 * text beyond `maxTextChars` is not read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findAspects, labelOf, type AspectHit, type NeutralBand } from './aspects.js';
import { DEFAULT_NEUTRAL_BAND } from './defaults.js';
import { detectLanguage, type Language } from './language.js';
import { lexiconProbability } from './lexicon.js';
import { loadPredictor, type LinearPredictor, type TokenContribution } from './predictor.js';

export type { Aspect, AspectHit, NeutralBand, Span } from './aspects.js';
export type { Language } from './language.js';
export { DEFAULT_NEUTRAL_BAND } from './defaults.js';
export type { TokenContribution } from './predictor.js';

export interface ScoredReview {
  label: 'positive' | 'neutral' | 'negative';
  /** calibrated P(positive) */
  probability: number;
  language: Language;
  aspects: AspectHit[];
  explanation?: TokenContribution[];
  modelVersion: string;
}

export interface ScoreOptions {
  explain?: boolean;
  /** clause-level aspects (default true); false gives label + probability only, about twice as fast */
  aspects?: boolean;
  /** how many n-grams an explanation lists (default 10) */
  explainTopK?: number;
}

export interface SentimentEngine {
  /** model version per language (`sentiment-zh@…`, `sentiment-en@…`, `sentiment-lexicon@…` for fallbacks) */
  readonly versions: Record<Language, string>;
  /** P(positive) inside [low, high] is labelled neutral */
  readonly neutralBands: Record<Language, NeutralBand>;
  /** Scores a batch synchronously; output[i] belongs to texts[i]. */
  score(texts: readonly string[], opts?: ScoreOptions): ScoredReview[];
}

export const LEXICON_VERSION = 'sentiment-lexicon@1';
/** characters of one review that are read at all (100 KB inputs are cut here) */
export const MAX_TEXT_CHARS = 20_000;

/** Replaces HTML tags and entities by spaces of the same length so offsets still point into the original. */
function blankHtml(text: string): string {
  if (text.indexOf('<') < 0 && text.indexOf('&') < 0) return text;
  return text.replace(/<[^<>]{0,500}>|&[a-z#0-9]{1,10};/gi, (m) => ' '.repeat(m.length));
}

interface Scorer {
  version: string;
  band: NeutralBand;
  probability(text: string): number;
  explain(text: string, k: number): TokenContribution[];
}

function modelScorer(p: LinearPredictor): Scorer {
  return {
    version: p.version,
    band: p.meta.neutralBand ?? DEFAULT_NEUTRAL_BAND,
    probability: (t) => p.probability(t),
    explain: (t, k) => p.explain(t, k),
  };
}

function lexiconScorer(language: Language): Scorer {
  return {
    version: LEXICON_VERSION,
    band: DEFAULT_NEUTRAL_BAND,
    probability: (t) => lexiconProbability(t, language),
    explain: () => [],
  };
}

/** Builds an engine from already-loaded predictors (missing languages fall back to the lexicon). */
export function createEngine(models: Partial<Record<'zh' | 'en', LinearPredictor>>): SentimentEngine {
  const scorers: Record<Language, Scorer> = {
    zh: models.zh ? modelScorer(models.zh) : lexiconScorer('zh'),
    en: models.en ? modelScorer(models.en) : lexiconScorer('en'),
    other: lexiconScorer('other'),
  };
  const scoreOne = (raw: string, opts: ScoreOptions): ScoredReview => {
    const original = typeof raw === 'string' ? raw : '';
    const text = blankHtml(original.length > MAX_TEXT_CHARS ? original.slice(0, MAX_TEXT_CHARS) : original);
    const language = detectLanguage(text);
    const scorer = scorers[language];
    const probability = scorer.probability(text);
    // each clause is scored by the model of its own language (mixed zh/en reviews), else the review's
    const clauseScore = (clause: string): number => {
      const own = detectLanguage(clause);
      return (own === 'other' ? scorer : scorers[own]).probability(clause);
    };
    const aspects = language === 'other' || opts.aspects === false ? [] : findAspects(text, clauseScore, scorer.band);
    for (const a of aspects) a.span = { ...a.span, text: original.slice(a.span.start, a.span.end) };
    const out: ScoredReview = { label: labelOf(probability, scorer.band), probability, language, aspects, modelVersion: scorer.version };
    if (opts.explain) out.explanation = scorer.explain(text, opts.explainTopK ?? 10);
    return out;
  };
  return {
    versions: { zh: scorers.zh.version, en: scorers.en.version, other: scorers.other.version },
    neutralBands: { zh: scorers.zh.band, en: scorers.en.band, other: scorers.other.band },
    score: (texts, opts = {}) => texts.map((t) => scoreOne(t, opts)),
  };
}

/**
 * Loads `<dir>/sentiment-zh` and `<dir>/sentiment-en` (metadata.json + weights); a language whose
 * directory is absent is scored by the lexicon fallback.
 * @throws Error when a model directory exists but is unreadable or inconsistent
 */
export async function loadSentimentModels(dir = 'models'): Promise<SentimentEngine> {
  const models: Partial<Record<'zh' | 'en', LinearPredictor>> = {};
  for (const lang of ['zh', 'en'] as const) {
    const path = join(dir, `sentiment-${lang}`);
    if (existsSync(join(path, 'metadata.json'))) models[lang] = loadPredictor(path);
  }
  return createEngine(models);
}
