import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deserialize, forecast, forecastMany, serialize, trainGroupModel } from '../../src/baselines/index.js';
import { conformalQuantile, weightedConformalQuantile } from '../../src/baselines/calibration.js';
import { decompose, m4Seasonal, seasonalEts, seasonalEtsAuto } from '../../src/baselines/classical.js';
import { rng } from '../../src/baselines/network.js';
import { fitStack, K, MEMBERS, stackLoss } from '../../src/baselines/stacking.js';
import type { SeriesInput } from '../../src/baselines/index.js';
import { gaussian, simulateGroup } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/baselines/${name}`, import.meta.url), 'utf8');

describe('seasonality and the seasonal ETS member', () => {
  it('applies the M4 benchmark test: lag-m autocorrelation outside the 90 % band, at least 3·m points', () => {
    const seasonal = Array.from({ length: 48 }, (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / 12) + (t % 5));
    expect(m4Seasonal(seasonal, 12)).toBe(true);
    expect(m4Seasonal(seasonal.slice(0, 35), 12)).toBe(false); // fewer than 3·12 points
    const rand = rng(4);
    const noise = Array.from({ length: 60 }, () => 100 + gaussian(rand));
    expect(m4Seasonal(noise, 12)).toBe(false);
    expect(m4Seasonal(seasonal, 1)).toBe(false);
  });

  it('follows a multiplicative season whose amplitude grows, and is absent without a season', () => {
    const m = 12;
    const x = Array.from({ length: 72 }, (_, t) => (100 + t) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / m)));
    const d = decompose(x, m);
    expect(d.kind).toBe('mult');
    const fit = seasonalEts(x, d, 12)!;
    expect(fit).not.toBeNull();
    const truth = Array.from({ length: 12 }, (_, k) => (172 + k) * (1 + 0.3 * Math.sin((2 * Math.PI * (72 + k)) / m)));
    fit.forecast.forEach((v, k) => expect(Math.abs(v - truth[k]!) / truth[k]!).toBeLessThan(0.05));
    expect(seasonalEts(x, { seasonal: false, kind: 'mult', index: Array(m).fill(1) }, 12)).toBeNull();
  });

  it('chooses the form per series by AICc (opt-in): multiplicative where the season grows, additive where it does not', () => {
    const m = 12;
    const rand = rng(5);
    const grow = Array.from(
      { length: 96 },
      (_, t) => (100 + 2 * t) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / m)) * (1 + 0.01 * gaussian(rand)),
    );
    const fit = seasonalEtsAuto(grow, decompose(grow, m), 12)!;
    expect(fit.form.endsWith('M')).toBe(true);
    const truth = Array.from(
      { length: 12 },
      (_, k) => (100 + 2 * (96 + k)) * (1 + 0.3 * Math.sin((2 * Math.PI * k) / m)),
    );
    fit.forecast.forEach((v, k) => expect(Math.abs(v - truth[k]!) / truth[k]!).toBeLessThan(0.05));
    // a season of fixed amplitude on a series that crosses zero: additive forms only
    const flat = Array.from({ length: 96 }, (_, t) => 20 * Math.sin((2 * Math.PI * t) / m) + gaussian(rand));
    const d = decompose(flat, m);
    expect(d.kind).toBe('add');
    const add = seasonalEtsAuto(flat, d, 12)!;
    expect(add.form.endsWith('A')).toBe(true);
    add.forecast.forEach((v, k) => expect(Math.abs(v - 20 * Math.sin((2 * Math.PI * k) / m))).toBeLessThan(4));
    expect(seasonalEtsAuto(flat, { seasonal: false, kind: 'add', index: Array(m).fill(0) }, 12)).toBeNull();
  });
});

describe('stacking weights', () => {
  it('puts the weight on the member that forecasts, and stays on the simplex', () => {
    const rand = rng(9);
    const pts = Array.from({ length: 400 }, () => {
      const y = 100 + 10 * gaussian(rand);
      const f = [
        y + gaussian(rand),
        y + 20 * gaussian(rand),
        y + 10 * gaussian(rand),
        150,
        y + 15 * gaussian(rand),
        50,
        y + 25 * gaussian(rand),
        y + 30 * gaussian(rand),
        y + 35 * gaussian(rand),
      ];
      return { f, y, scale: 10 };
    });
    const w = fitStack(pts, K);
    expect(w).toHaveLength(MEMBERS.length);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(w.every((v) => v >= 0)).toBe(true);
    expect(w[0]).toBeGreaterThan(0.6);
    expect(stackLoss(pts, w)).toBeLessThan(stackLoss(pts, new Array(K).fill(1 / K)));
    // members left out (`active`) keep weight 0; the others are fitted as before
    const active = MEMBERS.map((_, j) => j !== 0);
    const wa = fitStack(pts, K, 150, undefined, active);
    expect(wa[0]).toBe(0);
    expect(wa.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(stackLoss(pts, wa)).toBeGreaterThan(stackLoss(pts, w));
  });
});

describe('weighted conformal quantiles', () => {
  it('equal weights give the unweighted conservative order statistics; recent points weigh more', () => {
    const s = Array.from({ length: 19 }, (_, i) => i + 1);
    const ones = s.map(() => 1);
    for (const tau of [0.1, 0.5, 0.9, 0.975, 0.025]) {
      expect(weightedConformalQuantile(s, ones, tau)).toBe(conformalQuantile(s, tau));
    }
    // the large scores are the recent ones: the upper quantile moves up
    const recent = s.map((_, i) => (i >= 10 ? 4 : 1));
    expect(weightedConformalQuantile(s, recent, 0.8)).toBeGreaterThan(conformalQuantile(s, 0.8));
    expect(() => weightedConformalQuantile([], [], 0.5)).toThrow();
  });
});

describe('version-2 group model', () => {
  it('learns seasonal members on a monthly group, keeps its coverage and round-trips', async () => {
    const rand = rng(21);
    const H = 6;
    const series: SeriesInput[] = [];
    const futures: number[][] = [];
    for (let i = 0; i < 150; i++) {
      const level = 50 + 100 * rand();
      const amp = 0.1 + 0.3 * rand();
      const phase = Math.floor(12 * rand());
      const v = Array.from(
        { length: 60 + H },
        (_, t) =>
          level *
          (1 + 0.004 * t) *
          (1 + amp * Math.sin((2 * Math.PI * (t + phase)) / 12)) *
          (1 + 0.03 * gaussian(rand)),
      );
      series.push({ id: `m${i}`, values: v.slice(0, 60), periodsPerYear: 12 });
      futures.push(v.slice(60));
    }
    const model = await trainGroupModel(series, { horizon: H, seed: 1, network: false });
    expect(model.version).toBe(2);
    const w = model.stack!.weights;
    expect(w).toHaveLength(2);
    expect(w[1]).toHaveLength(H);
    for (const row of w[1]!) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(model.scaleOffsets!.offsets[0]).toHaveLength(H);
    let in80 = 0,
      n = 0;
    forecastMany(model, series).forEach((f, i) =>
      f.steps.forEach((s, h) => {
        const y = futures[i]![h]!;
        if (y >= s.lo80 && y <= s.hi80) in80++;
        n++;
        const d = s.drivers;
        expect(d.level + d.trend + d.seasonality + d.promotion + d.other).toBeCloseTo(s.p50, 6);
      }),
    );
    expect(in80 / n).toBeGreaterThan(0.72);
    expect(in80 / n).toBeLessThan(0.9);
    const back = deserialize(serialize(model));
    expect(forecast(back, series[3]!)).toEqual(forecast(model, series[3]!));
    // the seasonal ETS member's form chosen per series (opt-in): stored with the model, absent by default
    expect(model.stack!.etsMode).toBeUndefined();
    const auto = await trainGroupModel(series, { horizon: H, seed: 1, network: false, seasonalEts: 'auto' });
    expect(auto.stack!.etsMode).toBe('auto');
    const autoBack = deserialize(serialize(auto));
    expect(forecast(autoBack, series[3]!)).toEqual(forecast(auto, series[3]!));
  }, 120_000);

  it('still loads and forecasts a stored version-1 model exactly as before', () => {
    const model = deserialize(fixture('v1-model.json'));
    expect(model.version).toBe(1);
    const { series, forecast: before } = JSON.parse(fixture('v1-forecast.json')) as {
      series: SeriesInput;
      forecast: ReturnType<typeof forecast>;
    };
    const now = forecast(model, series);
    now.steps.forEach((s, h) => {
      expect(s.p50).toBeCloseTo(before.steps[h]!.p50, 9);
      expect(s.lo95).toBeCloseTo(before.steps[h]!.lo95, 9);
      expect(s.hi80).toBeCloseTo(before.steps[h]!.hi80, 9);
    });
    // and a version-1 model trained on the same kind of data has the same shape of answer
    const { series: group } = simulateGroup(10, 20, 0, 9);
    expect(forecast(model, group[1]!).steps).toHaveLength(4);
  });
});
