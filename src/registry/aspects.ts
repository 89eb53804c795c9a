/**
 * Aspect models in the registry: one version per language (kind 'aspects', scope 'zh' | 'en'). The
 * artifact is the model directory in one blob (metadata JSON + float32 weights, as sentiment's), so
 * any process loads a version trained elsewhere; the models shipped in `models/aspects-<lang>` are
 * registered without an artifact and loaded from there. The engine reads the active version of each
 * language (src/registry/sentiment.ts `buildSentimentEngine`); where none is active, or the active one
 * cannot be loaded, the shipped directory; where that is absent too, the keyword rules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable } from '../db/types.js';
import {
  ASPECT_MODEL_FORMAT,
  AspectPredictor,
  loadAspectModel,
  type AspectModelMetadata,
} from '../reviews/sentiment/aspect-model.js';
import { getActive, getArtifact, promote, registerVersion, type ModelVersion } from './index.js';

export const ASPECTS_KIND = 'aspects';
export const ASPECT_LANGUAGES = ['zh', 'en'] as const;
export type AspectLanguage = (typeof ASPECT_LANGUAGES)[number];

/** metadata length (uint32 LE) · metadata JSON · weights (float32 LE) */
export function packAspects(meta: AspectModelMetadata, weights: Float32Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = new Uint8Array(4 + json.length + weights.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), 4 + json.length);
  return out;
}

/** @throws Error when the blob is not an aspect model */
export function unpackAspects(blob: Uint8Array): AspectPredictor {
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
  const meta = JSON.parse(Buffer.from(blob.subarray(4, 4 + len)).toString('utf8')) as AspectModelMetadata;
  if (meta.format !== ASPECT_MODEL_FORMAT) throw new Error(`unknown aspect model format ${String(meta.format)}`);
  const raw = blob.subarray(4 + len);
  const weights = new Float32Array(raw.byteLength / 4);
  new Uint8Array(weights.buffer).set(raw);
  return new AspectPredictor(meta, weights);
}

/** The predictor of a registered version: its artifact, else the shipped directory holding that version. */
export async function loadAspectsVersion(
  db: Queryable,
  version: ModelVersion,
  modelsDir: string,
): Promise<AspectPredictor> {
  const blob = await getArtifact(db, version.id);
  if (blob) return unpackAspects(blob);
  const dir = join(modelsDir, `aspects-${version.scope}`);
  const p = loadAspectModel(dir);
  if (p.version !== version.id) throw new Error(`${version.id} has no artifact and ${dir} holds ${p.version}`);
  return p;
}

/**
 * The aspect models an engine uses: per language the active version (or `override` for its language:
 * a shadow run), else the shipped directory; a language with neither is absent (keyword rules).
 * @throws Error when `override` cannot be loaded
 */
export async function activeAspectModels(
  db: Queryable,
  modelsDir: string,
  override?: ModelVersion,
): Promise<Partial<Record<AspectLanguage, AspectPredictor>>> {
  const out: Partial<Record<AspectLanguage, AspectPredictor>> = {};
  for (const lang of ASPECT_LANGUAGES) {
    const v =
      override?.kind === ASPECTS_KIND && override.scope === lang ? override : await getActive(db, ASPECTS_KIND, lang);
    if (v) {
      try {
        out[lang] = await loadAspectsVersion(db, v, modelsDir);
        continue;
      } catch (err) {
        if (v === override) throw err;
        // an active version this process cannot load (shipped files replaced): serve the shipped model
      }
    }
    const dir = join(modelsDir, `aspects-${lang}`);
    if (existsSync(join(dir, 'metadata.json'))) out[lang] = loadAspectModel(dir);
  }
  return out;
}

/**
 * Registers the shipped aspect models (models/aspects-<lang>) and makes each active where its language
 * has no active version yet, or where the active one is an earlier shipped model (a release shipped a
 * new one). Versions trained and promoted in the service are left alone. Idempotent. Returns the
 * versions that replaced an active one (a switch: the stored reviews need a rescore).
 */
export async function registerShippedAspects(db: Db, modelsDir: string): Promise<ModelVersion[]> {
  const switched: ModelVersion[] = [];
  for (const lang of ASPECT_LANGUAGES) {
    const dir = join(modelsDir, `aspects-${lang}`);
    if (!existsSync(join(dir, 'metadata.json'))) continue;
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as AspectModelMetadata;
    const { training, metrics, calibration, polarity, thresholds, ...rest } = meta;
    await registerVersion(db, {
      id: meta.version,
      kind: ASPECTS_KIND,
      scope: lang,
      metadata: { ...rest, training, shipped: dir },
      metrics: (metrics as Record<string, unknown> | undefined) ?? {},
      dataRange: { source: 'data/aspects (dev part, train labels) and keyword-labelled train.csv clauses' },
      actor: 'system',
    });
    const active = await getActive(db, ASPECTS_KIND, lang);
    if (!active) {
      await promote(db, meta.version, 'system', 'shipped model, first start').catch(() => {});
    } else if (active.id !== meta.version && active.metadata.shipped && !(await getArtifact(db, active.id))) {
      const v = await promote(db, meta.version, 'system', 'new shipped model').catch(() => null);
      if (v) switched.push(v);
    }
  }
  return switched;
}
