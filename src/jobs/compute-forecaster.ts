/**
 * A `Forecaster` (src/kpi/targets.ts) that forecasts in a job's thread (./compute.ts) instead of on the
 * main thread and the forecasting helper: the series cross packed as typed arrays (transferred, not
 * cloned), the forecasts come back packed, and the model crosses once per thread (its key is the
 * model version; the thread keeps a few). Used by train_baselines (the targets warmed after training)
 * and ab_compare (every period's targets of both policies).
 */
import { BaselineInputError, type BaselineErrorCode } from '../baselines/errors.js';
import { packSeries } from '../baselines/parallel.js';
import type { Forecaster } from '../kpi/targets.js';
import type { Compute } from './compute.js';
import { MODEL_NOT_CACHED } from './compute-tasks.js';

export function threadForecaster(compute: Compute): Forecaster {
  return async (model, series, h, modelKey) => {
    const send = (withModel: boolean) => {
      const packed = packSeries(series);
      const transfer = [
        packed.periodsPerYear,
        packed.startYear,
        packed.startIndex,
        packed.vOff,
        packed.values,
        packed.xOff,
        packed.has,
        packed.promo,
        packed.tenure,
      ].map((a) => a.buffer as ArrayBuffer);
      return compute.run(
        'forecasts',
        { model: withModel ? model : undefined, key: modelKey, series: packed, h },
        { transfer },
      );
    };
    try {
      if (modelKey === undefined) return await send(true);
      try {
        return await send(false);
      } catch (err) {
        if ((err as { code?: unknown }).code !== MODEL_NOT_CACHED) throw err;
        return await send(true);
      }
    } catch (err) {
      // the forecast's input errors become TargetErrors in targets.ts, as on this thread
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && BASELINE_CODES.has(code))
        throw new BaselineInputError(code as BaselineErrorCode, (err as Error).message);
      throw err;
    }
  };
}

const BASELINE_CODES = new Set<string>([
  'no_series',
  'bad_horizon',
  'mixed_frequency',
  'bad_frequency',
  'horizon_too_long',
  'bad_model',
] satisfies BaselineErrorCode[]);
