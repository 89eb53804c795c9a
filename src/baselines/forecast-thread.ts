/**
 * The forecasting helper thread (./parallel.ts): `{ id, modelKey?, model?, series (packed), h, work }` →
 * its chunks of `series` forecast into `work`'s shared arrays, then `{ id, result }` (how many chunks) or
 * `{ id, error }`; `{ evict }` forgets a model.
 */
import { parentPort } from 'node:worker_threads';
import { BaselineInputError } from './errors.js';
import type { TrainedGroupModel } from './model.js';
import { helperChunks, type PackedSeries, type SharedWork } from './parallel.js';

const port = parentPort!;
const models = new Map<string, TrainedGroupModel>();
port.on(
  'message',
  (
    m:
      | { evict: string }
      | { id: number; modelKey?: string; model?: TrainedGroupModel; series: PackedSeries; h: number; work: SharedWork },
  ) => {
    if ('evict' in m) {
      models.delete(m.evict);
      return;
    }
    try {
      if (m.model && m.modelKey !== undefined) models.set(m.modelKey, m.model);
      const model = m.model ?? (m.modelKey !== undefined ? models.get(m.modelKey) : undefined);
      if (!model) throw new Error(`forecast thread: no model ${String(m.modelKey)}`);
      port.postMessage({ id: m.id, result: helperChunks(model, m.series, m.h, m.work) });
    } catch (err) {
      port.postMessage({
        id: m.id,
        error: {
          message: (err as Error).message ?? String(err),
          code: err instanceof BaselineInputError ? err.code : undefined,
        },
      });
    }
  },
);
port.postMessage('ready');
