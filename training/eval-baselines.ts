/**
 * Evaluates the pooled baselines on a long-format panel (../shared/data/panels/*.csv):
 * one model per `group` trained on `train`, scored on `test`, next to seasonal naive from the
 * same run. Prints one JSON line with --json, a table otherwise.
 *
 *   npm run eval:baselines -- --panel ../shared/data/panels/m3-quarterly.csv --json [--seed 1] [--no-network]
 *     [--peers theta,ets,arima,snaive]   also runs ../shared/peers/forecast_peers.R (R forecast) on the same
 *                                         file when Rscript is installed, and prints our ratio to each method
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  coverage,
  forecastMany,
  mase,
  maseScale,
  msis,
  seasonalNaive,
  smape,
  trainGroupModel,
  type SeriesInput,
} from '../src/baselines/index.js';
import { readPanel, type PanelSeries } from '../src/baselines/panel.js';

const { values: args } = parseArgs({
  options: {
    panel: { type: 'string' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'no-network': { type: 'boolean', default: false },
    peers: { type: 'string' },
    group: { type: 'string' },
  },
});
if (!args.panel) {
  console.error(
    'usage: eval-baselines --panel FILE.csv [--json] [--seed N] [--no-network] [--peers METHODS] [--group NAME]',
  );
  process.exit(2);
}

interface Acc {
  smape: number[];
  mase: number[];
  in80: number;
  in95: number;
  points: number;
  msis: number[];
}
const newAcc = (): Acc => ({ smape: [], mase: [], in80: 0, in95: 0, points: 0, msis: [] });
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const r4 = (v: number) => Math.round(v * 10000) / 10000;
const summary = (a: Acc) => ({
  series: a.smape.length,
  smape: r4(mean(a.smape)),
  mase: r4(mean(a.mase)),
  coverage80: r4(a.in80 / Math.max(1, a.points)),
  coverage95: r4(a.in95 / Math.max(1, a.points)),
  msis: r4(mean(a.msis)),
});

function score(acc: Acc, s: PanelSeries, f: number[], lo80: number[], hi80: number[], lo95: number[], hi95: number[]) {
  const sc = maseScale(s.train, s.frequency);
  const n = s.test.length;
  acc.smape.push(smape(s.test, f));
  acc.mase.push(mase(s.test, f, sc));
  acc.msis.push(msis(s.test, lo95, hi95, sc));
  acc.in80 += coverage(s.test, lo80, hi80) * n;
  acc.in95 += coverage(s.test, lo95, hi95) * n;
  acc.points += n;
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

const panel = readPanel(args.panel).filter((s) => !args.group || s.group === args.group);
const groups = [...new Set(panel.map((s) => s.group))];
const total = newAcc(),
  naive = newAcc();
const perGroup: Record<string, unknown> = {};
let trainS = 0,
  predictS = 0;
let predict10k: number | undefined;
let predict10kCpu = 0;
let trainCpu = 0;
/** CPU seconds of this process (user + system): less sensitive than wall time to other load on the machine. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
for (const g of groups) {
  const members = panel.filter((s) => s.group === g);
  const H = Math.max(...members.map((s) => s.test.length));
  const inputs: SeriesInput[] = members.map((s) => ({
    id: s.id,
    values: s.train,
    periodsPerYear: s.frequency,
    ...(s.promo ? { promo: s.promo } : {}),
  }));
  const t0 = performance.now();
  const c0 = cpuNow();
  const model = await trainGroupModel(inputs, { horizon: H, seed: Number(args.seed), network: !args['no-network'] });
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
    score(acc, s, ...cols);
    score(total, s, ...cols);
    const nv = snaiveIntervals(s, s.test.length);
    score(nacc, s, nv.f, nv.lo80, nv.hi80, nv.lo95, nv.hi95);
    score(naive, s, nv.f, nv.lo80, nv.hi80, nv.lo95, nv.hi95);
  });
  perGroup[g] = {
    ...summary(acc),
    train_s: r4((t1 - t0) / 1000),
    phases: model.trainedOn.phases,
    windows: model.trainedOn.windows,
    netWeight: model.netWeight,
    backtest: {
      coverage80: r4(mean(model.backtest.coverage80.filter(Number.isFinite))),
      coverage95: r4(mean(model.backtest.coverage95.filter(Number.isFinite))),
      rawCoverage80: r4(mean(model.backtest.rawCoverage80.filter(Number.isFinite))),
      maseModel: r4(model.backtest.maseModel),
      maseClassical: r4(model.backtest.maseClassical),
    },
    snaive: summary(nacc),
  };
}

/** Runs the R forecast anchors on the same panel; null when Rscript or the forecast package is missing. */
function runPeers(methods: string): Record<string, Record<string, number>> | { error: string } {
  const script = new URL('../../shared/peers/forecast_peers.R', import.meta.url).pathname;
  let out: string;
  try {
    out = execFileSync('Rscript', [script, args.panel!, methods], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    });
  } catch (e) {
    return { error: `Rscript with the forecast package is not available (${(e as Error).message.split('\n')[0]})` };
  }
  const peersOut: Record<string, Record<string, number>> = {};
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s+n=(\d+) sMAPE=([\d.]+) MASE=([\d.]+) cov80=([\d.]+) cov95=([\d.]+) MSIS=([\d.]+)/.exec(line);
    if (m)
      peersOut[m[1]!] = {
        series: Number(m[2]),
        smape: Number(m[3]),
        mase: Number(m[4]),
        coverage80: Number(m[5]),
        coverage95: Number(m[6]),
        msis: Number(m[7]),
      };
    const t = /: (\d+) series, ([\d.]+) s/.exec(line);
    if (t) peersOut.time = { seconds: Number(t[2]) };
  }
  return peersOut;
}

let peers: unknown;
if (args.peers !== undefined) {
  const res = runPeers(args.peers === '' ? 'snaive,ets,arima,theta' : args.peers);
  if ('error' in res) peers = res;
  else {
    const ours = summary(total);
    const ratios: Record<string, { smape: number; mase: number; msis: number }> = {};
    for (const [k, v] of Object.entries(res)) {
      if (k === 'time' || !v.smape) continue;
      ratios[k] = { smape: r4(ours.smape / v.smape), mase: r4(ours.mase / v.mase!), msis: r4(ours.msis / v.msis!) };
    }
    peers = { ...res, ratio: ratios };
  }
}

const result = {
  panel: args.panel,
  ...summary(total),
  train_s: r4(trainS),
  predict_s: r4(predictS),
  predict_10k_s: r4(predict10k ?? 0),
  train_cpu_s: r4(trainCpu),
  predict_10k_cpu_s: r4(predict10kCpu),
  load: os.loadavg().map((v) => Math.round(v * 100) / 100),
  snaive: summary(naive),
  groups: perGroup,
  ...(peers !== undefined ? { peers } : {}),
};
if (args.json) console.log(JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
