/**
 * Entry of a job thread (./compute.ts): `{ id, task, input }` → `{ id, note: { percent, stage } }`
 * while it runs, then `{ id, result }` (typed arrays in the result transferred) or `{ id, error }`.
 * TensorFlow.js is loaded here on first use (src/ml/tf.ts picks tfjs-node where installed, else wasm).
 */
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../lib/errors.js';
import { computeTasks, type TaskName } from './compute-tasks.js';

const port = parentPort!;

/** The buffers of typed arrays found at the top two levels of a result (transferred, not copied). */
function transferables(result: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
        out.add(v.buffer);
    } else if (v && typeof v === 'object' && depth < 2) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(result, 0);
  return [...out];
}

port.on('message', async (m: { id: number; task: TaskName; input: never }) => {
  try {
    const run = computeTasks[m.task] as (input: unknown, ctx: { progress(p: number, s: string): void }) => unknown;
    if (!run) throw Object.assign(new Error(`no compute task ${String(m.task)}`), { unrecoverable: true });
    const result = await run(m.input, {
      progress: (percent, stage) => port.postMessage({ id: m.id, note: { percent, stage } }),
    });
    port.postMessage({ id: m.id, result }, transferables(result));
  } catch (err) {
    port.postMessage({
      id: m.id,
      error: {
        message: (err as Error).message ?? String(err),
        code: (err as { code?: unknown }).code === undefined ? undefined : String((err as { code?: unknown }).code),
        unrecoverable: (err as { unrecoverable?: boolean }).unrecoverable === true,
        // a DomainError (e.g. ab_compare's refusals naming a field) is rebuilt as one on the main thread
        ...(err instanceof DomainError ? { domain: true, extra: err.extra } : {}),
      },
    });
  }
});
port.postMessage('ready');
