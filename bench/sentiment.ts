/**
 * End-to-end sentiment throughput on the zh test file: raw text → language → model → label +
 * calibrated probability, in this one process (both models loaded), in batches of 1,000: with
 * `engine.score` (one thread), with aspects, with `engine.scoreAsync` (jieba on the thread pool),
 * and with an engine scoring on `--threads` worker threads (default: the cores; what
 * SENTIMENT_THREADS does in the service); prints reviews/s, accuracy and peak RSS before and after
 * the threads started. Where Debian's python3-sklearn is installed it also runs
 * ../shared/peers/sentiment_peers.py on the same files and prints the ratios.
 *
 *   npm run bench:sentiment -- --json [--data DIR] [--no-peers] [--threads N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLabelledCsv } from '../src/reviews/sentiment/data.js';
import { loadSentimentModels, type SentimentEngine } from '../src/reviews/sentiment/index.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    data: { type: 'string', default: '../shared/data/reviews/zh-online-shopping' },
    models: { type: 'string', default: 'models' },
    'no-peers': { type: 'boolean', default: false },
    passes: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const loadStart = performance.now();
const engine = await loadSentimentModels(args.models);
const loadSeconds = (performance.now() - loadStart) / 1000;
const rows = readLabelledCsv(join(args.data, 'test.csv'));
const texts = rows.map((r) => r.review);
engine.score(['预热 warm up'], {});

/**
 * Best of `passes` runs: wall-clock reviews/s, and reviews per CPU-second of this process (the
 * figure that stays put when other jobs share the cores; GC threads count against it).
 */
async function run(
  aspects: boolean,
  useAsync: boolean,
  scorer: SentimentEngine = engine,
): Promise<{ perSecond: number; perCpuSecond: number; accuracy: number }> {
  let best = 0;
  let bestCpu = 0;
  let correct = 0;
  for (let pass = 0; pass < Number(args.passes); pass++) {
    correct = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let from = 0; from < texts.length; from += 1000) {
      const batch = texts.slice(from, from + 1000);
      const scored = useAsync ? await scorer.scoreAsync(batch, { aspects }) : scorer.score(batch, { aspects });
      scored.forEach((s, i) => {
        if ((s.probability >= 0.5 ? 1 : 0) === rows[from + i]!.label) correct++;
      });
    }
    best = Math.max(best, texts.length / ((performance.now() - started) / 1000));
    const used = process.cpuUsage(cpu);
    bestCpu = Math.max(bestCpu, texts.length / ((used.user + used.system) / 1e6));
  }
  return {
    perSecond: Math.round(best),
    perCpuSecond: Math.round(bestCpu),
    accuracy: Math.round((correct / texts.length) * 1e4) / 1e4,
  };
}
const plain = await run(false, false);
const withAspects = await run(true, false);
const plainAsync = await run(false, true);
const rssOneThread = Math.round(process.resourceUsage().maxRSS / 1024);
// the same engine scoring on worker threads (as the service does with SENTIMENT_THREADS)
const threads = Number(args.threads);
const pooled = await loadSentimentModels(args.models, { threads });
await pooled.scoreAsync(texts.slice(0, 1000)); // starts the threads
const plainThreads = await run(false, true, pooled);
const aspectsThreads = await run(true, true, pooled);
await pooled.close();
const result: Record<string, unknown> = {
  n: texts.length,
  versions: engine.versions,
  reviews_per_s: plain.perSecond,
  reviews_per_cpu_s: plain.perCpuSecond,
  reviews_per_s_async: plainAsync.perSecond,
  reviews_per_s_with_aspects: withAspects.perSecond,
  threads,
  reviews_per_s_threads: plainThreads.perSecond,
  reviews_per_s_threads_with_aspects: aspectsThreads.perSecond,
  accuracy_threads: plainThreads.accuracy,
  reviews_per_cpu_s_with_aspects: withAspects.perCpuSecond,
  load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
  accuracy: plain.accuracy,
  load_s: Math.round(loadSeconds * 100) / 100,
  peak_rss_mb: rssOneThread,
  peak_rss_mb_threads: Math.round(process.resourceUsage().maxRSS / 1024),
};

const python = '/usr/bin/python3';
const peers = '../shared/peers/sentiment_peers.py';
const hasSklearn = (): boolean => {
  try {
    execFileSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!args['no-peers'] && existsSync(python) && existsSync(peers) && hasSklearn()) {
  const out = execFileSync(python, [peers, 'zh', join(args.data, 'train.csv'), join(args.data, 'test.csv')], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const peer = (name: string) => {
    const m = new RegExp(
      `^${name.replace('+', '\\+')}\\s+test\\.csv\\s+accuracy ([0-9.]+)\\s+([0-9]+) reviews/s`,
      'm',
    ).exec(out);
    return m ? { accuracy: Number(m[1]), reviews_per_s: Number(m[2]) } : null;
  };
  const tfidf = peer('tfidf+lr');
  const fasttext = peer('fasttext');
  result.peers = { 'tfidf+lr': tfidf, fasttext };
  if (tfidf) result.speed_ratio_vs_tfidf_lr = Math.round((plain.perSecond / tfidf.reviews_per_s) * 100) / 100;
  if (tfidf)
    result.speed_ratio_threads_vs_tfidf_lr = Math.round((plainThreads.perSecond / tfidf.reviews_per_s) * 100) / 100;
  if (fasttext) result.speed_ratio_vs_fasttext = Math.round((plain.perSecond / fasttext.reviews_per_s) * 100) / 100;
} else {
  result.peers = 'skipped (no /usr/bin/python3 with sklearn, or --no-peers)';
}
if (args.json) console.log(JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
