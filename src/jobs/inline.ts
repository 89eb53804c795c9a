/**
 * In-process job runner (the embedded default): jobs are rows in the `jobs` table, run one at a
 * time in this process, retried with exponential backoff, cancellable. A job left 'active' by a
 * process that died is picked up again at the next start (at-least-once, like BullMQ).
 */
import type { Db } from '../db/types.js';
import type { Config } from '../config.js';
import type { JobQueue, JobStatus, Processor, SubmitOptions } from './types.js';

const COLS = 'id, kind, state, progress, result, error, attempts, created_at, finished_at';

export interface InlineQueueOptions {
  db: Db;
  config: Config;
  processors: Record<string, Processor>;
  /** Base delay of the exponential retry backoff. */
  backoffMs?: number;
}

export function createInlineQueue({ db, config, processors, backoffMs = 1000 }: InlineQueueOptions): JobQueue {
  const controllers = new Map<string, AbortController>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const get = async (id: string) =>
    (await db.query<JobStatus>(`select ${COLS} from jobs where id = $1`, [id])).rows[0] ?? null;

  async function run(id: string, maxAttempts: number): Promise<void> {
    for (;;) {
      if (closed) return;
      const claimed = await db.query<{ kind: string; data: unknown; attempts: number }>(
        `update jobs set state = 'active', attempts = attempts + 1, started_at = now() where id = $1 and state in ('waiting', 'active') returning kind, data, attempts`,
        [id],
      );
      const job = claimed.rows[0];
      if (!job) return; // cancelled meanwhile
      const processor = processors[job.kind];
      const controller = new AbortController();
      controllers.set(id, controller);
      let lastProgress = 0;
      try {
        if (!processor)
          throw Object.assign(new Error(`no processor for job kind ${job.kind}`), { unrecoverable: true });
        const result = await processor(job.data, {
          jobId: id,
          signal: controller.signal,
          deps: { db, config, queue: self },
          async progress(percent, stage) {
            const now = Date.now();
            if (now - lastProgress < 200 && percent < 100) return;
            lastProgress = now;
            await db.query(`update jobs set progress = $2 where id = $1`, [
              id,
              JSON.stringify({ percent: Math.max(0, Math.min(100, Math.round(percent))), stage }),
            ]);
          },
        });
        await db.query(
          `update jobs set state = 'completed', result = $2, progress = '{"percent": 100, "stage": "done"}', finished_at = now(), error = null where id = $1 and state = 'active'`,
          [id, JSON.stringify(result ?? null)],
        );
        return;
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (controller.signal.aborted) return; // cancelled: state already set
        const final = (err as { unrecoverable?: boolean }).unrecoverable === true || job.attempts >= maxAttempts;
        await db.query(
          `update jobs set state = $2, error = $3, finished_at = case when $2 = 'failed' then now() end where id = $1`,
          [id, final ? 'failed' : 'waiting', message],
        );
        if (final) return;
        await new Promise((r) => setTimeout(r, backoffMs * 2 ** (job.attempts - 1)));
      } finally {
        controllers.delete(id);
      }
    }
  }

  function schedule(id: string, attempts: number) {
    chain = chain.then(() => run(id, attempts)).catch(() => {});
  }

  // resume what a previous process left unfinished
  void db
    .query<{ id: string }>(`select id from jobs where state in ('waiting', 'active') order by created_at`)
    .then((r) => r.rows.forEach((j) => schedule(j.id, 3)))
    .catch(() => {});

  const self: JobQueue = {
    kind: 'inline',
    async submit(kind: string, data: unknown, opts: SubmitOptions) {
      const ins = await db.query<JobStatus>(
        `insert into jobs (id, kind, state, data, submitted_by) values ($1, $2, 'waiting', $3, $4) on conflict (id) do nothing returning ${COLS}`,
        [opts.jobId, kind, JSON.stringify(data ?? null), opts.submittedBy ?? null],
      );
      if (ins.rows[0]) {
        schedule(opts.jobId, opts.attempts ?? 3);
        return ins.rows[0];
      }
      return (await get(opts.jobId))!;
    },
    get,
    async cancel(id: string) {
      const r = await db.query(
        `update jobs set state = 'cancelled', finished_at = now() where id = $1 and state in ('waiting', 'active')`,
        [id],
      );
      controllers.get(id)?.abort();
      return r.rowCount > 0;
    },
    health: async () => ({ kind: 'inline', ok: true }),
    async close() {
      closed = true;
      for (const c of controllers.values()) c.abort();
      await chain;
    },
  };
  return self;
}
