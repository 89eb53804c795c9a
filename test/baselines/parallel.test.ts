import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BaselineInputError,
  trainGroupModel,
  type SeriesInput,
  type TrainedGroupModel,
} from '../../src/baselines/index.js';
import {
  forecastPacked,
  forecastThreadReady,
  packForecasts,
  packSeries,
  stopForecastThread,
  unpackSeries,
} from '../../src/baselines/parallel.js';
import { simulateGroup } from './helpers.js';

const H = 2;
let model: TrainedGroupModel;
let other: TrainedGroupModel;
let many: SeriesInput[];

beforeAll(async () => {
  const { series } = simulateGroup(120, 16, 0, 5);
  model = await trainGroupModel(series, { horizon: H, seed: 1, network: false });
  other = await trainGroupModel(simulateGroup(80, 12, 0, 9).series, { horizon: H, seed: 2, network: false });
  // above the size where the helper takes part; with promotion flags, tenure, gaps and cold starts
  const big = simulateGroup(1500, 14, 0, 13).series;
  many = big.map((s, i) => ({
    ...s,
    values: i % 97 === 0 ? [] : s.values.map((v, t) => (t === 3 && i % 5 === 0 ? Number.NaN : v)),
    start: { year: 2023, index: i % 4 },
    promo: Array.from({ length: s.values.length + H }, (_, t) => t % 4 === 3),
    tenure: Array.from({ length: s.values.length + H }, (_, t) => 6 + 3 * t),
  }));
});
afterAll(async () => {
  await stopForecastThread();
});

describe('forecasting on this thread and a helper thread', () => {
  it('packs series into typed arrays and back without loss', () => {
    const sample: SeriesInput[] = [
      many[0]!,
      many[5]!,
      { id: 'bare', values: [1, 2, 3], periodsPerYear: 4 },
      { id: 'empty', values: [], periodsPerYear: 12, start: { year: 2024, index: 0 } },
    ];
    expect(unpackSeries(packSeries(sample))).toEqual(sample);
  });

  it('unpacks flags and tenure equal to the previous series as that array, and others as their own', () => {
    const s = (id: string, promo: boolean[], tenure: number[]): SeriesInput => ({
      id,
      values: [1, 2, 3],
      periodsPerYear: 4,
      promo,
      tenure,
    });
    const sample = [
      s('a', [false, true, false], [1, 2, 3]),
      s('b', [false, true, false], [1, 2, 3]),
      s('c', [true, true, false], [1, 2, 4]),
      s('d', [true, true, false, false], [1, 2, 4, 5]),
      s('e', [true, true, false, false], [-0, Number.NaN, 4, 5]),
    ];
    const back = unpackSeries(packSeries(sample));
    expect(back).toEqual(sample);
    expect(back[1]!.promo).toBe(back[0]!.promo);
    expect(back[1]!.tenure).toBe(back[0]!.tenure);
    expect(back[2]!.promo).not.toBe(back[1]!.promo);
    expect(back[2]!.tenure).not.toBe(back[1]!.tenure);
    expect(Object.is(back[4]!.tenure![0], -0)).toBe(true);
  });

  it('gives exactly the one-thread numbers, in order, again with the model already sent, and for a second model', async () => {
    expect(await forecastThreadReady()).toBe(true);
    const alone = packForecasts(model, many, H);
    expect(alone.ids).toEqual(many.map((s) => s.id));
    expect(Array.from(alone.cold).filter((c) => c === 1).length).toBeGreaterThan(0);
    for (let round = 0; round < 2; round++) expect(await forecastPacked(model, many, H, 'model-a')).toEqual(alone);
    expect(await forecastPacked(other, many, 1, 'model-b')).toEqual(packForecasts(other, many, 1));
    // small sets stay on this thread and give the same numbers
    expect(await forecastPacked(model, many.slice(0, 10), H, 'model-a')).toEqual(
      packForecasts(model, many.slice(0, 10), H),
    );
  });

  it('reports bad input as the one-thread path does', async () => {
    expect(await forecastThreadReady()).toBe(true);
    await expect(forecastPacked(model, many, H + 1, 'model-a')).rejects.toBeInstanceOf(BaselineInputError);
    const mixed = many.map((s, i) => (i === 10 ? { ...s, periodsPerYear: 12 } : s));
    await expect(forecastPacked(model, mixed, H, 'model-a')).rejects.toMatchObject({ code: 'mixed_frequency' });
  });
});
