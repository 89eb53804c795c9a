/**
 * Baselines: one pooled quantile model per group (role × metric), conformally calibrated.
 * Pure domain code — no HTTP, no database.
 */
export type {
  SeriesInput,
  TrainOptions,
  ForecastStep,
  SeriesForecast,
  BacktestFigures,
  PooledGlobalAr,
} from './types.js';
export {
  trainGroupModel,
  fitPooledGlobalAr,
  globalArPoolSetting,
  INTERVAL_LEVELS,
  type TrainedGroupModel,
} from './model.js';
export { forecast, forecastMany, backtestCoverage } from './predict.js';
export { serialize, deserialize } from './serialize.js';
export { BaselineInputError } from './errors.js';
export { smape, mase, maseScale, msis, coverage } from './metrics.js';
export { seasonalNaive, classicalForecast } from './classical.js';
