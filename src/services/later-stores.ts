/**
 * Stores of computed results that run after their request's answer is sent: a cold targets request
 * computes every forecast of a role and caches the set (src/kpi/targets.ts `StoreLater`, ≈ 20 ms of
 * database work for 10,000 people) — the answer does not wait for that. A request collects the stores
 * its computation hands over and starts them when it has answered; they run one after another, on
 * the next turn of the event loop (the route has sent by then; on PGlite, one connection, the store
 * then holds the database). What they write is a cache: a store that fails is reported and the next
 * request computes again, and a request that comes before the store has landed computes again too
 * (the same numbers, stored under the same key: no duplicate).
 */
import type { StoreLater } from '../kpi/targets.js';

export interface LaterStores {
  /** A collector for one request's stores, and `start` to run what it collected once the answer is out. */
  collect(): { storeLater: StoreLater; start(): void };
  /** Resolves once every store started so far has run (or failed); never rejects. */
  settled(): Promise<void>;
  /** Waits for the stores started (they run to their end: none is cut off by the database closing next). */
  close(): Promise<void>;
}

export function createLaterStores(onError?: (err: unknown, what: string) => void): LaterStores {
  const running = new Set<Promise<void>>();

  function start(stores: (() => Promise<void>)[]): void {
    if (stores.length === 0) return;
    const run = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const store of stores) {
        try {
          await store();
        } catch (err) {
          onError?.(err, 'storing a computed forecast set after the answer failed');
        }
      }
    };
    const done: Promise<void> = run().finally(() => running.delete(done));
    running.add(done);
  }

  async function settled(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running]);
  }

  return {
    collect() {
      const stores: (() => Promise<void>)[] = [];
      let started = false;
      return {
        storeLater: (store) => {
          // handed over after the start (a computation still running): it runs on its own
          if (started) start([store]);
          else stores.push(store);
        },
        start() {
          started = true;
          start(stores.splice(0));
        },
      };
    },
    settled,
    close: settled,
  };
}
