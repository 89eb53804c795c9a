/**
 * Sandboxed processors: runs a job kind's processor in a worker thread with its own database
 * pool, so CPU-bound work (TensorFlow.js training) never holds the event loop that renews the
 * job's lock, writes the heartbeat and (in an API process) answers HTTP. PostgreSQL only: PGlite
 * is one connection inside one thread. The thread plumbing itself is src/lib/thread.ts.
 */
import type { Config } from '../config.js';
import { startThread } from '../lib/thread.js';
import type { Processor } from './types.js';

export function inThread(kind: string, config: Config): Processor {
  return (data, ctx) =>
    new Promise((resolve, reject) => {
      const thread = startThread('./thread-entry', { kind, data, jobId: ctx.jobId, config }, import.meta.url);
      let settled = false;
      const abort = () => {
        thread.postMessage('abort');
        setTimeout(() => void thread.terminate(), 5000).unref();
      };
      ctx.signal.addEventListener('abort', abort, { once: true });
      thread.on(
        'message',
        (m: {
          progress?: { percent: number; stage: string };
          result?: unknown;
          error?: string;
          unrecoverable?: boolean;
        }) => {
          if (m.progress) void ctx.progress(m.progress.percent, m.progress.stage).catch(() => {});
          else if (m.error !== undefined) {
            settled = true;
            reject(Object.assign(new Error(m.error), { unrecoverable: m.unrecoverable }));
          } else if ('result' in m) {
            settled = true;
            resolve(m.result);
          }
        },
      );
      thread.on('error', (err) => {
        settled = true;
        reject(err);
      });
      thread.on('exit', (code) => {
        ctx.signal.removeEventListener('abort', abort);
        if (!settled)
          reject(ctx.signal.aborted ? (ctx.signal.reason as Error) : new Error(`job thread exited with code ${code}`));
      });
    });
}
