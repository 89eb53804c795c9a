/**
 * `node --import tsx bench/loop-blocks.ts FILE.cpuprofile [--min 20] [--top 15]`
 *
 * What blocked a thread's event loop: reads a V8 CPU profile (`node --cpu-prof`, the main thread's is
 * the one with thread id 0 in its name; `bench:training --cpu-prof DIR` writes the server's) and prints
 * its longest runs of busy samples (no `(idle)` sample between them) of at least `--min` ms, each with
 * its start (s from the profile's start), length and the project frames (src/…) that took most of it —
 * the innermost project frame of each sample, by time. With `--from S --to S`, also the busy time of
 * that window per project function on the stack (inclusive), the largest first.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    min: { type: 'string', default: '20' },
    top: { type: 'string', default: '15' },
    /** also print the main thread's time per project function (inclusive) between these seconds */
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const prof = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const short = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const m = /\/(src|bench|node_modules\/[^/]+(?:\/[^/]+)?)\/(.*)$/.exec(url);
  return `${n.callFrame.functionName || '(anonymous)'} ${m ? `${m[1]}/${m[2]}` : url}:${n.callFrame.lineNumber + 1}`;
};
/** The innermost frame of the project (src/) on a sample's stack, else the innermost frame with a URL. */
const label = (id: number): string => {
  let fallback: string | undefined;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (n.callFrame.url.includes('/src/')) return short(n);
    if (!fallback && n.callFrame.url) fallback = short(n);
  }
  return fallback ?? byId.get(id)!.callFrame.functionName;
};
const idle = (id: number) => {
  const f = byId.get(id)!.callFrame.functionName;
  return f === '(idle)' || f === '(program)' || f === '(garbage collector)';
};

interface Block {
  start: number;
  ms: number;
  where: Map<string, number>;
}
const blocks: Block[] = [];
let t = prof.startTime;
let cur: Block | undefined;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i]! / 1000;
  t += prof.timeDeltas[i]!;
  const id = prof.samples[i]!;
  if (byId.get(id)!.callFrame.functionName === '(idle)') {
    if (cur) blocks.push(cur);
    cur = undefined;
    continue;
  }
  cur ??= { start: (t - prof.startTime) / 1e6, ms: 0, where: new Map() };
  cur.ms += dt;
  if (!idle(id)) {
    const l = label(id);
    cur.where.set(l, (cur.where.get(l) ?? 0) + dt);
  }
}
if (cur) blocks.push(cur);

const min = Number(args.min);
const long = blocks.filter((b) => b.ms >= min).sort((a, b) => b.ms - a.ms);
const total = blocks.reduce((a, b) => a + b.ms, 0);
console.log(
  `${blocks.length} busy runs, ${Math.round(total)} ms busy; ${long.length} of ≥ ${min} ms (${Math.round(long.reduce((a, b) => a + b.ms, 0))} ms)`,
);
for (const b of long.slice(0, Number(args.top))) {
  const top = [...b.where.entries()].sort((x, y) => y[1] - x[1]).slice(0, 4);
  console.log(`${b.start.toFixed(1).padStart(7)} s  ${Math.round(b.ms).toString().padStart(5)} ms`);
  for (const [where, ms] of top) console.log(`           ${Math.round(ms).toString().padStart(5)} ms  ${where}`);
}

if (args.from !== undefined || args.to !== undefined) {
  const from = Number(args.from ?? 0) * 1e6;
  const to = Number(args.to ?? Number.POSITIVE_INFINITY) * 1e6;
  const inclusive = new Map<string, number>();
  let busy = 0;
  let at = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i]!;
    const id = prof.samples[i]!;
    if (at < from || at > to || idle(id)) continue;
    const dt = prof.timeDeltas[i]! / 1000;
    busy += dt;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const key = n.callFrame.url.includes('/src/')
        ? short(n)
        : n.callFrame.url.startsWith('node:fs') || n.callFrame.url === 'node:fs'
          ? `fs ${n.callFrame.functionName}`
          : n.callFrame.url.startsWith('wasm://')
            ? 'wasm (PGlite)'
            : '';
      if (key && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
      }
    }
  }
  console.log(
    `busy ${Math.round(busy)} ms between ${args.from ?? 0} s and ${args.to ?? 'the end'}; by function (inclusive):`,
  );
  for (const [k, ms] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top) * 2))
    console.log(`${Math.round(ms).toString().padStart(7)} ms  ${k}`);
}
