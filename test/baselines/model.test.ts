import { describe, it, expect } from 'vitest';
import {
  BaselineInputError,
  deserialize,
  forecast,
  forecastMany,
  serialize,
  trainGroupModel,
} from '../../src/baselines/index.js';
import { conformalQuantile, enforceMonotone } from '../../src/baselines/calibration.js';
import { decompose } from '../../src/baselines/classical.js';
import { rng } from '../../src/baselines/network.js';
import type { SeriesInput } from '../../src/baselines/index.js';
import { gaussian, simulateGroup } from './helpers.js';

const H = 4;

describe('pooled group model', () => {
  it('holds the stated coverage on held-out simulated data (±3 points)', async () => {
    const { series, futures } = simulateGroup(400, 28, H, 11);
    const model = await trainGroupModel(series, { horizon: H, seed: 3, steps: 150 });
    const fc = forecastMany(model, series, H);
    let in80 = 0,
      in95 = 0,
      n = 0;
    fc.forEach((f, i) =>
      f.steps.forEach((s, h) => {
        const y = futures[i]![h]!;
        if (y >= s.lo80 && y <= s.hi80) in80++;
        if (y >= s.lo95 && y <= s.hi95) in95++;
        n++;
      }),
    );
    expect(in80 / n).toBeGreaterThan(0.77);
    expect(in80 / n).toBeLessThan(0.83);
    expect(in95 / n).toBeGreaterThan(0.92);
    expect(in95 / n).toBeLessThan(0.98);
    // the measured backtest coverage is stored with the model
    expect(model.backtest.coverage80.length).toBe(H);
    expect(model.backtest.coverage80[0]).toBeGreaterThan(0.7);
  }, 120_000);

  it('outputs non-crossing quantiles and a cold-start answer', async () => {
    const { series } = simulateGroup(60, 16, 0, 5);
    const model = await trainGroupModel(series, { horizon: H, seed: 1, steps: 50 });
    for (const f of forecastMany(model, series)) {
      expect(f.coldStart).toBe(false);
      for (const s of f.steps) {
        const q = Object.entries(s.quantiles)
          .sort((a, b) => Number(a[0]) - Number(b[0]))
          .map(([, v]) => v);
        for (let i = 1; i < q.length; i++) expect(q[i]!).toBeGreaterThanOrEqual(q[i - 1]!);
        expect(s.lo95).toBeLessThanOrEqual(s.lo80);
        expect(s.hi95).toBeGreaterThanOrEqual(s.hi80);
        const d = s.drivers;
        expect(d.level + d.trend + d.seasonality + d.promotion + d.other).toBeCloseTo(s.p50, 6);
      }
    }
    const fresh = forecast(model, { id: 'new', values: [], periodsPerYear: 4 });
    expect(fresh.coldStart).toBe(true);
    expect(fresh.steps).toHaveLength(H);
    expect(fresh.steps[0]!.p10).toBeLessThan(fresh.steps[0]!.p90);
    const few = forecast(model, { id: 'few', values: [1000, 1010], periodsPerYear: 4 });
    expect(few.coldStart).toBe(true);
    expect(few.steps[0]!.p50).toBeGreaterThan(500);
    expect(few.steps[0]!.p50).toBeLessThan(2000);
  }, 60_000);

  it('round-trips through serialize/deserialize with identical forecasts', async () => {
    const { series } = simulateGroup(40, 20, 0, 9);
    const model = await trainGroupModel(series, { horizon: H, seed: 2, steps: 30 });
    const back = deserialize(serialize(model));
    expect(forecast(back, series[0]!)).toEqual(forecast(model, series[0]!));
    expect(() => deserialize('{"kind":"other"}')).toThrow(BaselineInputError);
    expect(() => deserialize('not json')).toThrow(BaselineInputError);
  }, 60_000);

  it('answers bad input with named errors and copes with gaps, constants and negatives', async () => {
    await expect(trainGroupModel([], { horizon: 4 })).rejects.toThrow(BaselineInputError);
    await expect(trainGroupModel([{ id: 'a', values: [1, 2, 3], periodsPerYear: 4 }], { horizon: 0 })).rejects.toThrow(
      BaselineInputError,
    );
    const odd = [
      { id: 'gaps', values: [10, Number.NaN, 12, 13, Number.NaN, 15, 16, 17, 18, 19], periodsPerYear: 4 },
      { id: 'const', values: Array(12).fill(7), periodsPerYear: 4 },
      { id: 'neg', values: Array.from({ length: 12 }, (_, t) => -20 + 3 * t), periodsPerYear: 4 },
      { id: 'zero', values: Array(12).fill(0), periodsPerYear: 4 },
    ];
    const model = await trainGroupModel(odd, { horizon: 2, seed: 1 });
    for (const f of forecastMany(model, odd))
      for (const s of f.steps) expect(Object.values(s.quantiles).every(Number.isFinite)).toBe(true);
    expect(forecast(model, odd[1]!).steps[0]!.p50).toBeCloseTo(7, 6);
    expect(() => forecast(model, odd[0]!, 5)).toThrow(BaselineInputError);
  }, 60_000);
});

describe('the network the forecasts use', () => {
  it('is refitted, when asked, on windows reaching the end of each series, the calibration unchanged', async () => {
    const { series } = simulateGroup(80, 24, 0, 13);
    const stale = await trainGroupModel(series, { horizon: H, seed: 4, steps: 40 });
    const fresh = await trainGroupModel(series, { horizon: H, seed: 4, steps: 40, refit: true });
    // the backtest (and so the offsets, stacking weights and measured coverage) used the network that
    // never saw the last H periods; only the forecasts' network differs
    expect(fresh.scaleOffsets).toEqual(stale.scaleOffsets);
    expect(fresh.stack).toEqual(stale.stack);
    expect(fresh.backtest).toEqual(stale.backtest);
    expect(fresh.trainedOn.refitWindows).toBeGreaterThan(stale.trainedOn.windows);
    expect(stale.trainedOn.refitWindows).toBe(0);
    expect(fresh.net!.layers[0]!.w).not.toEqual(stale.net!.layers[0]!.w);
    const a = forecast(fresh, series[0]!);
    const b = forecast(stale, series[0]!);
    expect(a.steps.map((s) => s.p50)).not.toEqual(b.steps.map((s) => s.p50));
    for (const s of a.steps) expect(Number.isFinite(s.p50) && s.lo80 <= s.p50 && s.p50 <= s.hi80).toBe(true);
  }, 120_000);
});

describe("the network's spread around the median", () => {
  it('is chosen among the candidate shares, stored, applied at forecast time and read as 1 when absent', async () => {
    const { series } = simulateGroup(80, 24, 0, 17);
    const chosen = await trainGroupModel(series, { horizon: H, seed: 5, steps: 40 });
    expect([1, 0.5, 0]).toContain(chosen.scaleOffsets!.spread);
    const kept = await trainGroupModel(series, { horizon: H, seed: 5, steps: 40, spreadShares: [1] });
    expect(kept.scaleOffsets!.spread).toBe(1);
    // the median does not depend on the spread; a model stored before the field forecasts as with 1
    const half = await trainGroupModel(series, { horizon: H, seed: 5, steps: 40, spreadShares: [0.5] });
    expect(half.scaleOffsets!.spread).toBe(0.5);
    expect(forecast(half, series[0]!).steps.map((s) => s.p50)).toEqual(
      forecast(kept, series[0]!).steps.map((s) => s.p50),
    );
    const old = deserialize(serialize(kept));
    delete old.scaleOffsets!.spread;
    expect(forecast(old, series[1]!)).toEqual(forecast(kept, series[1]!));
    const zero = deserialize(serialize(kept));
    zero.scaleOffsets!.spread = 0;
    const z = forecast(zero, series[1]!).steps;
    const k = forecast(kept, series[1]!).steps;
    expect(z.map((s) => s.p50)).toEqual(k.map((s) => s.p50));
    expect(z.map((s) => s.hi80)).not.toEqual(k.map((s) => s.hi80));
  }, 120_000);
});

describe('seasonality bins', () => {
  it('offsets per bin are stored in cells of their own, read by the history it forecasts from; absent = as before', async () => {
    const { series } = simulateGroup(80, 24, 0, 17);
    const opts = { horizon: H, seed: 5, network: false } as const;
    const base = await trainGroupModel(series, opts);
    expect(base.scaleOffsets!.seasonal).toBeUndefined();
    const cross = await trainGroupModel(series, { ...opts, seasonOffsets: 'cross' });
    const so = cross.scaleOffsets!;
    expect(so.seasonal).toBe(true);
    expect(so.offsets).toHaveLength(2 * (so.cuts.length + 1));
    expect(so.cuts).toEqual(base.scaleOffsets!.cuts);
    const only = await trainGroupModel(series, { ...opts, seasonOffsets: 'only' });
    expect(only.scaleOffsets!.cuts).toEqual([]);
    expect(only.scaleOffsets!.offsets).toHaveLength(2);
    // the medians do not move; each series reads its own bin's cells
    const seas = series.filter((s) => decompose(s.values, 4).seasonal);
    const flat = series.filter((s) => !decompose(s.values, 4).seasonal);
    expect(seas.length).toBeGreaterThan(0);
    expect(flat.length).toBeGreaterThan(0);
    for (const s of series.slice(0, 10))
      expect(forecast(cross, s).steps.map((x) => x.p50)).toEqual(forecast(base, s).steps.map((x) => x.p50));
    const B = so.cuts.length + 1;
    const swapped = deserialize(serialize(cross));
    swapped.scaleOffsets!.offsets = [...so.offsets.slice(0, B), ...so.offsets.slice(0, B)];
    expect(forecast(swapped, flat[0]!)).toEqual(forecast(cross, flat[0]!));
    expect(forecast(swapped, seas[0]!)).not.toEqual(forecast(cross, seas[0]!));
    // without the field the first cells are read, as a model stored before it did
    delete swapped.scaleOffsets!.seasonal;
    const plain = deserialize(serialize(base));
    plain.scaleOffsets!.offsets = so.offsets.slice(0, B);
    expect(forecast(swapped, seas[0]!).steps).toEqual(forecast(plain, seas[0]!).steps);
  }, 120_000);

  it("stacking rows: 'pool' shares one set for both bins, 'split' is the default, 'strength' keeps a third set", async () => {
    const { series } = simulateGroup(80, 24, 0, 17);
    const opts = { horizon: H, seed: 5, network: false } as const;
    const pool = await trainGroupModel(series, { ...opts, stackSeason: 'pool' });
    expect(pool.stack!.weights[0]).toEqual(pool.stack!.weights[1]);
    const split = await trainGroupModel(series, { ...opts, stackSeason: 'split' });
    expect(split.stack!.weights).toEqual((await trainGroupModel(series, opts)).stack!.weights);
    const strength = await trainGroupModel(series, { ...opts, stackSeason: 'strength' });
    expect(strength.stack!.weights).toHaveLength(3);
    expect(strength.stack!.strengthCut).toBeGreaterThan(1.645);
    expect(split.stack!.strengthCut).toBeUndefined();
    for (const s of series.slice(0, 5)) expect(forecast(strength, s).steps.every((x) => x.lo95 <= x.hi95)).toBe(true);
    const shrink = await trainGroupModel(series, { ...opts, stackSeason: 'shrink' });
    for (const rows of shrink.stack!.weights)
      for (const r of rows) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  }, 120_000);

  it('seasonal indices shrunk (default) or from the last cycles are stored in the spec and used at forecast time; absent = unshrunk', async () => {
    const { series } = simulateGroup(40, 28, 0, 19);
    const opts = { horizon: H, seed: 5, network: false } as const;
    // James–Stein by default; false: the whole history's unshrunk indices, nothing stored
    expect((await trainGroupModel(series, opts)).spec.season).toEqual({ shrink: 'js' });
    const plain = await trainGroupModel(series, { ...opts, seasonIndex: false });
    expect(plain.spec.season).toBeUndefined();
    const js = await trainGroupModel(series, { ...opts, seasonIndex: { shrink: 'js', years: 4 } });
    expect(js.spec.season).toEqual({ shrink: 'js', years: 4 });
    const back = deserialize(serialize(js));
    const s = series.find((x) => decompose(x.values, 4).seasonal)!;
    expect(forecast(back, s)).toEqual(forecast(js, s));
    // the stored setting is what the forecast reads: without it the same weights forecast otherwise
    const stripped = { ...js, spec: { ...js.spec, season: undefined } };
    expect(forecast(stripped, s).steps.map((x) => x.p50)).not.toEqual(forecast(js, s).steps.map((x) => x.p50));
  }, 120_000);

  it("training's own decompositions take the spec's indices with seasonIndexFits (ETS start, deseasonalised AR)", async () => {
    const { series } = simulateGroup(40, 28, 0, 19);
    const opts = { horizon: H, seed: 5, network: false, globalAr: { second: true } } as const;
    // unshrunk indices: the switch has nothing to swap, the same model
    const plainOff = await trainGroupModel(series, { ...opts, seasonIndex: false, seasonIndexFits: false });
    const plainOn = await trainGroupModel(series, { ...opts, seasonIndex: false, seasonIndexFits: true });
    expect(plainOn.stack).toEqual(plainOff.stack);
    expect(plainOn.globalAr2).toEqual(plainOff.globalAr2);
    // shrunk indices (the default): the deseasonalised second member is fitted on the shrunk ones,
    // the indices its forecasts reseasonalise with; the raw member does not move
    const off = await trainGroupModel(series, { ...opts, seasonIndexFits: false });
    const on = await trainGroupModel(series, { ...opts, seasonIndexFits: true });
    expect(on.globalAr).toEqual(off.globalAr);
    expect(on.globalAr2!.deseason).toBe(true);
    expect(on.globalAr2!.coef).not.toEqual(off.globalAr2!.coef);
    expect(on.spec).toEqual(off.spec);
    const s = series.find((x) => decompose(x.values, 4).seasonal)!;
    for (const x of forecast(on, s).steps) expect(Number.isFinite(x.p50) && x.lo95 <= x.hi95).toBe(true);
  }, 120_000);
});

describe('calibration helpers', () => {
  it('conformal quantiles are conservative order statistics', () => {
    const s = Array.from({ length: 19 }, (_, i) => i + 1);
    expect(conformalQuantile(s, 0.9)).toBe(18);
    expect(conformalQuantile(s, 0.1)).toBe(2);
    expect(() => conformalQuantile([], 0.5)).toThrow();
  });
  it('enforceMonotone keeps the median and removes crossings', () => {
    expect(enforceMonotone([3, 1, 2, 1.5, 4], 2)).toEqual([1, 1, 2, 2, 4]);
  });
});

describe('small and short groups', () => {
  it('trains a role with one person and answers with finite, ordered intervals', async () => {
    const one = [{ id: 'solo', values: [12, 14, 13, 15, 16, 15, 17, 18, 17, 19, 20, 19], periodsPerYear: 4 }];
    const model = await trainGroupModel(one, { horizon: 4, seed: 1 });
    expect(model.net).toBeNull();
    const f = forecast(model, one[0]!);
    for (const s of f.steps) {
      expect(s.lo95).toBeLessThanOrEqual(s.lo80);
      expect(s.lo80).toBeLessThanOrEqual(s.p50);
      expect(s.hi80).toBeLessThanOrEqual(s.hi95);
      expect(Number.isFinite(s.hi95)).toBe(true);
    }
  });

  it('falls back to random-walk widths when every series is too short to backtest', async () => {
    const short = [
      { id: 'a', values: [10, 11, 12], periodsPerYear: 4 },
      { id: 'b', values: [20, 19], periodsPerYear: 4 },
    ];
    const model = await trainGroupModel(short, { horizon: 2, seed: 1 });
    const longer = forecast(model, { id: 'c', values: [10, 12, 11, 13, 12, 14], periodsPerYear: 4 });
    expect(longer.coldStart).toBe(false);
    expect(longer.steps[0]!.hi80).toBeGreaterThan(longer.steps[0]!.lo80);
    const fresh = forecast(model, { id: 'd', values: [], periodsPerYear: 4 });
    expect(fresh.coldStart).toBe(true);
    expect(fresh.steps[0]!.p50).toBeGreaterThan(10);
  });
});

describe('promotion flags', () => {
  it('learns a promotion uplift from the flags of the target period and reports it as a driver', async () => {
    const rand = rng(3);
    const n = 40;
    const series: SeriesInput[] = [];
    for (let i = 0; i < 150; i++) {
      const level = 100 + 100 * rand();
      const promo = Array.from({ length: n + H }, () => rand() < 0.2);
      const values = promo.slice(0, n).map((p) => level * (p ? 1.4 : 1) + 0.05 * level * gaussian(rand));
      series.push({ id: `p${i}`, values, periodsPerYear: 12, promo });
    }
    const model = await trainGroupModel(series, { horizon: H, seed: 1 });
    expect(model.netWeight).toBeGreaterThan(0.5);
    let uplift = 0,
      plain = 0,
      nu = 0,
      np = 0;
    for (const [i, f] of forecastMany(model, series).entries()) {
      f.steps.forEach((s, h) => {
        const rel = s.drivers.promotion / Math.abs(s.drivers.level);
        if (series[i]!.promo![n + h]) {
          uplift += rel;
          nu++;
        } else {
          plain += rel;
          np++;
        }
      });
    }
    expect(uplift / nu).toBeGreaterThan(0.2);
    expect(Math.abs(plain / np)).toBeLessThan(0.05);
  }, 120_000);
});
