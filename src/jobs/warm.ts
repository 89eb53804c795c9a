/**
 * What a worker process loads before it takes its first job: the jobs' sentiment engine (the active
 * models) with its scoring thread started and run once. Without it the first `score_reviews` job of
 * each worker paid for loading the models and starting the thread (its module graph, jieba's
 * dictionary) while the job's clock ran, and with two workers the second one paid it only after the
 * planning job had handed out the chunks: a serial part that a second worker could not share.
 * Best effort: a failure is logged and the worker starts anyway (the first job then loads the engine).
 */
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { activeModelsFor } from '../registry/active.js';

/** Texts enough for one batch on the engine's thread (`scoreAsync` keeps smaller ones on the calling thread). */
const WARM_TEXTS = Array.from({ length: 64 }, (_, i) => (i % 2 ? '物流很快，质量不错' : 'Arrived quickly, works well'));

export async function warmJobEngines(
  db: Db,
  config: Config,
  log: (msg: string, extra?: Record<string, unknown>) => void = () => {},
): Promise<void> {
  const t0 = performance.now();
  try {
    const engine = await activeModelsFor(db, config).sentiment({ job: true });
    await engine.scoreAsync(WARM_TEXTS);
    log('job engines loaded', { ms: Math.round(performance.now() - t0) });
  } catch (err) {
    log('job engines not loaded at start (the first job loads them)', { message: (err as Error).message });
  }
}
