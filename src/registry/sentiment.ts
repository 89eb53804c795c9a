/**
 * Sentiment models in the registry: one version per language (kind 'sentiment', scope 'zh' | 'en').
 * The artifact is the model directory in one blob (metadata JSON + float32 weights), so any worker
 * can load a version trained elsewhere; the models shipped in `models/` are registered without an
 * artifact and loaded from there.
 */
import type { Db, Queryable } from '../db/types.js';
import { createEngine, type EngineOptions, type SentimentEngine } from '../reviews/sentiment/index.js';
import { LinearPredictor, loadPredictor, type ModelMetadata } from '../reviews/sentiment/predictor.js';
import { activeAspectModels } from './aspects.js';
import { getVersion, type ModelVersion } from './index.js';
import {
  activeModels,
  type LanguageModels,
  loadModelVersion,
  packModel,
  registerShipped,
  unpackModel,
} from './language-models.js';

export const SENTIMENT_KIND = 'sentiment';
export const SENTIMENT_LANGUAGES = ['zh', 'en'] as const;
export type SentimentLanguage = (typeof SENTIMENT_LANGUAGES)[number];

/** The sentiment models as a kind of per-language model (src/registry/language-models.ts). */
const SENTIMENT_MODELS: LanguageModels<LinearPredictor, ModelMetadata> = {
  kind: SENTIMENT_KIND,
  languages: SENTIMENT_LANGUAGES,
  prefix: 'sentiment-',
  predictor: (meta, weights) => new LinearPredictor(meta, weights),
  loadDir: loadPredictor,
  registration(meta, dir) {
    const { training, metrics, ...rest } = meta as ModelMetadata & {
      training?: { data?: string };
      metrics?: Record<string, unknown>;
    };
    return {
      metadata: { ...rest, training, shipped: dir },
      metrics: metrics ?? {},
      dataRange: training?.data ? { source: training.data } : null,
    };
  },
};

/** metadata length (uint32 LE) · metadata JSON · weights (float32 LE) */
export const packSentiment: (meta: ModelMetadata, weights: Float32Array) => Uint8Array = packModel;

export const unpackSentiment = (blob: Uint8Array): LinearPredictor => unpackModel(SENTIMENT_MODELS, blob);

/** The predictor of a registered version: its artifact, else the shipped directory holding that version. */
export const loadSentimentVersion = (
  db: Queryable,
  version: ModelVersion,
  modelsDir: string,
): Promise<LinearPredictor> => loadModelVersion(db, SENTIMENT_MODELS, version, modelsDir);

/**
 * Registers the shipped models (models/sentiment-<lang>) and makes each active where its language
 * has no active version yet, or where the active one is an earlier shipped model. Idempotent; safe
 * from several processes at once. Returns the versions that replaced an active one (a switch: the
 * stored reviews need a rescore, src/services/models.ts).
 */
export const registerShippedSentiment = (db: Db, modelsDir: string): Promise<ModelVersion[]> =>
  registerShipped(db, SENTIMENT_MODELS, modelsDir);

/** The predictors an engine scores with: sentiment per language and the learned aspect models. */
export interface EngineModels {
  models: Partial<Record<SentimentLanguage, LinearPredictor>>;
  aspectModels: Awaited<ReturnType<typeof activeAspectModels>>;
}

/**
 * The active sentiment and aspect versions of each language, loaded, with `override` (a sentiment or
 * an aspects version) replacing its kind's version of its language (shadow runs).
 */
export async function loadEngineModels(
  db: Queryable,
  modelsDir: string,
  override?: ModelVersion,
): Promise<EngineModels> {
  const models = await activeModels(db, SENTIMENT_MODELS, modelsDir, override);
  // the learned aspect models: the active versions (src/registry/aspects.ts), the shipped ones where none
  // is active, the keyword rules where neither exists
  return { models, aspectModels: await activeAspectModels(db, modelsDir, override) };
}

/** An engine from the active sentiment and aspect versions of each language (`loadEngineModels`). */
export async function buildSentimentEngine(
  db: Queryable,
  modelsDir: string,
  override?: ModelVersion,
  engineOptions: EngineOptions = {},
): Promise<SentimentEngine> {
  const { models, aspectModels } = await loadEngineModels(db, modelsDir, override);
  return createEngine(models, { aspectModels, ...engineOptions });
}

export { getVersion };
