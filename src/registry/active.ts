/**
 * What is active, the same for every process: each process re-reads the active version ids at
 * most every `ttlMs` (a cheap indexed query) and rebuilds a model only when its id changed. After
 * a promote or rollback no process serves the old version longer than `ttlMs` (default 2 s).
 */
import type { Queryable } from '../db/types.js';
import type { SentimentProvider } from '../reviews/scoring.js';
import { ASPECTS_KIND } from './aspects.js';
import { createEngine, type SentimentEngine } from '../reviews/sentiment/index.js';
import { type EngineModels, loadEngineModels, SENTIMENT_KIND } from './sentiment.js';

export interface ActiveModels {
  /**
   * The sentiment engine built from the active sentiment and aspect versions (reloaded after a switch of either); `fresh` re-reads them now.
   * `job`: the engine of bulk jobs (rescoring), which scores on at least one thread of its own (unless
   * `jobThreads` is false), so a rescore never holds the main thread.
   */
  sentiment(opts?: { fresh?: boolean; job?: boolean }): Promise<SentimentEngine>;
  /** Active version ids by `kind/scope`, at most `ttlMs` old. */
  activeIds(): Promise<Record<string, string>>;
  /** Stops the current engine's scoring threads (it keeps scoring, on the calling thread). */
  close(): Promise<void>;
}

/** Where models come from and how they score: `Config` has both fields. */
export interface ModelSettings {
  modelsDir: string;
  /** worker threads per sentiment engine (0: score on the calling thread) */
  sentimentThreads?: number;
  /** false: jobs' engine scores on the calling thread too (JOB_THREADS=false) */
  jobThreads?: boolean;
}

export function createActiveModels(db: Queryable, settings: ModelSettings, ttlMs = 2000): ActiveModels {
  let ids: { at: number; value: Promise<Record<string, string>> } | undefined;
  const engines: Record<'serve' | 'job', { key: string; value: Promise<SentimentEngine> } | undefined> = {
    serve: undefined,
    job: undefined,
  };
  // the predictors of the active versions, loaded once for both engines (a rescore's engine after a
  // switch would otherwise load them again on this thread: ≈ 120 ms measured on 2026-12-07)
  let loaded: { key: string; value: Promise<EngineModels> } | undefined;
  const modelsOf = (key: string): Promise<EngineModels> => {
    if (loaded?.key !== key) {
      const entry = { key, value: loadEngineModels(db, settings.modelsDir) };
      loaded = entry;
      entry.value.catch(() => {
        if (loaded === entry) loaded = undefined;
      });
    }
    return loaded.value;
  };

  const activeIds = (): Promise<Record<string, string>> => {
    if (!ids || Date.now() - ids.at > ttlMs) {
      const value = db
        .query<{ kind: string; scope: string; id: string }>(
          `select kind, scope, id from model_versions where status = 'active'`,
        )
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
    async close() {
      for (const engine of Object.values(engines)) await engine?.value.then((e) => e.close()).catch(() => {});
    },
    async sentiment(opts) {
      if (opts?.fresh) ids = undefined;
      const all = await activeIds();
      const key = Object.entries(all)
        .filter(([k]) => k.startsWith(`${SENTIMENT_KIND}/`) || k.startsWith(`${ASPECTS_KIND}/`))
        .sort()
        .join(',');
      const which = opts?.job ? 'job' : 'serve';
      const engine = engines[which];
      if (!engine || engine.key !== key) {
        // the replaced engine stops its threads once its batches in flight are done
        void engine?.value.then((e) => e.close()).catch(() => {});
        const threads = settings.sentimentThreads ?? 0;
        const value = modelsOf(key).then(({ models, aspectModels }) =>
          createEngine(models, {
            aspectModels,
            threads: which === 'job' && settings.jobThreads !== false ? Math.max(1, threads) : threads,
          }),
        );
        const entry = { key, value };
        engines[which] = entry;
        value.catch(() => {
          if (engines[which] === entry) engines[which] = undefined;
        });
      }
      return engines[which]!.value;
    },
  };
}

/**
 * One ActiveModels per database handle: the routes, the app's sentiment provider and the job
 * processors of a process share it, so the models are loaded once and reloaded only after a switch.
 */
const actives = new WeakMap<object, ActiveModels>();
export function activeModelsFor(db: Queryable, settings: ModelSettings): ActiveModels {
  let a = actives.get(db);
  if (!a) actives.set(db, (a = createActiveModels(db, settings)));
  return a;
}

/**
 * The app's sentiment provider (`{ get() }`, as src/reviews/scoring.ts expects) served from the
 * registry: the active versions, re-checked every 2 s; the shipped models where none is active.
 */
export function activeSentimentProvider(db: Queryable, settings: ModelSettings): SentimentProvider {
  const active = activeModelsFor(db, settings);
  return { get: () => active.sentiment() };
}
