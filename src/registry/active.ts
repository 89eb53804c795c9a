/**
 * What is active, the same for every process: each process re-reads the active version ids at
 * most every `ttlMs` (a cheap indexed query) and rebuilds a model only when its id changed. After
 * a promote or rollback no process serves the old version longer than `ttlMs` (default 2 s).
 */
import type { Queryable } from '../db/types.js';
import type { SentimentProvider } from '../reviews/scoring.js';
import type { SentimentEngine } from '../reviews/sentiment/index.js';
import { buildSentimentEngine, SENTIMENT_KIND } from './sentiment.js';

export interface ActiveModels {
  /** The sentiment engine built from the active versions (reloaded after a switch); `fresh` re-reads them now. */
  sentiment(opts?: { fresh?: boolean }): Promise<SentimentEngine>;
  /** Active version ids by `kind/scope`, at most `ttlMs` old. */
  activeIds(): Promise<Record<string, string>>;
}

export function createActiveModels(db: Queryable, modelsDir: string, ttlMs = 2000): ActiveModels {
  let ids: { at: number; value: Promise<Record<string, string>> } | undefined;
  let engine: { key: string; value: Promise<SentimentEngine> } | undefined;

  const activeIds = (): Promise<Record<string, string>> => {
    if (!ids || Date.now() - ids.at > ttlMs) {
      const value = db
        .query<{ kind: string; scope: string; id: string }>(`select kind, scope, id from model_versions where status = 'active'`)
        .then((r) => Object.fromEntries(r.rows.map((x) => [`${x.kind}/${x.scope}`, x.id])));
      ids = { at: Date.now(), value };
      value.catch(() => {
        ids = undefined;
      });
    }
    return ids.value;
  };

  return {
    activeIds,
    async sentiment(opts) {
      if (opts?.fresh) ids = undefined;
      const all = await activeIds();
      const key = Object.entries(all)
        .filter(([k]) => k.startsWith(`${SENTIMENT_KIND}/`))
        .sort()
        .join(',');
      if (!engine || engine.key !== key) {
        const value = buildSentimentEngine(db, modelsDir);
        engine = { key, value };
        value.catch(() => {
          engine = undefined;
        });
      }
      return engine.value;
    },
  };
}

/**
 * One ActiveModels per database handle: the routes, the app's sentiment provider and the job
 * processors of a process share it, so the models are loaded once and reloaded only after a switch.
 */
const actives = new WeakMap<object, ActiveModels>();
export function activeModelsFor(db: Queryable, modelsDir: string): ActiveModels {
  let a = actives.get(db);
  if (!a) actives.set(db, (a = createActiveModels(db, modelsDir)));
  return a;
}

/**
 * The app's sentiment provider (`{ get() }`, as src/reviews/scoring.ts expects) served from the
 * registry: the active versions, re-checked every 2 s; the shipped models where none is active.
 */
export function activeSentimentProvider(db: Queryable, modelsDir: string): SentimentProvider {
  const active = activeModelsFor(db, modelsDir);
  return { get: () => active.sentiment() };
}
