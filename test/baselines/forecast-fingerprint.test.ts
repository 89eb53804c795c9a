/**
 * The forecasts' numbers, pinned: two committed models (classical stack; with the network), also
 * read as version 1, forecast a fixed set of series (gaps, short and empty series, promotion flags
 * in and out of the horizon, tenure) at every step, through `forecast` and through the one-step
 * packed path that targets use. The fingerprints were taken before the speed work on the
 * forecasting path (Nelder–Mead without closures, objectives without fit objects, one step only,
 * no feature vector without a network): the answers did not move by one bit. A change meant to
 * move them updates the fingerprints and says so.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deserialize, forecast, type SeriesInput, type TrainedGroupModel } from '../../src/baselines/index.js';
import { packForecasts } from '../../src/baselines/parallel.js';
import { simulateGroup } from './helpers.js';

const load = (name: string): TrainedGroupModel =>
  deserialize(readFileSync(new URL(`../fixtures/baselines/${name}`, import.meta.url), 'utf8'));

/** The same model read as version 1 (network-weighted classical forecast, offsets per horizon). */
const asV1 = (m: TrainedGroupModel): TrainedGroupModel => {
  const { stack: _s, scaleOffsets: _o, ...rest } = m;
  return { ...rest, version: 1 };
};

function sampleSeries(): SeriesInput[] {
  const { series } = simulateGroup(300, 20, 0, 33);
  return series.map((s, i) => {
    const n = i % 23 === 0 ? 0 : i % 17 === 0 ? 3 : 5 + (i % 16);
    const values = s.values.slice(0, n).map((v, t) => (t === 2 && i % 5 === 0 ? Number.NaN : v));
    const out: SeriesInput = { ...s, values, start: { year: 2022, index: i % 4 } };
    if (i % 3 !== 0) out.promo = Array.from({ length: n + 3 }, (_, t) => (t + i) % 4 === 3);
    if (i % 4 !== 1) out.tenure = Array.from({ length: n + 3 }, (_, t) => (i % 7) + 3 * t);
    return out;
  });
}

function fingerprint(model: TrainedGroupModel, series: readonly SeriesInput[]): { full: string; packed: string } {
  const full = createHash('sha256');
  for (const s of series) full.update(JSON.stringify(forecast(model, s)));
  const packed = createHash('sha256');
  for (let h = 1; h <= model.spec.H; h++) {
    const p = packForecasts(model, series, h);
    packed.update(JSON.stringify(p.ids));
    packed.update(p.cold);
    packed.update(new Uint8Array(p.q.buffer));
    packed.update(new Uint8Array(p.d.buffer));
  }
  return { full: full.digest('hex').slice(0, 24), packed: packed.digest('hex').slice(0, 24) };
}

describe('forecast fingerprints', () => {
  const series = sampleSeries();
  const classical = load('forecast-model-classical.json');
  const net = load('forecast-model-net.json');

  it('the packed step is the step of forecast(), bit for bit', () => {
    for (const model of [classical, net, asV1(net)]) {
      for (let h = 1; h <= model.spec.H; h++) {
        const p = packForecasts(model, series, h);
        const Q = model.levels.length;
        const cold = new Uint8Array(series.length);
        const q = new Float64Array(series.length * Q);
        const d = new Float64Array(series.length * 5);
        series.forEach((s, i) => {
          const f = forecast(model, s, h);
          const step = f.steps[h - 1]!;
          cold[i] = f.coldStart ? 1 : 0;
          q.set(
            model.levels.map((l) => step.quantiles[String(l)]!),
            i * Q,
          );
          const x = step.drivers;
          d.set([x.level, x.trend, x.seasonality, x.promotion, x.other], i * 5);
        });
        expect(p).toEqual({ ids: series.map((s) => s.id), cold, q, d });
      }
    }
  });

  it('gives the numbers pinned before the speed work', () => {
    expect({
      classical: fingerprint(classical, series),
      net: fingerprint(net, series),
      v1: fingerprint(asV1(net), series),
    }).toEqual(PINNED);
  });
});

const PINNED = {
  classical: { full: '3b79f3288cae440b1fc6c611', packed: '8bb13980eeb700047610bd30' },
  net: { full: 'f39d96d8eb1b24ee528f0ae0', packed: 'eec54e56112cfee042e23df1' },
  v1: { full: '938850d6cad1ef3cbdb3e8c3', packed: '4d22697857b740d48fdf686f' },
};
