/**
 * The JobQueue behaviour every implementation must show; run against the in-process runner and
 * BullMQ (test/jobs/queue.test.ts). `make` builds a queue (and, for BullMQ, a worker) over the
 * given processors; `dispose` stops them.
 */
import { expect, it } from 'vitest';
import { UnrecoverableJobError, type JobQueue, type JobStatus, type Processor } from '../../src/jobs/index.js';

/** Base retry delay every setup must use. */
export const BACKOFF_MS = 150;

export interface QueueUnderTest {
  queue: JobQueue;
  dispose(): Promise<void>;
}

export async function settle(q: JobQueue, id: string, timeoutMs = 20_000): Promise<JobStatus> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const s = await q.get(id);
    if (s && ['completed', 'failed', 'cancelled'].includes(s.state)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

export function queueBehaviour(make: (processors: Record<string, Processor>) => Promise<QueueUnderTest>): void {
  it('runs a job once per id, retries with backoff, stops on unrecoverable errors, reports progress, cancels', async () => {
    const runs = { add: 0, flaky: 0 };
    const seenProgress: number[] = [];
    const started: number[] = [];
    const { queue: q, dispose } = await make({
      add: async (data, ctx) => {
        runs.add++;
        await ctx.progress(50, 'adding');
        seenProgress.push((await q.get(ctx.jobId))!.progress.percent);
        const { a, b } = data as { a: number; b: number };
        return { sum: a + b };
      },
      flaky: async () => {
        started.push(Date.now());
        if (++runs.flaky < 3) throw new Error('transient');
        return 'ok';
      },
      bad: async () => {
        throw new UnrecoverableJobError('input will never work');
      },
      slow: (_data, ctx) =>
        new Promise((resolve, reject) => {
          void ctx.progress(10, 'sleeping');
          const t = setTimeout(resolve, 15_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new Error('aborted'));
          });
        }),
    });
    try {
      const first = await q.submit('add', { a: 1, b: 2 }, { jobId: 'add:1' });
      const again = await q.submit('add', { a: 1, b: 2 }, { jobId: 'add:1' });
      expect(again.id).toBe(first.id);
      expect(await settle(q, 'add:1')).toMatchObject({
        state: 'completed',
        result: { sum: 3 },
        progress: { percent: 100, stage: 'done' },
        attempts: 1,
      });
      expect(seenProgress).toEqual([50]);
      // a repeated request after completion returns the finished job, it does not run again
      expect(await q.submit('add', { a: 1, b: 2 }, { jobId: 'add:1' })).toMatchObject({ state: 'completed' });
      await new Promise((r) => setTimeout(r, 200));
      expect(runs.add).toBe(1);

      expect(await settle(q, (await q.submit('flaky', null, { jobId: 'flaky-1', attempts: 3 })).id)).toMatchObject({
        state: 'completed',
        attempts: 3,
        result: 'ok',
      });
      // exponential backoff: waits of at least base, then 2 × base
      expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(BACKOFF_MS * 0.9);
      expect(started[2]! - started[1]!).toBeGreaterThanOrEqual(2 * BACKOFF_MS * 0.9);

      expect(await settle(q, (await q.submit('bad', null, { jobId: 'bad-1', attempts: 3 })).id)).toMatchObject({
        state: 'failed',
        attempts: 1,
        error: 'input will never work',
      });
      expect(await settle(q, (await q.submit('nope', null, { jobId: 'nope-1' })).id)).toMatchObject({
        state: 'failed',
        attempts: 1,
      });

      await q.submit('slow', null, { jobId: 'slow-1' });
      for (let i = 0; i < 200 && (await q.get('slow-1'))!.state !== 'active'; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(await q.cancel('slow-1')).toBe(true);
      expect(await settle(q, 'slow-1', 5000)).toMatchObject({ state: 'cancelled' });
      expect(await q.cancel('slow-1')).toBe(false);
      expect(await q.get('missing')).toBeNull();
      expect((await q.health()).ok).toBe(true);
    } finally {
      await dispose();
    }
  });
}
