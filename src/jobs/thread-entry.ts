/**
 * Worker-thread entry of a sandboxed processor (src/jobs/thread.ts): its own database pool, the
 * processor of `kind`, progress and the outcome posted back; 'abort' from the parent aborts it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { openDb } from '../db/index.js';
import { processorRegistry } from './index.js';

const { kind, data, jobId, config } = workerData as { kind: string; data: unknown; jobId: string; config: Config };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m) => {
  if (m === 'abort') controller.abort(new Error('aborted'));
});
const db = await openDb(config);
try {
  const processor = processorRegistry()[kind];
  if (!processor) throw Object.assign(new Error(`no processor for job kind ${kind}`), { unrecoverable: true });
  const result = await processor(data, {
    jobId,
    signal: controller.signal,
    deps: { db, config },
    progress: async (percent, stage) => port.postMessage({ progress: { percent, stage } }),
  });
  port.postMessage({ result });
} catch (err) {
  port.postMessage({
    error: (err as Error).message ?? String(err),
    unrecoverable: (err as { unrecoverable?: boolean }).unrecoverable === true,
  });
} finally {
  await db.close();
}
