/** Job kind `compare_models`: shadow-compares a candidate version with the active one (src/registry/shadow.ts). */
import { z } from 'zod';
import { compareWithActive, type ShadowReport } from '../../registry/shadow.js';
import { computeFor } from '../compute.js';
import { parseJobData, type Processor } from '../types.js';

export const compareModelsData = z
  .object({
    candidate: z.string().min(1),
    threshold: z.number().min(0).max(1).default(0.05),
    limit: z.number().int().min(1).max(5_000_000).default(200_000),
    eval_file: z.string().optional(),
  })
  .strict();

export const compareModelsProcessor: Processor<unknown, ShadowReport> = async (raw, ctx) => {
  const d = parseJobData('compare_models', compareModelsData, raw);
  // sentiment scores on its engines' threads; the baseline forecasts run in the job's thread
  const compute = computeFor(ctx);
  try {
    return await compareWithActive(ctx.deps.db, d.candidate, {
      threshold: d.threshold,
      limit: d.limit,
      evalFile: d.eval_file,
      modelsDir: ctx.deps.config.modelsDir,
      threads: ctx.deps.config.jobThreads !== false,
      compute,
      signal: ctx.signal,
      progress: ctx.progress,
    });
  } finally {
    compute.close();
  }
};
