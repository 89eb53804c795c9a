/**
 * What the sentiment and the aspect models share in the registry (src/registry/sentiment.ts,
 * src/registry/aspects.ts): one version per language (the scope); the artifact is the model directory
 * in one blob (metadata JSON + float32 weights), so any process loads a version trained elsewhere; the
 * models shipped in `models/<prefix><lang>` are registered without an artifact and loaded from there.
 */
import { SYSTEM_REASONS } from '../audit/reasons.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable } from '../db/types.js';
import { getActive, getArtifact, promote, registerVersion, type ModelVersion } from './index.js';

/** A kind of per-language model: how its predictors are made and its shipped models registered. */
export interface LanguageModels<P extends { readonly version: string }, M extends { version: string }> {
  kind: string;
  languages: readonly string[];
  /** the shipped model of a language is in `models/<prefix><lang>` */
  prefix: string;
  /** a predictor from an artifact's metadata and weights; throws when the metadata is not this kind's */
  predictor(meta: M, weights: Float32Array): P;
  /** the predictor of a shipped directory */
  loadDir(dir: string): P;
  /** how a shipped model (its metadata.json) is registered */
  registration(
    meta: M,
    dir: string,
  ): { metadata: Record<string, unknown>; metrics: Record<string, unknown>; dataRange: Record<string, unknown> | null };
}

/** metadata length (uint32 LE) · metadata JSON · weights (float32 LE) */
export function packModel(meta: object, weights: Float32Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const out = new Uint8Array(4 + json.length + weights.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), 4 + json.length);
  return out;
}

/** The predictor an artifact holds (packModel's layout). */
export function unpackModel<P extends { readonly version: string }, M extends { version: string }>(
  spec: LanguageModels<P, M>,
  blob: Uint8Array,
): P {
  const len = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
  const meta = JSON.parse(Buffer.from(blob.subarray(4, 4 + len)).toString('utf8')) as M;
  const raw = blob.subarray(4 + len);
  const weights = new Float32Array(raw.byteLength / 4);
  new Uint8Array(weights.buffer).set(raw);
  return spec.predictor(meta, weights);
}

/** The predictor of a registered version: its artifact, else the shipped directory holding that version. */
export async function loadModelVersion<P extends { readonly version: string }, M extends { version: string }>(
  db: Queryable,
  spec: LanguageModels<P, M>,
  version: ModelVersion,
  modelsDir: string,
): Promise<P> {
  const blob = await getArtifact(db, version.id);
  if (blob) return unpackModel(spec, blob);
  const dir = join(modelsDir, `${spec.prefix}${version.scope}`);
  const p = spec.loadDir(dir);
  if (p.version !== version.id) throw new Error(`${version.id} has no artifact and ${dir} holds ${p.version}`);
  return p;
}

/**
 * The predictors an engine uses: per language the active version (or `override` for its language: a
 * shadow run), else the shipped directory; a language with neither is absent.
 * @throws Error when `override` cannot be loaded
 */
export async function activeModels<P extends { readonly version: string }, M extends { version: string }>(
  db: Queryable,
  spec: LanguageModels<P, M>,
  modelsDir: string,
  override?: ModelVersion,
): Promise<Partial<Record<string, P>>> {
  const out: Partial<Record<string, P>> = {};
  for (const lang of spec.languages) {
    const v = override?.kind === spec.kind && override.scope === lang ? override : await getActive(db, spec.kind, lang);
    if (v) {
      try {
        out[lang] = await loadModelVersion(db, spec, v, modelsDir);
        continue;
      } catch (err) {
        if (v === override) throw err;
        // an active version this process cannot load (shipped files replaced): serve the shipped model
      }
    }
    const dir = join(modelsDir, `${spec.prefix}${lang}`);
    if (existsSync(join(dir, 'metadata.json'))) out[lang] = spec.loadDir(dir);
  }
  return out;
}

/**
 * Registers the shipped models and makes each active where its language has no active version yet,
 * or where the active one is an earlier shipped model (a release shipped a new one, whose files
 * replaced it). Versions trained and promoted in the service are left alone. Idempotent; safe from
 * several processes at once. Returns the versions that replaced an active one (a switch: the stored
 * reviews need a rescore, src/services/models.ts).
 */
export async function registerShipped<P extends { readonly version: string }, M extends { version: string }>(
  db: Db,
  spec: LanguageModels<P, M>,
  modelsDir: string,
): Promise<ModelVersion[]> {
  const switched: ModelVersion[] = [];
  for (const lang of spec.languages) {
    const dir = join(modelsDir, `${spec.prefix}${lang}`);
    if (!existsSync(join(dir, 'metadata.json'))) continue;
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as M;
    await registerVersion(db, {
      id: meta.version,
      kind: spec.kind,
      scope: lang,
      ...spec.registration(meta, dir),
      actor: 'system',
    });
    const active = await getActive(db, spec.kind, lang);
    if (!active) {
      await promote(db, meta.version, 'system', SYSTEM_REASONS.shipped_first_start).catch(() => {});
    } else if (active.id !== meta.version && active.metadata.shipped && !(await getArtifact(db, active.id))) {
      const v = await promote(db, meta.version, 'system', SYSTEM_REASONS.shipped_new).catch(() => null);
      if (v) switched.push(v);
    }
  }
  return switched;
}
