/**
 * Aspect models in the registry: one version per language (kind 'aspects', scope 'zh' | 'en'). The
 * artifact is the model directory in one blob (metadata JSON + float32 weights, as sentiment's), so
 * any process loads a version trained elsewhere; the models shipped in `models/aspects-<lang>` are
 * registered without an artifact and loaded from there. The engine reads the active version of each
 * language (src/registry/sentiment.ts `buildSentimentEngine`); where none is active, or the active one
 * cannot be loaded, the shipped directory; where that is absent too, the keyword rules.
 */
import type { Db, Queryable } from '../db/types.js';
import {
  ASPECT_MODEL_FORMAT,
  AspectPredictor,
  loadAspectModel,
  type AspectModelMetadata,
} from '../reviews/sentiment/aspect-model.js';
import type { ModelVersion } from './index.js';
import {
  activeModels,
  type LanguageModels,
  loadModelVersion,
  packModel,
  registerShipped,
  unpackModel,
} from './language-models.js';

export const ASPECTS_KIND = 'aspects';
export const ASPECT_LANGUAGES = ['zh', 'en'] as const;
export type AspectLanguage = (typeof ASPECT_LANGUAGES)[number];

/** The aspect models as a kind of per-language model (src/registry/language-models.ts). */
const ASPECT_MODELS: LanguageModels<AspectPredictor, AspectModelMetadata> = {
  kind: ASPECTS_KIND,
  languages: ASPECT_LANGUAGES,
  prefix: 'aspects-',
  predictor(meta, weights) {
    if (meta.format !== ASPECT_MODEL_FORMAT) throw new Error(`unknown aspect model format ${String(meta.format)}`);
    return new AspectPredictor(meta, weights);
  },
  loadDir: loadAspectModel,
  registration(meta, dir) {
    const { training, metrics, calibration, polarity, thresholds, ...rest } = meta;
    return {
      metadata: { ...rest, training, shipped: dir },
      metrics: (metrics as Record<string, unknown> | undefined) ?? {},
      dataRange: { source: 'data/aspects (dev part, train labels) and keyword-labelled train.csv clauses' },
    };
  },
};

/** metadata length (uint32 LE) · metadata JSON · weights (float32 LE) */
export const packAspects: (meta: AspectModelMetadata, weights: Float32Array) => Uint8Array = packModel;

/** @throws Error when the blob is not an aspect model */
export const unpackAspects = (blob: Uint8Array): AspectPredictor => unpackModel(ASPECT_MODELS, blob);

/** The predictor of a registered version: its artifact, else the shipped directory holding that version. */
export const loadAspectsVersion = (db: Queryable, version: ModelVersion, modelsDir: string): Promise<AspectPredictor> =>
  loadModelVersion(db, ASPECT_MODELS, version, modelsDir);

/**
 * The aspect models an engine uses: per language the active version (or `override` for its language:
 * a shadow run), else the shipped directory; a language with neither is absent (keyword rules).
 * @throws Error when `override` cannot be loaded
 */
export const activeAspectModels = (
  db: Queryable,
  modelsDir: string,
  override?: ModelVersion,
): Promise<Partial<Record<AspectLanguage, AspectPredictor>>> => activeModels(db, ASPECT_MODELS, modelsDir, override);

/**
 * Registers the shipped aspect models (models/aspects-<lang>) and makes each active where its language
 * has no active version yet, or where the active one is an earlier shipped model (a release shipped a
 * new one). Versions trained and promoted in the service are left alone. Idempotent. Returns the
 * versions that replaced an active one (a switch: the stored reviews need a rescore).
 */
export const registerShippedAspects = (db: Db, modelsDir: string): Promise<ModelVersion[]> =>
  registerShipped(db, ASPECT_MODELS, modelsDir);
