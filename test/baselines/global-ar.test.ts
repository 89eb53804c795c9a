import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decompose } from '../../src/baselines/classical.js';
import {
  defaultGlobalArOptions,
  fitGlobalAr,
  fitGlobalArBag,
  globalArForecast,
} from '../../src/baselines/global-ar.js';
import {
  deserialize,
  fitPooledGlobalAr,
  forecast,
  globalArPoolSetting,
  serialize,
  trainGroupModel,
  type SeriesInput,
} from '../../src/baselines/index.js';
import { rng } from '../../src/baselines/network.js';
import { GAR, GAR2, MEMBERS } from '../../src/baselines/stacking.js';
import { gaussian, simulateGroup } from './helpers.js';

/** Monthly series of different levels and phases, multiplicative season, slow trend, 3 % noise. */
function seasonalPanel(count: number, length: number, future: number, seed: number) {
  const rand = rng(seed);
  const series: number[][] = [];
  const truth: number[][] = [];
  for (let i = 0; i < count; i++) {
    const level = 20 + 500 * rand();
    const amp = 0.1 + 0.3 * rand();
    const phase = Math.floor(12 * rand());
    const at = (t: number) => level * (1 + 0.003 * t) * (1 + amp * Math.sin((2 * Math.PI * (t + phase)) / 12));
    series.push(Array.from({ length }, (_, t) => at(t) * (1 + 0.03 * gaussian(rand))));
    truth.push(Array.from({ length: future }, (_, h) => at(length + h)));
  }
  return { series, truth };
}

describe('global AR member', () => {
  it('fits a seasonal panel well, with or without deseasonalising, never seeing targets past `ends`', () => {
    const H = 12;
    const { series, truth } = seasonalPanel(120, 72, H, 5);
    for (const deseason of [true, false]) {
      const opts = { ...defaultGlobalArOptions(12, H), deseason };
      const decs = deseason ? series.map((v) => decompose(v, 12)) : null;
      const w = fitGlobalAr(
        series,
        series.map((v) => v.length),
        decs,
        12,
        H,
        opts,
      )!;
      expect(w.coef).toHaveLength(H);
      expect(w.coef[0]).toHaveLength(w.L + 1);
      let err = 0;
      series.forEach((v, i) => {
        const f = globalArForecast(w, v, decs ? decs[i]! : null);
        for (let h = 0; h < H; h++) err += Math.abs(f[h]! - truth[i]![h]!) / truth[i]![h]!;
      });
      // the noise alone is 3 %: the pooled fit follows level, season and trend
      expect(err / (series.length * H)).toBeLessThan(0.05);
    }
    // the backtest's fit: values at and after `ends` change nothing
    const ends = series.map((v) => v.length - H);
    const cut = series.map((v, i) => v.slice(0, ends[i]));
    const noisy = series.map((v, i) => v.map((x, t) => (t >= ends[i]! ? x * 10 : x)));
    const opts = defaultGlobalArOptions(12, H);
    const a = fitGlobalAr(noisy, ends, null, 12, H, opts)!;
    const b = fitGlobalAr(cut, ends, null, 12, H, opts)!;
    expect(a.coef).toEqual(b.coef);
    // too few windows for the lags: no member
    expect(fitGlobalAr([series[0]!.slice(0, 10)], [10], null, 12, H, opts)).toBeNull();
  });

  it('is a stacking member of a trained model, round-trips, and old models forecast as before', async () => {
    const H = 6;
    const { series: values } = seasonalPanel(120, 60, 0, 8);
    const series: SeriesInput[] = values.map((v, i) => ({ id: `m${i}`, values: v, periodsPerYear: 12 }));
    const model = await trainGroupModel(series, { horizon: H, seed: 1, network: false });
    expect(model.stack!.members).toEqual([...MEMBERS]);
    expect(model.stack!.members[GAR]).toBe('global_ar');
    expect(model.globalAr?.coef).toHaveLength(H);
    expect(model.stack!.weights[1]![0]).toHaveLength(MEMBERS.length);
    const back = deserialize(serialize(model));
    expect(back.globalAr).toEqual(model.globalAr);
    expect(forecast(back, series[7]!)).toEqual(forecast(model, series[7]!));

    // left out: no stored member, weight 0
    const without = await trainGroupModel(series, { horizon: H, seed: 1, network: false, globalAr: false });
    expect(without.globalAr).toBeUndefined();
    for (const rows of without.stack!.weights) for (const row of rows) expect(row[GAR]).toBe(0);
    // the second member (opt-in) is not trained by default: weight 0, not stored
    expect(model.globalAr2).toBeUndefined();
    for (const rows of model.stack!.weights) for (const row of rows) expect(row[GAR2]).toBe(0);
    // opted in: the first's settings with the other deseasonalisation, three seasons of lags
    const both = await trainGroupModel(series, {
      horizon: H,
      seed: 1,
      network: false,
      globalAr: { second: true, seasons: 3 },
    });
    expect(both.stack!.members[GAR2]).toBe('global_ar2');
    expect(both.globalAr?.deseason).toBe(false);
    expect(both.globalAr2?.deseason).toBe(true);
    // three seasons bagged with the default 3–5: one table over 60 lags
    expect(both.globalAr?.lookbacks).toEqual([36, 48, 60]);
    expect(both.globalAr2?.lookbacks).toEqual([36, 48, 60]);
    expect(both.globalAr?.L).toBe(60);
    const both2 = deserialize(serialize(both));
    expect(forecast(both2, series[3]!)).toEqual(forecast(both, series[3]!));

    // a model stored with fewer members (rows of six, no `globalAr`) reads its own members only
    const old = JSON.parse(
      readFileSync(new URL('../fixtures/baselines/forecast-model-classical.json', import.meta.url), 'utf8'),
    ) as { stack: { weights: number[][][] } };
    expect(old.stack.weights[0]![0]!.length).toBeLessThan(MEMBERS.length);
    const oldModel = deserialize(JSON.stringify(old));
    expect(oldModel.globalAr).toBeUndefined();
    const { series: quarterly } = simulateGroup(80, 30, 0, 3);
    const qv = quarterly.map((q) => q.values);
    const { m, H: qH } = oldModel.spec;
    const ar = fitGlobalAr(
      qv,
      qv.map((v) => v.length),
      null,
      m,
      qH,
      defaultGlobalArOptions(m, qH),
    )!;
    // an AR stored beside rows without its column is not read either
    const withAr = { ...oldModel, globalAr: ar };
    for (const q of quarterly.slice(0, 5)) expect(forecast(withAr, q)).toEqual(forecast(oldModel, q));
  }, 120_000);
  it('bags lookbacks (the mean of its parts) and takes logs of all-positive groups only; without either, as before', async () => {
    const H = 6;
    const { series } = seasonalPanel(80, 72, 0, 11);
    const ends = series.map((v) => v.length);
    const opts = defaultGlobalArOptions(12, H);
    const one = fitGlobalAr(series, ends, null, 12, H, opts)!;
    // no other window length: the single fit itself
    expect(fitGlobalArBag(series, ends, null, 12, H, opts, [48, 48])).toEqual(one);
    // linear windows: the parts combined into one table over the longest window (60 lags), whose
    // forecast is the mean of the separate fits' forecasts
    const bagged = fitGlobalArBag(series, ends, null, 12, H, opts, [24, 36, 48, 60])!;
    expect(bagged.bag).toBeUndefined();
    expect(bagged.lookbacks).toEqual([48, 24, 36, 60]);
    expect(bagged.L).toBe(60);
    expect(bagged.coef[0]).toHaveLength(61);
    const parts = [24, 36, 48, 60].map((L) => fitGlobalAr(series, ends, null, 12, H, { ...opts, L })!);
    // log windows keep the parts apart (the mean of exps is no one table), and average them the same way
    const logBag = fitGlobalArBag(series, ends, null, 12, H, { ...opts, log: true }, [24, 36, 60])!;
    expect(logBag.bag!.map((b) => b.L)).toEqual([24, 36, 60]);
    const logParts = [48, 24, 36, 60].map((L) => fitGlobalAr(series, ends, null, 12, H, { ...opts, L, log: true })!);
    for (const v of [...series.slice(0, 5), series[6]!.slice(0, 30), series[7]!.slice(0, 5)]) {
      for (const [w, ps] of [
        [bagged, parts],
        [logBag, logParts],
      ] as const) {
        const each = ps.map((p) => Array.from(globalArForecast(p, v, null)));
        const f = globalArForecast(w, v, null);
        for (let h = 0; h < H; h++) expect(f[h]).toBeCloseTo(each.reduce((a, p) => a + p[h]!, 0) / each.length, 8);
      }
    }
    // log windows: only when every fitted value is positive, and the forecasts stay close
    const lg = fitGlobalAr(series, ends, null, 12, H, { ...opts, log: true })!;
    expect(lg.log).toBe(true);
    expect(one.log).toBeUndefined();
    const a = globalArForecast(lg, series[2]!, null);
    const b = globalArForecast(one, series[2]!, null);
    for (let h = 0; h < H; h++) expect(Math.abs(a[h]! / b[h]! - 1)).toBeLessThan(0.05);
    const withZero = series.map((v, i) => (i === 0 ? v.map((x, t) => (t === 30 ? 0 : x)) : v));
    expect(fitGlobalAr(withZero, ends, null, 12, H, { ...opts, log: true })!.log).toBeUndefined();

    // the default bags 3–5 seasons (36, 48, 60 lags), linear windows; log windows opted in; both round-trip;
    // `bagSeasons: []` stores no bag
    const input: SeriesInput[] = series.map((v, i) => ({ id: `b${i}`, values: v, periodsPerYear: 12 }));
    const model = await trainGroupModel(input, { horizon: H, seed: 1, network: false });
    expect(model.globalAr!.L).toBe(60);
    expect(model.globalAr!.lookbacks).toEqual([48, 36, 60]);
    expect(model.globalAr!.bag).toBeUndefined();
    expect(model.globalAr!.log).toBeUndefined();
    expect(model.globalAr!.seasonal).toBeUndefined();
    const logged = await trainGroupModel(input, {
      horizon: H,
      seed: 1,
      network: false,
      globalAr: { bagSeasons: [2, 3, 4, 5], log: true },
    });
    expect(logged.globalAr!.bag!.map((b) => b.L)).toEqual([24, 36, 60]);
    expect(logged.globalAr!.log).toBe(true);
    const back = deserialize(serialize(logged));
    expect(forecast(back, input[4]!)).toEqual(forecast(logged, input[4]!));
    const plain = await trainGroupModel(input, { horizon: H, seed: 1, network: false, globalAr: { bagSeasons: [] } });
    expect(plain.globalAr!.bag).toBeUndefined();
    expect(plain.globalAr!.lookbacks).toBeUndefined();
    expect(plain.globalAr!.L).toBe(48);
    expect(plain.globalAr!.log).toBeUndefined();

    // the seasonal series' own fit forecasts the histories that test seasonal, the group's fit the others
    const flat = seasonalPanel(40, 72, 0, 12).series.map((v) => v.map((x, t) => 100 + 0.1 * t + (x % 3)));
    const mixed: SeriesInput[] = [...series, ...flat].map((v, i) => ({ id: `s${i}`, values: v, periodsPerYear: 12 }));
    const split = await trainGroupModel(mixed, { horizon: H, seed: 1, network: false, globalAr: { split: true } });
    const own = split.globalAr!.seasonal!;
    expect(own.coef).toHaveLength(H);
    expect(own.coef).not.toEqual(split.globalAr!.coef);
    const v = series[1]!;
    const d = decompose(v, 12);
    expect(d.seasonal).toBe(true);
    expect(globalArForecast(split.globalAr!, v, d)).toEqual(globalArForecast(own, v, d));
    const { seasonal: _, ...group } = split.globalAr!;
    const none = { ...d, seasonal: false };
    expect(globalArForecast(split.globalAr!, v, none)).toEqual(globalArForecast(group, v, none));
    expect(deserialize(serialize(split)).globalAr).toEqual(split.globalAr);
  }, 120_000);

  it('pools across groups when asked: the panel-level fit in place of the group fit or beside it, stored in the model', async () => {
    const H = 6;
    const toInputs = (vs: number[][], tag: string): SeriesInput[] =>
      vs.map((v, i) => ({ id: `${tag}${i}`, values: v, periodsPerYear: 12 }));
    const a = toInputs(seasonalPanel(50, 84, 0, 21).series, 'a');
    const b = toInputs(seasonalPanel(70, 72, 0, 22).series, 'b');
    const opts = { horizon: H, seed: 1, network: false } as const;
    const pooled = fitPooledGlobalAr([...a, ...b], opts)!;
    expect(pooled).toMatchObject({ m: 12, H, series: 120 });
    // the default bag over all series' windows; the backtest's fit never sees a series' last H periods
    expect(pooled.final.lookbacks).toEqual([48, 36, 60]);
    const ends = [...a, ...b].map((s) => s.values.length - H);
    expect(pooled.back).toEqual(
      fitGlobalArBag(
        [...a, ...b].map((s) => s.values),
        ends,
        null,
        12,
        H,
        defaultGlobalArOptions(12, H),
        [36, 48, 60],
      ),
    );
    const late = b.map((s) => ({ ...s, values: s.values.map((x, t) => (t >= s.values.length - H ? 10 * x : x)) }));
    expect(fitPooledGlobalAr([...a, ...late], opts)!.back).toEqual(pooled.back);
    expect(fitPooledGlobalAr([...a, ...late], opts)!.final).not.toEqual(pooled.final);
    // a weight per series (eval's KPI_GAR_POOL_WEIGHT=group): alike for all = the unweighted fit (the
    // ridge is relative to the normal equations' trace); b's windows weighted up = nearer b's own fit
    const gap = (x: number[][], y: number[][]) =>
      Math.hypot(...x.flatMap((row, h) => row.map((v, j) => v - y[h]![j]!)));
    const alike = fitPooledGlobalAr([...a, ...b], opts, Array(120).fill(3))!;
    expect(gap(alike.final.coef, pooled.final.coef)).toBeLessThan(1e-8);
    const bOwn = fitPooledGlobalAr(b, opts)!;
    const towardsB = fitPooledGlobalAr([...a, ...b], opts, [...Array(50).fill(0.01), ...Array(70).fill(1)])!;
    expect(gap(towardsB.final.coef, bOwn.final.coef)).toBeLessThan(0.5 * gap(pooled.final.coef, bOwn.final.coef));
    // its own bag (up to 96 lags)
    expect(fitPooledGlobalAr(b, { ...opts, globalAr: { poolBagSeasons: [4, 8] } })!.final.lookbacks).toEqual([48, 96]);
    expect(fitPooledGlobalAr(a, { ...opts, globalAr: false })).toBeNull();
    expect(globalArPoolSetting(opts)).toBe(process.env.KPI_GAR_POOL ? process.env.KPI_GAR_POOL : false);

    const own = await trainGroupModel(a, { ...opts, globalAr: { pool: false } });
    expect(own.globalAr!.lookbacks).toEqual([48, 36, 60]);
    // 'panel': the group forecasts with the panel's fit, which the model stores
    const panel = await trainGroupModel(a, { ...opts, globalAr: { pool: 'panel', pooled } });
    expect(panel.globalAr).toEqual(pooled.final);
    expect(panel.globalAr2).toBeUndefined();
    expect(panel.globalAr).not.toEqual(own.globalAr);
    // 'extra': the group's own fit stays, the panel's is the second member
    const extra = await trainGroupModel(a, { ...opts, globalAr: { pool: 'extra', pooled } });
    expect(extra.globalAr).toEqual(own.globalAr);
    expect(extra.globalAr2).toEqual(pooled.final);
    expect(extra.stack!.members[GAR2]).toBe('global_ar2');
    const back = deserialize(serialize(extra));
    expect(forecast(back, a[3]!)).toEqual(forecast(extra, a[3]!));
    expect(deserialize(serialize(panel)).globalAr).toEqual(pooled.final);
    // a fit of another horizon, no fit, or pooling off: the group's own member, as before
    const other = fitPooledGlobalAr([...a, ...b], { ...opts, horizon: 4 })!;
    const mismatch = await trainGroupModel(a, { ...opts, globalAr: { pool: 'panel', pooled: other } });
    expect(mismatch.globalAr).toEqual(own.globalAr);
    const off = await trainGroupModel(a, { ...opts, globalAr: { pooled } });
    if (!process.env.KPI_GAR_POOL) expect(off.globalAr).toEqual(own.globalAr);
    expect(forecast(mismatch, a[5]!)).toEqual(forecast(own, a[5]!));

    // 'shrink': the group's own bag, each lookback ridged towards the panel's of its length — between
    // the two, the panel's as the ridge grows; stored as the group's fit
    expect(pooled.backParts!.map((q) => q.L)).toEqual([48, 36, 60]);
    const shrunk = (poolShrink: number) =>
      trainGroupModel(a, { ...opts, globalAr: { pool: 'shrink', pooled, poolShrink } });
    const none = await shrunk(0);
    expect(none.globalAr).toEqual(own.globalAr);
    const dist = (x: number[][], y: number[][]) =>
      Math.hypot(...x.flatMap((row, h) => row.map((v, j) => v - y[h]![j]!)));
    const mid = await shrunk(0.1);
    const far = await shrunk(1e4);
    expect(mid.globalAr!.lookbacks).toEqual([48, 36, 60]);
    expect(mid.globalAr2).toBeUndefined();
    const dOwn = dist(own.globalAr!.coef, pooled.final.coef);
    expect(dist(mid.globalAr!.coef, pooled.final.coef)).toBeLessThan(dOwn);
    expect(dist(far.globalAr!.coef, pooled.final.coef)).toBeLessThan(0.01 * dOwn);
    expect(deserialize(serialize(mid)).globalAr).toEqual(mid.globalAr);
  }, 120_000);
  it('seasonally differenced windows (opt-in sdiff): seasonal naive plus a predicted difference, no leak, bag, round-trip', async () => {
    const H = 12;
    const { series, truth } = seasonalPanel(120, 72, H, 5);
    const ends = series.map((v) => v.length);
    const opts = { ...defaultGlobalArOptions(12, H), L: 24, sdiff: true };
    const w = fitGlobalAr(series, ends, null, 12, H, opts)!;
    expect(w.sdiff).toBe(true);
    expect(w.dlags).toBeUndefined();
    expect(w.coef[0]).toHaveLength(25);
    let err = 0;
    let errSn = 0;
    series.forEach((v, i) => {
      const f = globalArForecast(w, v, null);
      for (let h = 0; h < H; h++) {
        err += Math.abs(f[h]! - truth[i]![h]!) / truth[i]![h]!;
        errSn += Math.abs(v[v.length - 12 + h]! - truth[i]![h]!) / truth[i]![h]!;
      }
    });
    // the noise alone is 3 %: better than seasonal naive (which misses the trend and repeats one year's noise)
    expect(err / (series.length * H)).toBeLessThan(0.05);
    expect(err).toBeLessThan(errSn);
    // all coefficients 0: the forecast is seasonal naive
    const zero = { ...w, coef: w.coef.map((r) => r.map(() => 0)) };
    const v0 = series[3]!;
    expect(Array.from(globalArForecast(zero, v0, null))).toEqual(v0.slice(-12));
    const logged = globalArForecast({ ...zero, log: true }, v0, null);
    for (let h = 0; h < 12; h++) expect(logged[h]! / v0[60 + h]!).toBeCloseTo(1, 10);
    // the backtest's fit: values at and after `ends` change nothing (with first differences and logs too)
    const cut = series.map((v) => v.length - H);
    const noisy = series.map((v, i) => v.map((x, t) => (t >= cut[i]! ? x * 10 : x)));
    for (const o of [opts, { ...opts, dlags: 3, log: true }]) {
      const a = fitGlobalAr(noisy, cut, null, 12, H, o)!;
      const b = fitGlobalAr(
        series.map((v, i) => v.slice(0, cut[i])),
        cut,
        null,
        12,
        H,
        o,
      )!;
      expect(a.coef).toEqual(b.coef);
    }
    // bagged: linear windows without first differences combine into one table; with them the parts stay apart
    const parts = [12, 24, 36].map((L) => fitGlobalAr(series, ends, null, 12, H, { ...opts, L })!);
    const one = fitGlobalArBag(series, ends, null, 12, H, { ...opts, L: 36 }, [12, 24, 36])!;
    expect(one.bag).toBeUndefined();
    expect(one.L).toBe(36);
    const dOpts = { ...opts, L: 36, dlags: 3 };
    const apart = fitGlobalArBag(series, ends, null, 12, H, dOpts, [12, 24, 36])!;
    expect(apart.bag!.map((b) => b.L)).toEqual([12, 24]);
    const dParts = [36, 12, 24].map((L) => fitGlobalAr(series, ends, null, 12, H, { ...dOpts, L })!);
    for (const v of [series[0]!, series[5]!.slice(0, 30), series[6]!.slice(0, 14), series[7]!.slice(0, 5)]) {
      for (const [b, ps] of [
        [one, parts],
        [apart, dParts],
      ] as const) {
        const each = ps.map((p) => Array.from(globalArForecast(p, v, null)));
        const f = globalArForecast(b, v, null);
        for (let h = 0; h < H; h++) {
          expect(Number.isFinite(f[h])).toBe(true);
          expect(f[h]).toBeCloseTo(each.reduce((a, p) => a + p[h]!, 0) / each.length, 8);
        }
      }
    }

    // a trained model: the second member's slot, stored as `globalAr2`, round-trips; not with `second`
    const input: SeriesInput[] = series.map((v, i) => ({ id: `s${i}`, values: v, periodsPerYear: 12 }));
    const model = await trainGroupModel(input, {
      horizon: 6,
      seed: 1,
      network: false,
      globalAr: { sdiff: 'log', sdiffDiffs: 2 },
    });
    expect(model.globalAr2!.sdiff).toBe(true);
    expect(model.globalAr2!.log).toBe(true);
    expect(model.globalAr2!.dlags).toBe(2);
    expect(model.globalAr2!.bag!.map((b) => b.L)).toEqual([12, 24]);
    expect(model.globalAr!.sdiff).toBeUndefined();
    expect(model.stack!.weights.some((rows) => rows.some((r) => r[GAR2]! > 0))).toBe(true);
    const back = deserialize(serialize(model));
    for (const q of input.slice(0, 4)) expect(forecast(back, q)).toEqual(forecast(model, q));
    await expect(
      trainGroupModel(input, { horizon: 6, seed: 1, network: false, globalAr: { sdiff: true, second: true } }),
    ).rejects.toThrow(/KPI_GAR_SDIFF/);
  }, 120_000);
});
