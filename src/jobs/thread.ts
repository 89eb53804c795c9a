/**
 * Sandboxed processors: runs a job kind's processor in a worker thread with its own database
 * pool, so CPU-bound work (TensorFlow.js training) never holds the event loop that renews the
 * job's lock, writes the heartbeat and (in an API process) answers HTTP. PostgreSQL only: PGlite
 * is one connection inside one thread. Also the threads' plumbing shared by the others:
 * `startThread` (from sources or compiled JS) and `ThreadChannel` (requests to a long-lived thread).
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Processor } from './types.js';

/** Starts a thread on a module of this folder, from TypeScript sources (tsx) or compiled JS. */
export function startThread(file: string, workerData: unknown, base = import.meta.url): Worker {
  const ts = base.endsWith('.ts');
  const url = new URL(`${file}.${ts ? 'ts' : 'js'}`, base);
  return ts
    ? new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, {
        eval: true,
        workerData,
      })
    : new Worker(url, { workerData });
}

/** What a request thread answers: `{ id, result }`, `{ id, error }`, or 'ready' once its module has loaded. */
export type ThreadReply<R> = 'ready' | { id: number; result?: R; error?: { message: string; code?: string } };

/**
 * Requests to a long-lived thread (sentiment scoring, forecasting): `request` posts `{ id, ...message }`
 * and settles with the thread's answer of that id. A request in flight keeps the process alive; an
 * idle thread does not. When the thread fails or exits (other than through `terminate`), every
 * request in flight is rejected, `failure` says why and `onFailure` runs.
 */
export class ThreadChannel<R> {
  readonly worker: Worker;
  /** the thread said 'ready' (its module is loaded: answers come without the start-up wait) */
  ready = false;
  failure: Error | undefined;
  private readonly pending = new Map<number, { resolve(result: R): void; reject(err: Error): void }>();
  private seq = 0;
  private terminating = false;

  constructor(
    file: string,
    workerData: unknown,
    base: string,
    opts: { onFailure?: (err: Error) => void; error?: (e: { message: string; code?: string }) => Error } = {},
  ) {
    this.worker = startThread(file, workerData, base);
    // an unref() before the thread is up does not hold: repeat it once it is, unless a request waits
    const idle = () => {
      if (this.pending.size === 0) this.worker.unref();
    };
    idle();
    this.worker.on('online', idle);
    this.worker.on('message', (m: ThreadReply<R>) => {
      if (m === 'ready') {
        this.ready = true;
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      idle();
      if (m.error) p.reject(opts.error ? opts.error(m.error) : new Error(m.error.message));
      else p.resolve(m.result as R);
    });
    const fail = (err: Error) => {
      if (!this.terminating && !this.failure) {
        this.failure = err;
        opts.onFailure?.(err);
      }
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`thread ${file} exited with code ${code}`)));
  }

  request(message: object, transfer: ArrayBuffer[] = []): Promise<R> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Stops the thread; requests in flight are rejected. */
  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker.terminate();
  }
}

export function inThread(kind: string, config: Config): Processor {
  return (data, ctx) =>
    new Promise((resolve, reject) => {
      const thread = startThread('./thread-entry', { kind, data, jobId: ctx.jobId, config });
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
