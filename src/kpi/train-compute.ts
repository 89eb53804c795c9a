/**
 * The CPU-heavy part of training one baseline scope, as a pure function of its series: trains the
 * pooled model and serialises it. It runs in the job threads (src/jobs/compute.ts) — data in,
 * result out; reading the history and registering the version stay with the caller (src/kpi/train.ts).
 */
import { serialize, trainGroupModel, type TrainedGroupModel } from '../baselines/index.js';
import type { SeriesInput, TrainOptions } from '../baselines/types.js';

const mean = (xs: readonly number[]): number | null => {
  const ok = xs.filter((v) => Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
};

/** Figures stored with a version: measured (cross-fitted) coverage of the calibrated intervals and backtest errors. */
export function modelFigures(model: TrainedGroupModel): Record<string, unknown> {
  const b = model.backtest;
  return {
    coverage80: mean(b.coverage80),
    coverage95: mean(b.coverage95),
    coverage80_by_h: b.coverage80,
    coverage95_by_h: b.coverage95,
    raw_coverage80: mean(b.rawCoverage80),
    raw_coverage95: mean(b.rawCoverage95),
    backtest_points: b.n.reduce((a, v) => a + v, 0),
    mase_model: b.maseModel,
    mase_classical: b.maseClassical,
    net_weight: model.netWeight,
    series: model.trainedOn.series,
    train_seconds: model.trainedOn.seconds,
  };
}

export interface BaselineModelInput {
  series: SeriesInput[];
  options: TrainOptions;
}

export interface BaselineModelResult {
  /** `serialize(model)`, the registry's artifact */
  json: string;
  figures: Record<string, unknown>;
  modelKind: string;
  levels: number[];
  seconds: number;
}

export async function baselineModel({ series, options }: BaselineModelInput): Promise<BaselineModelResult> {
  const model = await trainGroupModel(series, options);
  return {
    json: serialize(model),
    figures: modelFigures(model),
    modelKind: model.kind,
    levels: model.levels,
    seconds: model.trainedOn.seconds,
  };
}
