/**
 * Preloaded into the server by `bench:training` (`node --import ./bench/loop-monitor.ts`): watches the
 * main thread's event loop and appends what it saw to `LOOP_MONITOR_FILE`, one JSON line per second:
 * `{ t, p99, max, blocks }` — the delay histogram of `perf_hooks.monitorEventLoopDelay` over that
 * second (ms) and every block ≥ `LOOP_MONITOR_MIN_MS` (default 20 ms) as `[end epoch ms, ms]`, seen
 * by a 5 ms timer that arrived late. The bench groups the lines by phase and prints the longest blocks;
 * what ran in them: `--cpu-prof` (the server's main-thread profile, read by bench/loop-blocks.ts).
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.LOOP_MONITOR_FILE;
if (file) {
  const minMs = Number(process.env.LOOP_MONITOR_MIN_MS ?? 20);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let blocks: [number, number][] = [];
  const TICK = 5;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK;
    if (late >= minMs) blocks.push([Date.now(), Math.round(late)]);
    last = now;
  }, TICK);
  tick.unref();
  const flush = () => {
    const line = {
      t: Date.now(),
      p99: Math.round(h.percentile(99) / 1e4) / 100,
      max: Math.round(h.max / 1e4) / 100,
      blocks,
    };
    blocks = [];
    h.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  setInterval(flush, 1000).unref();
  process.once('exit', flush);
}
