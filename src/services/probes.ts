/**
 * The dependency checks behind /health and /ready: the database answers a ping, the queue its
 * health. A probe polled by every load balancer and under load would otherwise put one database
 * query in front of each answer; here one check serves every probe for `maxAgeMs` (PROBE_MAX_AGE_MS),
 * and the probes that arrive while a check runs wait for that one. So an answer says what the
 * dependencies answered at most `maxAgeMs` before the request (plus the check's own time), never
 * longer: an expired reading is not served, the request waits for the next check.
 */
import type { Db } from '../db/types.js';
import type { JobQueue, QueueHealth } from '../jobs/types.js';

/** How long a dependency check answers the probes. */
export const PROBE_MAX_AGE_MS = 1000;

export interface Dependencies {
  db: { kind: string; ok: boolean };
  queue: QueueHealth;
}

export function createDependencyCheck(
  db: Pick<Db, 'kind' | 'ping'>,
  queue: Pick<JobQueue, 'health'>,
  { maxAgeMs = PROBE_MAX_AGE_MS, now = Date.now }: { maxAgeMs?: number; now?: () => number } = {},
): () => Promise<Dependencies> {
  let last: { startedAt: number; value: Dependencies } | null = null;
  let running: Promise<Dependencies> | null = null;
  const run = async (): Promise<Dependencies> => {
    const startedAt = now();
    try {
      const [ok, q] = await Promise.all([db.ping(), queue.health()]);
      const value = { db: { kind: db.kind, ok }, queue: q };
      // the reading counts from when the check started: it is never older than it says
      last = { startedAt, value };
      return value;
    } finally {
      running = null;
    }
  };
  return () => {
    if (last && now() - last.startedAt < maxAgeMs) return Promise.resolve(last.value);
    running ??= run();
    return running;
  };
}
