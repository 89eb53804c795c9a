/** The shadow comparison's options, report and comparer contract (one comparer per model kind), and the report's assembly. */
import type { Db } from '../db/types.js';
import type { Compute } from '../jobs/compute.js';
import type { ModelVersion } from './index.js';

export interface ShadowOptions {
  /** Move of an agent's positive-service share or rating evidence (0–1), or a person's target (relative), that counts as a change. */
  threshold: number;
  /** At most this many stored rows are compared (newest first by id order). */
  limit: number;
  /**
   * Sentiment: a labelled evaluation file (`label,review` CSV), the candidate's own dev file when absent.
   * Aspects: the shared review data's folder the evaluation set joins to (default ../shared/data/reviews).
   */
  evalFile?: string | undefined;
  modelsDir: string;
  /** Score on threads of the engines' own (src/reviews/sentiment/pool.ts), off the calling thread (default true). */
  threads?: boolean | undefined;
  /** A job's thread (src/jobs/compute.ts) for the comparer's CPU work (the baseline forecasts); absent: here. */
  compute?: Compute | undefined;
  signal?: AbortSignal;
  progress?: (percent: number, stage: string) => Promise<void>;
}

export interface ShadowReport {
  kind: string;
  scope: string;
  candidate: string;
  active: string | null;
  compared: number;
  changed: number;
  threshold: number;
  /** People (agents, employees) whose figure moves more than the threshold, largest moves first (at most 100). */
  moved: { id: string; n: number; active: number; candidate: number; delta: number }[];
  moved_count: number;
  /** Both versions on the kind's evaluation: accuracy on a labelled file (sentiment), per-aspect F1 on the test part (aspects), backtest coverage (baselines). */
  evaluation: {
    source: string;
    n: number;
    active: Record<string, number | null> | null;
    candidate: Record<string, number | null>;
  } | null;
  at: string;
}

export type Comparer = (
  db: Db,
  candidate: ModelVersion,
  active: ModelVersion | null,
  opts: ShadowOptions,
) => Promise<ShadowReport>;

/**
 * The report of a comparison whose figures are per-agent shares (sentiment, aspects): the moves past
 * the threshold (largest first) kept to 100 and rounded to four decimals.
 */
export function agentShareReport(
  candidate: ModelVersion,
  active: ModelVersion | null,
  r: Pick<ShadowReport, 'compared' | 'changed' | 'threshold' | 'moved' | 'evaluation'>,
): ShadowReport {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    kind: candidate.kind,
    scope: candidate.scope,
    candidate: candidate.id,
    active: active?.id ?? null,
    compared: r.compared,
    changed: r.changed,
    threshold: r.threshold,
    moved: r.moved
      .slice(0, 100)
      .map((x) => ({ ...x, active: round(x.active), candidate: round(x.candidate), delta: round(x.delta) })),
    moved_count: r.moved.length,
    evaluation: r.evaluation,
    at: new Date().toISOString(),
  };
}

/**
 * The agents whose share moves past `threshold`, largest move first: each side's share is its positive
 * evidence `a` of `an` (active) and `b` of `bn` (candidate), shrunk towards one half with a weak Beta(1,1)
 * prior, as the rating's evidence is; `n` is the count reported.
 */
export function movedShares(
  agents: Iterable<{ id: string; n: number; a: number; an: number; b: number; bn: number }>,
  threshold: number,
): ShadowReport['moved'] {
  const share = (k: number, n: number) => (k + 1) / (n + 2);
  return [...agents]
    .map(({ id, n, a, an, b, bn }) => ({ id, n, active: share(a, an), candidate: share(b, bn) }))
    .map((x) => ({ ...x, delta: x.candidate - x.active }))
    .filter((x) => Math.abs(x.delta) > threshold)
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
}
