/**
 * Threads' plumbing shared by the job threads (src/jobs/compute.ts), the sentiment scoring pool and the
 * forecasting helper: `startThread` (from sources or compiled JS) and `ThreadChannel` (requests to a
 * long-lived thread, answered by id).
 */
import { Worker } from 'node:worker_threads';

/**
 * Starts a thread on the module `file` (relative to `base`, the caller's `import.meta.url`), from
 * TypeScript sources (through tsx) or compiled JS.
 */
export function startThread(file: string, workerData: unknown, base: string): Worker {
  const ts = base.endsWith('.ts');
  const url = new URL(`${file}.${ts ? 'ts' : 'js'}`, base);
  return ts
    ? new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, {
        eval: true,
        workerData,
      })
    : new Worker(url, { workerData });
}

/**
 * What a request thread answers: `{ id, result }`, `{ id, error }`, or 'ready' once its module has loaded;
 * `{ id, note }` before the answer (e.g. progress) goes to the request's `onNote` and does not settle it.
 */
export type ThreadReply<R> = 'ready' | { id: number; result?: R; error?: ThreadError; note?: unknown };

/** A failed request's error as the thread posts it (`domain` and `extra`: a DomainError's code and members). */
export interface ThreadError {
  message: string;
  code?: string;
  unrecoverable?: boolean;
  domain?: boolean;
  extra?: Record<string, unknown>;
}

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
  private readonly pending = new Map<
    number,
    { resolve(result: R): void; reject(err: Error): void; onNote?: ((note: unknown) => void) | undefined }
  >();
  private seq = 0;
  private terminating = false;

  constructor(
    file: string,
    workerData: unknown,
    base: string,
    opts: {
      onFailure?: (err: Error) => void;
      error?: (e: ThreadError) => Error;
    } = {},
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
      if ('note' in m) {
        p.onNote?.(m.note);
        return;
      }
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

  /** Posts `{ ...message, id }`; `onNote` gets the thread's `{ id, note }` messages until the answer. */
  request(message: object, transfer: ArrayBuffer[] = [], onNote?: (note: unknown) => void): Promise<R> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      this.pending.set(id, { resolve, reject, onNote });
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
