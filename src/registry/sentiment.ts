/**
 * Sentiment models in the registry: one version per language (kind 'sentiment', scope 'zh' | 'en').
 * The artifact is the model directory in one blob (metadata JSON + float32 weights), so any worker
 * can load a version trained elsewhere; the models shipped in `models/` are registered without an
 * artifact and loaded from there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable } from '../db/types.js';
import { createEngine, type EngineOptions, type SentimentEngine } from '../reviews/sentiment/index.js';
import { LinearPredictor, loadPredictor, type ModelMetadata } from '../reviews/sentiment/predictor.js';
import { activeAspectModels } from './aspects.js';
import { getActive, getArtifact, getVersion, promote, registerVersion, type ModelVersion } from './index.js';

export const SENTIMENT_KIND = 'sentiment';
export const SENTIMENT_LANGUAGES = ['zh', 'en'] as const;
export type SentimentLanguage = (typeof SENTIMENT_LANGUAGES)[number];

/** metadata length (uint32 LE) · metadata JSON · weights (float32 LE) */
export function packSentiment(meta: ModelMetadata, weights: Float32Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = new Uint8Array(4 + json.length + weights.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), 4 + json.length);
  return out;
}

export function unpackSentiment(blob: Uint8Array): LinearPredictor {
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
  const meta = JSON.parse(Buffer.from(blob.subarray(4, 4 + len)).toString('utf8')) as ModelMetadata;
  const raw = blob.subarray(4 + len);
  const weights = new Float32Array(raw.byteLength / 4);
  new Uint8Array(weights.buffer).set(raw);
  return new LinearPredictor(meta, weights);
}

/** The predictor of a registered version: its artifact, else the shipped directory holding that version. */
export async function loadSentimentVersion(
  db: Queryable,
  version: ModelVersion,
  modelsDir: string,
): Promise<LinearPredictor> {
  const blob = await getArtifact(db, version.id);
  if (blob) return unpackSentiment(blob);
  const dir = join(modelsDir, `sentiment-${version.scope}`);
  const p = loadPredictor(dir);
  if (p.version !== version.id) throw new Error(`${version.id} has no artifact and ${dir} holds ${p.version}`);
  return p;
}

/**
 * Registers the shipped models (models/sentiment-<lang>) and makes each active where its language
 * has no active version yet, or where the active one is an earlier shipped model. Idempotent; safe
 * from several processes at once. Returns the versions that replaced an active one (a switch: the
 * stored reviews need a rescore, src/services/models.ts).
 */
export async function registerShippedSentiment(db: Db, modelsDir: string): Promise<ModelVersion[]> {
  const switched: ModelVersion[] = [];
  for (const lang of SENTIMENT_LANGUAGES) {
    const dir = join(modelsDir, `sentiment-${lang}`);
    if (!existsSync(join(dir, 'metadata.json'))) continue;
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as ModelMetadata;
    const { training, metrics, ...rest } = meta as ModelMetadata & {
      training?: { data?: string };
      metrics?: Record<string, unknown>;
    };
    await registerVersion(db, {
      id: meta.version,
      kind: SENTIMENT_KIND,
      scope: lang,
      metadata: { ...rest, training, shipped: dir },
      metrics: metrics ?? {},
      dataRange: training?.data ? { source: training.data } : null,
      actor: 'system',
    });
    const active = await getActive(db, SENTIMENT_KIND, lang);
    if (!active) {
      await promote(db, meta.version, 'system', 'shipped model, first start').catch(() => {});
    } else if (active.id !== meta.version && active.metadata.shipped && !(await getArtifact(db, active.id))) {
      // a release shipped a new model: it replaces the previously shipped one (whose files are gone);
      // versions trained and promoted in the service are left alone
      const v = await promote(db, meta.version, 'system', 'new shipped model').catch(() => null);
      if (v) switched.push(v);
    }
  }
  return switched;
}

/**
 * An engine from the active sentiment and aspect versions of each language, with `override` (a
 * sentiment or an aspects version) replacing its kind's version of its language (shadow runs).
 */
export async function buildSentimentEngine(
  db: Queryable,
  modelsDir: string,
  override?: ModelVersion,
  engineOptions: EngineOptions = {},
): Promise<SentimentEngine> {
  const models: Partial<Record<SentimentLanguage, LinearPredictor>> = {};
  for (const lang of SENTIMENT_LANGUAGES) {
    const v =
      override?.kind === SENTIMENT_KIND && override.scope === lang
        ? override
        : await getActive(db, SENTIMENT_KIND, lang);
    if (v) {
      try {
        models[lang] = await loadSentimentVersion(db, v, modelsDir);
        continue;
      } catch (err) {
        if (v === override) throw err;
        // an active version this process cannot load (shipped files replaced): serve the shipped model
      }
    }
    if (existsSync(join(modelsDir, `sentiment-${lang}`, 'metadata.json')))
      models[lang] = loadPredictor(join(modelsDir, `sentiment-${lang}`));
  }
  // the learned aspect models: the active versions (src/registry/aspects.ts), the shipped ones where none
  // is active, the keyword rules where neither exists
  return createEngine(models, { aspectModels: await activeAspectModels(db, modelsDir, override), ...engineOptions });
}

export { getVersion };
