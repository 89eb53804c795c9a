/**
 * Scoring on worker threads. Each thread builds the same engine over the predictors' int16
 * weights, which live in SharedArrayBuffers (no copy per thread); a batch is cut into one
 * contiguous part per thread and the parts' results are joined in order, so the answer is the one
 * `engine.score` gives on the calling thread. A thread costs ≈ 65 MB at rest and ≈ 130 MB at its
 * peak (its own V8 heap and jieba dictionary). Idle threads do not keep the process alive.
 */
import { ThreadChannel } from '../../lib/thread.js';
import type { ScoredReview, ScoreOptions } from './types.js';
import type { LinearPredictor } from './predictor.js';
import type { AspectPredictor } from './aspect-model.js';

export interface SentimentPool {
  readonly threads: number;
  /** Same results as `engine.score(texts, opts)`; rejects when a thread failed (the pool is then spent). */
  score(texts: readonly string[], opts?: ScoreOptions): Promise<ScoredReview[]>;
  /** Lets the batches in flight finish, then stops the threads. */
  close(): Promise<void>;
}

/** Texts below this many per thread are not split further (a message round trip costs ≈ 0.1 ms). */
const MIN_PART = 64;

export function createSentimentPool(
  models: Partial<Record<'zh' | 'en', LinearPredictor>>,
  threads: number,
  aspectModels: Partial<Record<'zh' | 'en', AspectPredictor>> = {},
): SentimentPool {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const data = {
    models: Object.fromEntries(Object.entries(models).map(([lang, p]) => [lang, p.quantised])),
    aspects: Object.fromEntries(Object.entries(aspectModels).map(([lang, p]) => [lang, p.quantised])),
  };
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  let next = 0;
  const error = (e: { message: string }) => new Error(`sentiment thread: ${e.message}`);
  const channels = Array.from(
    { length: threads },
    () => new ThreadChannel<ScoredReview[]>('./pool-worker', data, import.meta.url, { error }),
  );

  return {
    threads,
    async score(texts, opts = {}) {
      if (closed) throw new Error('the sentiment pool is closed');
      const failed = channels.find((c) => c.failure);
      if (failed) throw failed.failure;
      const parts = Math.max(1, Math.min(channels.length, Math.floor(texts.length / MIN_PART)));
      const size = Math.ceil(texts.length / parts);
      const all = Promise.all(
        Array.from({ length: parts }, (_, k) =>
          channels[next++ % channels.length]!.request({ texts: texts.slice(k * size, (k + 1) * size), opts }),
        ),
      );
      inFlight.add(all);
      try {
        return (await all).flat();
      } finally {
        inFlight.delete(all);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      await Promise.all(channels.map((c) => c.terminate()));
    },
  };
}
