/**
 * Job threads: the CPU-heavy steps of jobs run here, off the main thread, on every backend (the
 * embedded PGlite with the in-process runner as well as PostgreSQL with BullMQ workers). A thread
 * cannot open the embedded database (one opener: src/db/lock.ts), so the protocol is data in,
 * result out: the processor reads its inputs on the main thread, a thread computes one of the
 * tasks of ./compute-tasks.ts (posting progress), and the processor writes the result in one
 * transaction. Cancelling the job terminates its thread.
 *
 * A job opens one `Compute` (its thread starts at the first task, or at once with `eager`, loading
 * while the processor reads), runs any number of tasks on it and closes it: the thread goes back to a small idle pool
 * (an idle thread does not keep the process alive) or ends. `threads: false` (JOB_THREADS=false)
 * runs the same tasks on the calling thread, as before (benchmarks, debugging).
 */
import { DomainError } from '../lib/errors.js';
import { ThreadChannel } from '../lib/thread.js';
import { computeTasks, type TaskInput, type TaskName, type TaskResult } from './compute-tasks.js';
import type { JobContext } from './types.js';

export type { TaskName, TaskInput, TaskResult } from './compute-tasks.js';

export interface ComputeOptions {
  /** Aborting terminates the thread; the running task rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** false: run the tasks on the calling thread. Default true. */
  threads?: boolean | undefined;
  /** Start the thread now (it loads while the caller reads its inputs); default: at the first task. */
  eager?: boolean | undefined;
}

export interface RunOptions {
  /** The task's progress notes. */
  progress?: ((percent: number, stage: string) => unknown) | undefined;
  /** Buffers of typed arrays in the input, moved instead of copied. */
  transfer?: ArrayBuffer[];
}

export interface Compute {
  run<K extends TaskName>(task: K, input: TaskInput<K>, opts?: RunOptions): Promise<TaskResult<K>>;
  /** Gives the thread back (to the idle pool, or ends it). Idempotent. */
  close(): void;
}

/** Idle threads kept for the next job (each holds its own heap, ≈ 40 MB, more once TensorFlow.js is loaded). */
const MAX_IDLE = 1;
const idle: ThreadChannel<unknown>[] = [];
let started = 0;

type Channel = ThreadChannel<unknown>;

function newChannel(): Channel {
  started++;
  return new ThreadChannel<unknown>('./compute-thread', null, import.meta.url, {
    error: (e) => {
      if (e.domain) return new DomainError(e.code ?? 'unprocessable', e.message, e.extra ?? {});
      return Object.assign(new Error(e.message), { code: e.code, unrecoverable: e.unrecoverable === true });
    },
  });
}

/** Threads started so far in this process (tests). */
export function computeThreadsStarted(): number {
  return started;
}

/** Ends the idle threads (tests, shutdown). */
export async function closeComputeThreads(): Promise<void> {
  await Promise.all(idle.splice(0).map((c) => c.terminate()));
}

export function openCompute(opts: ComputeOptions = {}): Compute {
  const signal = opts.signal;
  if (opts.threads === false) {
    return {
      async run(task, input, o = {}) {
        signal?.throwIfAborted();
        const fn = computeTasks[task] as (input: unknown, ctx: { progress(p: number, s: string): void }) => unknown;
        return (await fn(input, { progress: (p, s) => void o.progress?.(p, s) })) as TaskResult<typeof task>;
      },
      close() {},
    };
  }
  let channel: Channel | undefined;
  let closed = false;
  const take = (): Channel => {
    if (!channel || channel.failure) channel = idle.pop() ?? newChannel();
    return channel;
  };
  const abort = () => {
    const c = channel;
    channel = undefined;
    void c?.terminate();
  };
  signal?.addEventListener('abort', abort, { once: true });
  if (opts.eager && !signal?.aborted) take();
  return {
    async run(task, input, o = {}) {
      if (closed) throw new Error('compute: closed');
      signal?.throwIfAborted();
      const c = take();
      try {
        return (await c.request({ task, input }, o.transfer ?? [], (note) => {
          const n = note as { percent: number; stage: string };
          void o.progress?.(n.percent, n.stage);
        })) as TaskResult<typeof task>;
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        throw err;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      signal?.removeEventListener('abort', abort);
      const c = channel;
      channel = undefined;
      if (!c) return;
      if (!c.failure && !signal?.aborted && idle.length < MAX_IDLE) idle.push(c);
      else void c.terminate();
    },
  };
}

/** The compute of a job: its signal cancels the thread; `config.jobThreads === false` runs the tasks here. */
export function computeFor(ctx: Pick<JobContext, 'signal' | 'deps'>, opts: { eager?: boolean } = {}): Compute {
  return openCompute({ signal: ctx.signal, threads: ctx.deps.config.jobThreads !== false, eager: opts.eager });
}
