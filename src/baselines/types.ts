/** Public types of the baselines module (pooled per-group quantile model with conformal calibration). */
import type { SeasonIndexOptions } from './classical.js';
import type { GlobalArWeights } from './global-ar.js';

/** One unit's history (a person's KPI, a store's sales, …). */
export interface SeriesInput {
  id: string;
  /** Observations, oldest first; non-finite entries are treated as gaps and interpolated. */
  values: number[];
  /** 4 quarterly, 12 monthly, 52 weekly, 1 when there is no yearly cycle. */
  periodsPerYear: number;
  /** Period-of-year of values[0] (index 0-based within the year). */
  start?: { year: number; index: number };
  /** Promotion flag per period, covering the history and, when known, the future horizon. */
  promo?: boolean[];
  /** Tenure (e.g. months in role) per period, same alignment as `promo`. */
  tenure?: number[];
}

export interface TrainOptions {
  horizon: number;
  /** Quantile levels to output; the 0.025/0.1/0.9/0.975 levels needed by the 80/95 % intervals are always added. */
  quantiles?: number[];
  seed?: number;
  /** Gradient steps for the pooled network (default scales with data, 150–300). */
  steps?: number;
  /** Set false to skip the network and use the classical ensemble alone (fast, for tests). */
  network?: boolean;
  /**
   * Opt-in: widen or narrow the calibrated quantiles by the drift the backtest shows between its
   * older and newer halves (`driftFactors`). Off by default (see README, issue 15).
   */
  drift?: boolean;
  /**
   * Opt-in: conformal offsets never narrower at a later step (`monotoneInHorizon`): `true` on both
   * sides, `'upper'` the upper quantiles only. Off by default (README §issue 15).
   */
  monotoneOffsets?: boolean | 'upper';
  /**
   * Opt-in: the conformal offsets fitted on backtest errors scaled to the forecast origin's time by
   * the drift of the error scale with the origin that the backtest itself shows (`originTrend`);
   * aimed at the far steps, whose backtest windows all start at the oldest origin. Off by default
   * (KPI_CONF_TREND=1; README §issue 15). `'far'` (KPI_CONF_TREND=far): the slope as before, the
   * errors scaled only at the steps beyond the first seasonal cycle (h > m).
   */
  originTrend?: boolean | 'far';
  /**
   * Opt-in: how the conformal offsets borrow scores from neighbouring steps where a step has too few
   * (`HorizonPooling` in calibration.ts): `'scaled'` each step's scores rescaled to the borrowing step's
   * own error scale first (the last steps borrow only from nearer, smaller-error steps); `'wide'` that,
   * and the steps beyond the first seasonal cycle pooled with h ± 1 always. Off by default
   * (KPI_CONF_HPOOL; README §issue 15).
   */
  horizonPool?: false | 'scaled' | 'wide';
  /**
   * Stacking rows for series with and without a seasonal pattern: 'split' (default) apart, 'pool'
   * shared, 'shrink' apart but each bin's rows shrunk towards the group's pooled rows, 'strength' the
   * seasonal series in two sets by the test's statistic (above or below its median; experiment).
   */
  stackSeason?: 'split' | 'pool' | 'shrink' | 'strength';
  /**
   * Conformal offsets per seasonality bin (the history's seasonality test, as the stacking rows):
   * 'cross' per bin × scale bucket, 'only' per bin instead of the scale buckets; off by default.
   */
  seasonOffsets?: 'cross' | 'only' | false;
  /**
   * Opt-in: refit the network on windows reaching the end of each series for the forecasts. Off by
   * default: it doubles the network's training for a MASE gain of 0.1–0.4 % (README §issue 15).
   */
  refit?: boolean;
  /**
   * Candidate shares of the network's quantile spread kept around the median; the one with the
   * lowest cross-fitted pinball loss on the backtest is used (default [1, 0.5, 0]; [1] = always
   * the network's spread, as before).
   */
  spreadShares?: number[];
  /**
   * The pooled linear autoregression member (global-ar.ts): false leaves it out (weight 0, not
   * stored); an object overrides its settings (`refit: false` keeps the backtest's fit for the forecasts).
   */
  globalAr?:
    | boolean
    | {
        lags?: number;
        /** Lags as seasons of the period (clipped to 8–48) when `lags` is not given. */
        seasons?: number;
        scaleLag?: number;
        lambda?: number;
        deseason?: boolean;
        robust?: number;
        maseWeight?: boolean;
        refit?: boolean;
        /** Also a second member with the other deseasonalisation (the stack weighs both). */
        second?: boolean;
        /** Lookback bagging: fits with these window lengths in seasons (8–60 lags; default [3, 4, 5], [] = one fit), forecasts averaged. */
        bagSeasons?: number[];
        /** Log-scale windows when every value of the group is positive. */
        log?: boolean;
        /** A second fit on the group's seasonal series only, for the histories that test seasonal. */
        split?: boolean;
        /**
         * Opt-in pooling across groups: how a fit on the windows of every series of the panel that
         * shares this group's period and horizon (`pooled`, from `fitPooledGlobalAr`) is used —
         * `'panel'` in place of the group's own fit, `'extra'` beside it as the second member
         * (`global_ar2`), `'shrink'` the group's own fit ridged towards the panel's (`poolShrink`),
         * `false` not at all (default). Without `pooled` it does nothing.
         */
        pool?: 'panel' | 'extra' | 'shrink' | false;
        /**
         * With `pool: 'shrink'`: the group's own fit ridged towards the panel's (each lookback towards
         * the panel's fit of the same length), with this times the normal equations' mean diagonal.
         */
        poolShrink?: number;
        /** The pooled fit's lookback bag in seasons (8–96 lags; default the group's `bagSeasons`). */
        poolBagSeasons?: number[];
        /** The panel-level fits (`fitPooledGlobalAr`); the model stores the weights it forecasts with. */
        pooled?: PooledGlobalAr;
        /**
         * Opt-in: the second member (`global_ar2`) is a pooled AR on seasonally differenced windows
         * (SARIMA-like; `true` linear, `'log'` log windows where the group is positive), its forecast
         * seasonal naive plus the predicted seasonal difference. Not with `second` or `pool: 'extra'`.
         */
        sdiff?: boolean | 'log';
        /** With `sdiff`: first-difference inputs after the seasonal differences (default 0). */
        sdiffDiffs?: number;
        /** With `sdiff`: its ridge (relative to the mean diagonal; towards seasonal naive; default `lambda`). */
        sdiffLambda?: number;
        /** With `sdiff`: its lookback bag in seasons of z lags (8–60 lags; default [1, 2, 3]). */
        sdiffSeasons?: number[];
      };
  /**
   * The seasonal ETS member: `'hw'` one Holt–Winters form (damped trend, multiplicative season where
   * the series is positive) from the group's median fit, as before; `'auto'` the form chosen per series
   * by AICc as R's ets() does (`seasonalEtsAuto`); `'all'` also a non-seasonal form chosen so for the
   * series without a season (in place of the damped trend). Default `'hw'` (README §issue 15).
   */
  seasonalEts?: 'hw' | 'auto' | 'all';
  /**
   * The classical decomposition's seasonal indices (shared by the Theta, SES, damped and drift members
   * and the network's base): `shrink` towards 1 (`'js'` James–Stein, `'lk'` Lemon–Krutchkoff), `years`
   * the last cycles only. Default `{ shrink: 'js' }` since issue 15's seasonal-index pass (helper sshrink); `false` (or `{}`)
   * the whole history's unshrunk indices, as before. Stored in the model's `spec.season` (absent = unshrunk).
   */
  seasonIndex?: SeasonIndexOptions | false;
  /**
   * Whether training's own decompositions (the seasonal ETS member's median-start search, the
   * deseasonalised global AR fits) take `seasonIndex`'s indices instead of the unshrunk ones. Training
   * only (the model stores what it forecasts with). Default false (opt-in; KPI_SEASON_FITS).
   */
  seasonIndexFits?: boolean;
}

/**
 * A global AR member fitted on the windows of several groups' series (`fitPooledGlobalAr`): the
 * backtest's fit (targets before each series' last `H` periods) and the forecasts' fit (to the end).
 */
export interface PooledGlobalAr {
  /** Periods per year and horizon the fits were made for (groups with others ignore them). */
  m: number;
  H: number;
  back: GlobalArWeights;
  final: GlobalArWeights;
  /** Each lookback's own table of `back` and `final` (before the bag averages them): priors of `'shrink'`. */
  backParts?: { L: number; coef: number[][] }[];
  finalParts?: { L: number; coef: number[][] }[];
  /** Series the fits saw. */
  series: number;
}

/** Per-horizon calibration result measured on the rolling-origin backtest. */
export interface BacktestFigures {
  /** Number of (series, origin) pairs per horizon. */
  n: number[];
  /** Share inside the conformalised 80 % / 95 % intervals, per horizon, in-sample on the calibration set. */
  coverage80: number[];
  coverage95: number[];
  /** Share inside the raw (uncalibrated) network intervals, before the conformal step. */
  rawCoverage80: number[];
  rawCoverage95: number[];
  /** Mean absolute scaled error of the chosen median on the backtest, and of the classical ensemble alone. */
  maseModel: number;
  maseClassical: number;
  /**
   * Median of |y − median| / noise per step on the backtest (cross-fitted median): the error size the
   * conformal offsets were fitted to. Absent in models trained before it.
   */
  medianAbsScore?: number[];
}

export interface ForecastStep {
  /** 1-based step ahead. */
  h: number;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
  /** All quantiles of the model, level → value. */
  quantiles: Record<string, number>;
  /** Additive decomposition of p50: level + trend + seasonality + promotion + other. */
  drivers: { level: number; trend: number; seasonality: number; promotion: number; other: number };
}

export interface SeriesForecast {
  id: string;
  coldStart: boolean;
  /** Coverage of the 80 % / 95 % intervals measured on the model's backtest (cross-fitted, mean over steps). */
  backtestCoverage: { c80: number | null; c95: number | null };
  steps: ForecastStep[];
}
