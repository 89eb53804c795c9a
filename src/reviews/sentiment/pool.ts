/**
 * Scoring on worker threads. Each thread builds the same engine over the predictors' int16
 * weights, which live in SharedArrayBuffers (no copy per thread); a batch is cut into one
 * contiguous part per thread and the parts' results are joined in order, so the answer is the one
 * `engine.score` gives on the calling thread. A thread costs ≈ 65 MB at rest and ≈ 130 MB at its
 * peak (its own V8 heap and jieba dictionary). Idle threads do not keep the process alive.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../../jobs/thread.js';
import type { ScoredReview, ScoreOptions } from './index.js';
import type { LinearPredictor } from './predictor.js';

export interface SentimentPool {
  readonly threads: number;
  /** Same results as `engine.score(texts, opts)`; rejects when a thread failed (the pool is then spent). */
  score(texts: readonly string[], opts?: ScoreOptions): Promise<ScoredReview[]>;
  /** Lets the batches in flight finish, then stops the threads. */
  close(): Promise<void>;
}

/** Texts below this many per thread are not split further (a message round trip costs ≈ 0.1 ms). */
const MIN_PART = 64;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(results: ScoredReview[]): void; reject(err: Error): void }>;
}

export function createSentimentPool(models: Partial<Record<'zh' | 'en', LinearPredictor>>, threads: number): SentimentPool {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const data = { models: Object.fromEntries(Object.entries(models).map(([lang, p]) => [lang, p.quantised])) };
  const inFlight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  let closed = false;
  let next = 0;
  let seq = 0;

  const slots: Slot[] = Array.from({ length: threads }, () => {
    const slot: Slot = { worker: startThread('./pool-worker', data, import.meta.url), pending: new Map() };
    slot.worker.unref();
    // an unref() before the thread is up does not hold: repeat it once it is, unless a batch waits
    slot.worker.on('online', () => {
      if (slot.pending.size === 0) slot.worker.unref();
    });
    slot.worker.on('message', (m: { id: number; results?: ScoredReview[]; error?: string }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (m.error !== undefined) p.reject(new Error(`sentiment thread: ${m.error}`));
      else p.resolve(m.results!);
    });
    const fail = (err: Error) => {
      if (!closed) failure ??= err;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`sentiment thread exited with code ${code}`)));
    return slot;
  });

  const send = (slot: Slot, texts: readonly string[], opts: ScoreOptions): Promise<ScoredReview[]> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref(); // a batch in flight keeps the process alive until it is answered
      slot.worker.postMessage({ id, texts, opts });
    });

  return {
    threads,
    async score(texts, opts = {}) {
      if (closed) throw new Error('the sentiment pool is closed');
      if (failure) throw failure;
      const parts = Math.max(1, Math.min(slots.length, Math.floor(texts.length / MIN_PART)));
      const size = Math.ceil(texts.length / parts);
      const all = Promise.all(
        Array.from({ length: parts }, (_, k) => send(slots[next++ % slots.length]!, texts.slice(k * size, (k + 1) * size), opts)),
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
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
