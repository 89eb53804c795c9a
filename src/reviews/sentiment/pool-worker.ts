/**
 * Worker-thread entry of the sentiment pool (./pool.ts): the engine over the shared quantised
 * weights; each message `{ id, texts, opts }` is answered `{ id, result }` or `{ id, error }` (ThreadChannel,
 * src/lib/thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, type ScoreOptions } from './index.js';
import { LinearPredictor, type ModelMetadata, type QuantisedWeights } from './predictor.js';
import { AspectPredictor, type AspectModelMetadata, type AspectQuantised } from './aspect-model.js';

type Shared = Partial<Record<'zh' | 'en', { meta: ModelMetadata; weights: QuantisedWeights }>>;
type SharedAspects = Partial<Record<'zh' | 'en', { meta: AspectModelMetadata; weights: AspectQuantised }>>;
const { models, aspects } = workerData as { models: Shared; aspects?: SharedAspects };
const engine = createEngine(
  Object.fromEntries(Object.entries(models).map(([lang, m]) => [lang, new LinearPredictor(m.meta, m.weights)])),
  {
    aspectModels: Object.fromEntries(
      Object.entries(aspects ?? {}).map(([lang, m]) => [lang, new AspectPredictor(m.meta, m.weights)]),
    ),
  },
);
const port = parentPort!;
port.on('message', ({ id, texts, opts }: { id: number; texts: string[]; opts: ScoreOptions }) => {
  try {
    port.postMessage({ id, result: engine.score(texts, opts) });
  } catch (err) {
    port.postMessage({ id, error: { message: (err as Error).message ?? String(err) } });
  }
});
port.postMessage('ready');
