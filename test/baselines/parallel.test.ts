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
  takeChunk,
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

  it('gives the same bits whichever thread takes which chunk: calls at once, and the helper stopped in the middle', async () => {
    const bits = (f: { q: Float64Array; d: Float64Array }) =>
      Buffer.concat([Buffer.from(f.q.buffer, f.q.byteOffset, f.q.byteLength), Buffer.from(f.d.buffer)]);
    const alone = packForecasts(model, many, H);
    expect(await forecastThreadReady()).toBe(true);
    // three calls at once: the helper answers them one after the other, so the later calls' chunks
    // are taken here more and more
    const three = await Promise.all([1, 2, 3].map(() => forecastPacked(model, many, H, 'model-a')));
    for (const f of three) {
      expect(f.ids).toEqual(alone.ids);
      expect(f.cold).toEqual(alone.cold);
      expect(bits(f).equals(bits(alone))).toBe(true);
    }
    // the helper stopped right after a call: the chunks it took and had not finished (if any) are forecast here
    const pending = forecastPacked(model, many, H, 'model-a');
    await stopForecastThread();
    const f = await pending;
    expect(bits(f).equals(bits(alone))).toBe(true);
    expect(f.cold).toEqual(alone.cold);
  });

  it('takes chunks from the front (up to a limit) and from the back until they meet', () => {
    const state = new Int32Array(new SharedArrayBuffer(8));
    state[0] = 5 << 16;
    expect([takeChunk(state, true, 2), takeChunk(state, false), takeChunk(state, true, 2)]).toEqual([0, 4, 1]);
    expect(takeChunk(state, true, 2)).toBe(-1); // the front's limit
    expect([takeChunk(state, false), takeChunk(state, false), takeChunk(state, false)]).toEqual([3, 2, -1]);
  });

  it('reports bad input as the one-thread path does', async () => {
    expect(await forecastThreadReady()).toBe(true);
    await expect(forecastPacked(model, many, H + 1, 'model-a')).rejects.toBeInstanceOf(BaselineInputError);
    // in a chunk the helper takes and in one this thread takes
    for (const bad of [10, many.length - 10]) {
      const mixed = many.map((s, i) => (i === bad ? { ...s, periodsPerYear: 12 } : s));
      await expect(forecastPacked(model, mixed, H, 'model-a')).rejects.toMatchObject({ code: 'mixed_frequency' });
    }
  });
});
