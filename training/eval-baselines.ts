/**
 * Evaluates the pooled baselines on a long-format panel (../shared/data/panels/*.csv):
 * one model per `group` trained on `train`, scored on `test`, next to seasonal naive from the
 * same run. Prints one JSON line with --json, a table otherwise.
 *
 *   npm run eval:baselines -- --panel ../shared/data/panels/m3-quarterly.csv --json [--seed 1] [--no-network]
 *     [--peers [snaive,ets,arima,theta]]  also runs ../shared/peers/forecast_peers.R (R forecast) on the same
 *                                         series when Rscript is installed, in parallel with our training, and
 *                                         prints our ratio to each method (and to the best of ETS and auto.arima)
 *     [--drift] [--monotone] [--refit]  the opt-in steps (TrainOptions `drift`, `monotoneOffsets: true`, `refit`)
 *     [--no-global-ar]  leaves the global AR member out (TrainOptions `globalAr: false`)
 *     KPI_GAR_POOL=panel|extra|shrink (environment)  the global AR member fitted once on every group's series
 *                  of the same period and horizon (`fitPooledGlobalAr`), used by each group in place of its own
 *                  fit (`panel`), as the second member (`extra`) or as the prior its own fit is ridged towards
 *                  (`shrink`, KPI_GAR_POOL_SHRINK); the fit's time counts in train_s; KPI_GAR_POOL_WEIGHT=group
 *                  weighs each group's windows alike in that fit (unset: every window alike)
 *     [--mono both|upper|off]  TrainOptions `monotoneOffsets` (`--mono upper`: the upper offsets only; off by default)
 *     [--inner K]  scores a slice inside the training part instead of the test (`innerSlice`): each series'
 *                  training part cut K test horizons short, its test the next horizon — for choices that
 *                  must never look at the test part (the printed `inner` says which slice)
 *     [--min-train N]  with --inner: only the series whose cut training part has ≥ N points (`test` = the
 *                      panel's shortest training part, 48 on m3-monthly: the slice's series as long as the test's)
 *     [--steps N]  gradient steps of the pooled network (TrainOptions `steps`; default 150–300 by the data)
 *     [--spread 1]  candidate shares of the network's quantile spread (TrainOptions `spreadShares`, default
 *                   1,0.5,0 chosen on the backtest; `--spread 1` = the network's spread as before)
 *     [--peers-cache DIR]  keeps R's figures per panel part (sha-256 of the part's rows, the methods, R's and
 *                          forecast's versions) and reuses them: R's figures do not depend on this code, and
 *                          auto.arima on m3-monthly takes an hour of CPU on a loaded 2-core machine. Reused
 *                          figures are printed with `cached_from` (when they were measured).
 *
 * Without --panel it evaluates m3-monthly, m3-quarterly and walmart-weekly one after the other.
 * The seasonal part of a panel (series whose training part passes the M4 benchmark's seasonality test,
 * `m4Seasonal`: |acf at lag m| outside the 90 % band, tcrit 1.645, at least 3·m points) is reported
 * apart (`seasonal`), with the R peers run on that part alone; coverage is printed per horizon step.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  coverage,
  forecastMany,
  mase,
  maseScale,
  msis,
  seasonalNaive,
  smape,
  fitPooledGlobalAr,
  globalArPoolSetting,
  trainGroupModel,
  type PooledGlobalAr,
  type SeriesInput,
  type TrainOptions,
} from '../src/baselines/index.js';
import { m4Seasonal } from '../src/baselines/classical.js';
import { buildWindow } from '../src/baselines/features.js';
import { prepare, sampleQuantile } from '../src/baselines/model.js';
import { predictNet } from '../src/baselines/network.js';
import { K, memberForecasts, MEMBERS } from '../src/baselines/stacking.js';
import { innerSlice, readPanel, type PanelSeries } from '../src/baselines/panel.js';

// `--peers` takes an optional list of methods: a following word that is not an option is that list
const argv = process.argv.slice(2);
const pi = argv.indexOf('--peers');
let peerMethods: string | undefined;
if (pi >= 0) {
  const next = argv[pi + 1];
  peerMethods = next !== undefined && /^[a-z,]+$/.test(next) ? next : 'snaive,ets,arima,theta';
  argv.splice(pi, next !== undefined && /^[a-z,]+$/.test(next) ? 2 : 1);
}
const { values: args } = parseArgs({
  args: argv,
  options: {
    panel: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'no-network': { type: 'boolean', default: false },
    group: { type: 'string' },
    'peers-cache': { type: 'string' },
    drift: { type: 'boolean', default: false },
    monotone: { type: 'boolean', default: false },
    mono: { type: 'string' },
    refit: { type: 'boolean', default: false },
    'no-global-ar': { type: 'boolean', default: false },
    spread: { type: 'string' },
    inner: { type: 'string' },
    'min-train': { type: 'string' },
    steps: { type: 'string' },
  },
});
if (args.inner !== undefined && peerMethods !== undefined) {
  // R's script reads the panel's own split: its figures would be on the test, not on the inner slice
  console.error('--inner and --peers do not go together');
  process.exit(2);
}
const panels =
  args.panel ?? ['m3-monthly', 'm3-quarterly', 'walmart-weekly'].map((p) => `../shared/data/panels/${p}.csv`);

interface Acc {
  smape: number[];
  mase: number[];
  in80: number[];
  in95: number[];
  points: number[];
  msis: number[];
}
const newAcc = (): Acc => ({ smape: [], mase: [], in80: [], in95: [], points: [], msis: [] });
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const r4 = (v: number) => Math.round(v * 10000) / 10000;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const summary = (a: Acc, perH = false) => ({
  series: a.smape.length,
  smape: r4(mean(a.smape)),
  mase: r4(mean(a.mase)),
  coverage80: r4(sum(a.in80) / Math.max(1, sum(a.points))),
  coverage95: r4(sum(a.in95) / Math.max(1, sum(a.points))),
  msis: r4(mean(a.msis)),
  ...(perH
    ? {
        coverage80_by_h: a.points.map((n, h) => r3(a.in80[h]! / Math.max(1, n))),
        coverage95_by_h: a.points.map((n, h) => r3(a.in95[h]! / Math.max(1, n))),
      }
    : {}),
});

function score(acc: Acc, s: PanelSeries, f: number[], lo80: number[], hi80: number[], lo95: number[], hi95: number[]) {
  const sc = maseScale(s.train, s.frequency);
  acc.smape.push(smape(s.test, f));
  acc.mase.push(mase(s.test, f, sc));
  acc.msis.push(msis(s.test, lo95, hi95, sc));
  s.test.forEach((y, h) => {
    while (acc.points.length <= h) {
      acc.points.push(0);
      acc.in80.push(0);
      acc.in95.push(0);
    }
    acc.points[h]! += 1;
    if (coverage([y], [lo80[h]!], [hi80[h]!]) === 1) acc.in80[h]! += 1;
    if (coverage([y], [lo95[h]!], [hi95[h]!]) === 1) acc.in95[h]! += 1;
  });
}

/** Seasonal naive with normal intervals from its in-sample residuals (R forecast::snaive style). */
function snaiveIntervals(s: PanelSeries, h: number) {
  const m = s.train.length > s.frequency ? s.frequency : 1;
  const f = seasonalNaive(s.train, m, h);
  let ss = 0,
    c = 0;
  for (let t = m; t < s.train.length; t++) {
    ss += (s.train[t]! - s.train[t - m]!) ** 2;
    c++;
  }
  const sd = Math.sqrt(ss / Math.max(1, c));
  const band = (z: number) => f.map((_v, k) => z * sd * Math.sqrt(Math.floor(k / m) + 1));
  const b80 = band(1.2816),
    b95 = band(1.96);
  return {
    f,
    lo80: f.map((v, k) => v - b80[k]!),
    hi80: f.map((v, k) => v + b80[k]!),
    lo95: f.map((v, k) => v - b95[k]!),
    hi95: f.map((v, k) => v + b95[k]!),
  };
}

/** CPU seconds of this process (user + system): less sensitive than wall time to other load on the machine. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

type PeerFigures = Record<
  string,
  { series: number; smape: number; mase: number; coverage80: number; coverage95: number; msis: number }
>;

/** R's and the forecast package's versions (part of the cache key); rejects when either is missing. */
function rVersions(): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn('Rscript', ['-e', 'cat(R.version.string, as.character(packageVersion("forecast")))'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`Rscript exited ${code}`))));
  });
}

interface PeerRun {
  figures: PeerFigures;
  seconds: number;
  cached_from?: string;
}

/** The method lists earlier runs cached under one key; their files still answer for each method they hold. */
const CACHED_LISTS = ['snaive,ets,arima,theta', 'snaive,ets,theta'];

/**
 * `runR` through the cache directory of `--peers-cache` (when given). Figures are looked up per method: in
 * the file of the exact list asked for, else of one method alone, else of a list an earlier run cached; R
 * runs only the methods none of them holds, and each of those is stored under its own key — so auto.arima,
 * the hour-long one, can be measured once by itself (`--peers arima`) and then read with the others.
 */
async function runRCached(file: string, methods: string): Promise<PeerRun> {
  const dir = args['peers-cache'];
  if (!dir) return runR(file, methods);
  const rows = readFileSync(file);
  const versions = await rVersions();
  const at = (list: string) =>
    path.join(
      dir,
      `${createHash('sha256').update(rows).update(`\n${list}\n${versions}`).digest('hex').slice(0, 32)}.json`,
    );
  // each candidate file hashed and read once, whichever methods look in it
  const files = new Map<string, { figures: PeerFigures; seconds: number; measured_at: string } | undefined>();
  const read = (list: string) => {
    if (!files.has(list)) {
      const f = at(list);
      files.set(list, existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined);
    }
    return files.get(list);
  };
  const wanted = methods.split(',');
  const figures: PeerFigures = {};
  const from: string[] = [];
  let seconds = 0;
  for (const m of wanted) {
    const hit = [methods, m, ...CACHED_LISTS].map(read).find((c) => c?.figures[m] !== undefined);
    if (!hit) continue;
    figures[m] = hit.figures[m]!;
    from.push(hit.measured_at);
    seconds = Math.max(seconds, hit.seconds);
  }
  const missing = wanted.filter((m) => figures[m] === undefined);
  if (missing.length > 0) {
    const r = await runR(file, missing.join(','));
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    for (const m of missing) {
      if (r.figures[m] === undefined) continue; // R failed on every series for it: nothing to keep
      figures[m] = r.figures[m];
      writeFileSync(
        at(m),
        JSON.stringify({ figures: { [m]: r.figures[m] }, seconds: r.seconds, methods: m, measured_at: now }),
      );
    }
    seconds = Math.max(seconds, r.seconds);
  }
  return from.length === 0
    ? { figures, seconds }
    : { figures, seconds, cached_from: [...new Set(from)].sort().join(' / ') };
}

/** Runs forecast_peers.R on one CSV, asynchronously; rejects when Rscript or the forecast package is missing. */
function runR(file: string, methods: string): Promise<PeerRun> {
  const script = new URL('../../shared/peers/forecast_peers.R', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const child = spawn('Rscript', [script, file, methods], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(err.trim().split('\n').at(-1) ?? `Rscript exited ${code}`));
      const figures: PeerFigures = {};
      let seconds = 0;
      for (const line of out.split('\n')) {
        const m = /^(\w+)\s+n=(\d+) sMAPE=([\d.]+) MASE=([\d.]+) cov80=([\d.]+) cov95=([\d.]+) MSIS=([\d.]+)/.exec(
          line,
        );
        if (m)
          figures[m[1]!] = {
            series: Number(m[2]),
            smape: Number(m[3]),
            mase: Number(m[4]),
            coverage80: Number(m[5]),
            coverage95: Number(m[6]),
            msis: Number(m[7]),
          };
        const t = /: (\d+) series, ([\d.]+) s/.exec(line);
        if (t) seconds = Number(t[2]);
      }
      resolve({ figures, seconds });
    });
  });
}

/** Series-weighted mean of the peers' figures on disjoint parts of a panel (the script averages per series). */
function combine(parts: PeerFigures[]): PeerFigures {
  const out: PeerFigures = {};
  const methods = new Set(parts.flatMap((p) => Object.keys(p)));
  for (const k of methods) {
    const have = parts.map((p) => p[k]).filter((v) => v !== undefined);
    const n = sum(have.map((v) => v.series));
    const w = (f: (v: (typeof have)[number]) => number) => r4(sum(have.map((v) => f(v) * v.series)) / Math.max(1, n));
    out[k] = {
      series: n,
      smape: w((v) => v.smape),
      mase: w((v) => v.mase),
      coverage80: w((v) => v.coverage80),
      coverage95: w((v) => v.coverage95),
      msis: w((v) => v.msis),
    };
  }
  return out;
}

/** Our figures against each peer: ratios, and MASE against the best of ETS and auto.arima. */
function ratios(ours: ReturnType<typeof summary>, peers: PeerFigures) {
  const out: Record<string, { smape: number; mase: number; msis: number }> = {};
  for (const [k, v] of Object.entries(peers)) {
    out[k] = { smape: r4(ours.smape / v.smape), mase: r4(ours.mase / v.mase), msis: r4(ours.msis / v.msis) };
  }
  const best = Math.min(peers.ets?.mase ?? Infinity, peers.arima?.mase ?? Infinity);
  return { ...out, ...(Number.isFinite(best) ? { best_ets_arima_mase: r4(ours.mase / best) } : {}) };
}

async function evaluate(file: string) {
  const inner = Number(args.inner ?? 0);
  const read = readPanel(file).filter((s) => !args.group || s.group === args.group);
  const minTrain =
    args['min-train'] === 'test' ? Math.min(...read.map((s) => s.train.length)) : Number(args['min-train'] ?? 0);
  const panel = innerSlice(read, inner, minTrain);
  const seasonal = new Set(panel.filter((s) => m4Seasonal(s.train, s.frequency)).map((s) => s.id));
  // the R peers, started first so that they run while this process trains (on the seasonal part and
  // the rest separately: the two together are the whole panel)
  let peersRun:
    | Promise<{ whole: PeerFigures; seasonal: PeerFigures | null; seconds: number; cached_from?: string[] }>
    | undefined;
  let tmp: string | undefined;
  if (peerMethods !== undefined) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'kpi-eval-peers-'));
    const lines = readFileSync(file, 'utf8').split('\n');
    const header = lines[0]!;
    const col = header.split(',').indexOf('series');
    const keep = new Set(panel.map((s) => s.id));
    const parts: { name: string; rows: string[] }[] = [
      { name: 'seasonal', rows: [] },
      { name: 'other', rows: [] },
    ];
    for (const line of lines.slice(1)) {
      if (!line) continue;
      const id = line.split(',')[col]!;
      if (!keep.has(id)) continue;
      parts[seasonal.has(id) ? 0 : 1]!.rows.push(line);
    }
    const files = parts
      .filter((p) => p.rows.length > 0)
      .map((p) => {
        const f = path.join(tmp!, `${p.name}.csv`);
        writeFileSync(f, `${header}\n${p.rows.join('\n')}\n`);
        return { name: p.name, file: f };
      });
    const methods = peerMethods;
    peersRun = (async () => {
      const got: Record<string, PeerFigures> = {};
      let seconds = 0;
      const cachedFrom: string[] = [];
      // the parts run side by side: one R process each, so both cores work while our training waits
      const runs = await Promise.all(files.map((f) => runRCached(f.file, methods)));
      files.forEach((f, i) => {
        const r = runs[i]!;
        got[f.name] = r.figures;
        seconds += r.seconds;
        if (r.cached_from) cachedFrom.push(r.cached_from);
      });
      return {
        whole: combine(Object.values(got)),
        seasonal: got.seasonal ?? null,
        seconds,
        ...(cachedFrom.length > 0 ? { cached_from: cachedFrom } : {}),
      };
    })();
    peersRun.catch(() => {});
  }

  const groups = [...new Set(panel.map((s) => s.group))];
  const total = newAcc(),
    naive = newAcc(),
    seas = newAcc(),
    seasNaive = newAcc();
  const perGroup: Record<string, unknown> = {};
  let trainS = 0,
    predictS = 0;
  let predict10k: number | undefined;
  let predict10kCpu = 0;
  let trainCpu = 0;
  let shiftSum = 0,
    shiftN = 0;
  // each ensemble member alone on the test (MASE, mean over series), whole panel and seasonal part:
  // how much the stacking adds over its best member, and our members against R's methods
  const memberMase = { whole: new Array<number>(K).fill(0), seasonal: new Array<number>(K).fill(0) };
  let memberN = 0,
    memberSeasN = 0;
  // the second global AR member is reported only when some group trained it (else its column is Theta)
  let withAr2 = false;
  const toInputs = (ss: readonly PanelSeries[]): SeriesInput[] =>
    ss.map((s) => ({
      id: s.id,
      values: s.train,
      periodsPerYear: s.frequency,
      ...(s.promo ? { promo: s.promo } : {}),
    }));
  const horizonOf = (ss: readonly PanelSeries[]) => Math.max(...ss.map((s) => s.test.length));
  const trainOptions = (H: number): TrainOptions => ({
    horizon: H,
    seed: Number(args.seed),
    network: !args['no-network'],
    drift: args.drift,
    ...(args.monotone || args.mono !== undefined
      ? { monotoneOffsets: args.monotone || args.mono === 'both' ? true : args.mono === 'upper' ? 'upper' : false }
      : {}),
    refit: args.refit,
    ...(args['no-global-ar'] ? { globalAr: false } : {}),
    ...(args.steps ? { steps: Number(args.steps) } : {}),
    ...(args.spread ? { spreadShares: args.spread.split(',').map(Number) } : {}),
  });
  // opt-in pooling of the global AR member across groups (KPI_GAR_POOL): one fit on the series of
  // every group that shares the period and horizon, passed to each group's training (counted in train_s)
  const pooledFits = new Map<string, PooledGlobalAr | null>();
  const poolKey = (m: number, H: number) => `${m}/${H}`;
  let poolS = 0;
  if (globalArPoolSetting(trainOptions(1))) {
    const t = performance.now();
    const c = cpuNow();
    const byKey = new Map<string, { m: number; H: number; inputs: SeriesInput[]; group: string[] }>();
    for (const g of groups) {
      const members = panel.filter((s) => s.group === g);
      const H = horizonOf(members);
      const m = members[0]!.frequency;
      const k = poolKey(m, H);
      const e = byKey.get(k) ?? { m, H, inputs: [], group: [] };
      e.inputs.push(...toInputs(members));
      for (const _ of members) e.group.push(g);
      byKey.set(k, e);
    }
    // KPI_GAR_POOL_WEIGHT=group: each group's windows weigh alike in the pooled fit (a series weighs
    // series / (groups · its group's series)); unset: every window alike
    const byGroup = process.env.KPI_GAR_POOL_WEIGHT === 'group';
    if (process.env.KPI_GAR_POOL_WEIGHT && !byGroup) throw new Error('KPI_GAR_POOL_WEIGHT: group or unset');
    const groupWeights = (group: readonly string[]) => {
      const n = new Map<string, number>();
      for (const g of group) n.set(g, (n.get(g) ?? 0) + 1);
      return group.map((g) => group.length / (n.size * n.get(g)!));
    };
    for (const [k, e] of byKey)
      pooledFits.set(k, fitPooledGlobalAr(e.inputs, trainOptions(e.H), byGroup ? groupWeights(e.group) : undefined));
    poolS = (performance.now() - t) / 1000;
    trainS += poolS;
    trainCpu += cpuNow() - c;
  }
  for (const g of groups) {
    const members = panel.filter((s) => s.group === g);
    const H = horizonOf(members);
    const inputs = toInputs(members);
    const t0 = performance.now();
    const c0 = cpuNow();
    const base = trainOptions(H);
    const pooled = pooledFits.get(poolKey(members[0]!.frequency, H));
    const model = await trainGroupModel(
      inputs,
      pooled ? { ...base, globalAr: { ...(typeof base.globalAr === 'object' ? base.globalAr : {}), pooled } } : base,
    );
    const t1 = performance.now();
    trainCpu += cpuNow() - c0;
    const fc = forecastMany(model, inputs, H);
    const t2 = performance.now();
    if (predict10k === undefined) {
      // targets for 10,000 people of one role: forecast 10,000 series (this group's, repeated) with one model
      const many = Array.from({ length: 10_000 }, (_, i) => inputs[i % inputs.length]!);
      const t3 = performance.now();
      const c3 = cpuNow();
      forecastMany(model, many, H);
      predict10k = (performance.now() - t3) / 1000;
      predict10kCpu = cpuNow() - c3;
    }
    trainS += (t1 - t0) / 1000;
    predictS += (t2 - t1) / 1000;
    const acc = newAcc(),
      nacc = newAcc();
    members.forEach((s, i) => {
      const st = fc[i]!.steps.slice(0, s.test.length);
      const cols = [
        st.map((x) => x.p50),
        st.map((x) => x.lo80),
        st.map((x) => x.hi80),
        st.map((x) => x.lo95),
        st.map((x) => x.hi95),
      ] as const;
      const nv = snaiveIntervals(s, s.test.length);
      const nCols = [nv.f, nv.lo80, nv.hi80, nv.lo95, nv.hi95] as const;
      for (const a of seasonal.has(s.id) ? [acc, total, seas] : [acc, total]) score(a, s, ...cols);
      for (const a of seasonal.has(s.id) ? [nacc, naive, seasNaive] : [nacc, naive]) score(a, s, ...nCols);
    });
    // the test's error size against the backtest's, per step (median |y − p50| / noise): 1 when the
    // test period is like the backtest the offsets were fitted on, above 1 when it is harder
    const testAbs: number[][] = Array.from({ length: H }, () => []);
    members.forEach((s, i) => {
      const p = prepare(inputs[i]!);
      if (p.values.length < model.coldStart.minHistory) return;
      const noise = buildWindow(p.values, p.values.length, model.spec, p.ctx).noise;
      s.test.forEach((y, h) => testAbs[h]!.push(Math.abs(y - fc[i]!.steps[h]!.p50) / noise));
    });
    if (model.stack) {
      const Q = model.levels.length;
      const mid = model.levels.indexOf(0.5);
      const etsOpts = {
        start: model.stack.etsStart,
        iters: model.stack.etsIters,
        auto: model.stack.etsMode !== undefined,
        plain: model.stack.etsMode === 'all',
      };
      members.forEach((s, i) => {
        const p = prepare(inputs[i]!);
        const n = p.values.length;
        if (n < model.coldStart.minHistory) return;
        const w = buildWindow(p.values, n, model.spec, p.ctx);
        const out = model.net ? predictNet(model.net, w.x) : null;
        if (model.globalAr2) withAr2 = true;
        const f = memberForecasts(
          p.values,
          w,
          (h) => (out ? out[h * Q + mid]! : 0),
          s.frequency,
          H,
          true,
          etsOpts,
          undefined,
          model.globalAr,
          model.globalAr2,
        );
        const sc = maseScale(s.train, s.frequency);
        const isSeas = seasonal.has(s.id);
        for (let j = 0; j < K; j++) {
          const v = mase(
            s.test,
            s.test.map((_y, h) => f[j * H + h]!),
            sc,
          );
          memberMase.whole[j]! += v;
          if (isSeas) memberMase.seasonal[j]! += v;
        }
        memberN++;
        if (isSeas) memberSeasN++;
      });
    }
    const medianOf = (xs: number[]) => (xs.length === 0 ? Number.NaN : sampleQuantile(xs, 0.5));
    const shifts = testAbs
      .map((xs, h) => medianOf(xs) / (model.backtest.medianAbsScore?.[h] ?? Number.NaN))
      .filter(Number.isFinite);
    const errorShift = mean(shifts);
    if (Number.isFinite(errorShift)) {
      shiftSum += errorShift * members.length;
      shiftN += members.length;
    }
    const m = model as unknown as { stack?: { weights: number[][][] }; netWeight: number };
    perGroup[g] = {
      ...summary(acc),
      train_s: r4((t1 - t0) / 1000),
      error_shift: r3(errorShift),
      phases: model.trainedOn.phases,
      windows: model.trainedOn.windows,
      netWeight: m.netWeight,
      ...(m.stack ? { stack_h1: m.stack.weights.map((w) => w[0]!.map(r3)) } : {}),
      ...(model.scaleOffsets?.widen ? { widen: model.scaleOffsets.widen.map(r3) } : {}),
      spread: model.scaleOffsets?.spread ?? 1,
      ...(model.scaleOffsets?.trend !== undefined ? { trend: Math.round(model.scaleOffsets.trend * 1e5) / 1e5 } : {}),
      backtest: {
        coverage80: r4(mean(model.backtest.coverage80.filter(Number.isFinite))),
        coverage95: r4(mean(model.backtest.coverage95.filter(Number.isFinite))),
        rawCoverage80: r4(mean(model.backtest.rawCoverage80.filter(Number.isFinite))),
        coverage80_by_h: model.backtest.coverage80.map(r3),
        coverage95_by_h: model.backtest.coverage95.map(r3),
        maseModel: r4(model.backtest.maseModel),
        maseClassical: r4(model.backtest.maseClassical),
      },
      snaive: summary(nacc),
    };
  }

  let peers: unknown;
  if (peersRun) {
    const t = performance.now();
    try {
      const p = await peersRun;
      const oursWhole = summary(total);
      const oursSeas = summary(seas);
      peers = {
        seconds: p.seconds,
        ...(p.cached_from ? { cached_from: p.cached_from } : {}),
        waited_s: r4((performance.now() - t) / 1000),
        whole: p.whole,
        ratio: ratios(oursWhole, p.whole),
        ...(p.seasonal ? { seasonal: p.seasonal, seasonal_ratio: ratios(oursSeas, p.seasonal) } : {}),
      };
    } catch (e) {
      peers = { error: `Rscript with the forecast package is not available (${(e as Error).message.split('\n')[0]})` };
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  return {
    panel: file,
    ...(inner > 0 ? { inner, ...(minTrain > 0 ? { min_train: minTrain } : {}) } : {}),
    ...summary(total, true),
    error_shift: r3(shiftSum / Math.max(1, shiftN)),
    ...(memberN > 0
      ? {
          members_mase: Object.fromEntries(
            MEMBERS.map((k, j) => [k, r4(memberMase.whole[j]! / memberN)]).filter(
              ([k]) => withAr2 || k !== 'global_ar2',
            ),
          ),
          members_mase_seasonal: Object.fromEntries(
            MEMBERS.map((k, j) => [k, r4(memberMase.seasonal[j]! / Math.max(1, memberSeasN))]).filter(
              ([k]) => withAr2 || k !== 'global_ar2',
            ),
          ),
        }
      : {}),
    train_s: r4(trainS),
    ...(pooledFits.size > 0
      ? { gar_pool: { mode: globalArPoolSetting(trainOptions(1)), fit_s: r4(poolS), fits: pooledFits.size } }
      : {}),
    predict_s: r4(predictS),
    predict_10k_s: r4(predict10k ?? 0),
    train_cpu_s: r4(trainCpu),
    predict_10k_cpu_s: r4(predict10kCpu),
    load: os.loadavg().map((v) => Math.round(v * 100) / 100),
    snaive: summary(naive),
    seasonal: {
      test: 'M4 SeasonalityTest on the training part: |acf(m)| > 1.645·sqrt((1 + 2·Σ_{k<m} acf(k)²)/n), n ≥ 3m',
      ...summary(seas, true),
      snaive: summary(seasNaive),
    },
    groups: perGroup,
    ...(peers !== undefined ? { peers } : {}),
  };
}

for (const file of panels) {
  const result = await evaluate(file);
  if (args.json) console.log(JSON.stringify(result));
  else console.log(JSON.stringify(result, null, 2));
}
