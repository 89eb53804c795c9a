/**
 * Evaluation figures of a scored labelled set: accuracy and F1 (positive class) over the forced
 * decision p ≥ 0.5, ECE with 15 bins, and the share labelled neutral by the band.
 */
import { expectedCalibrationError } from './calibration.js';
import type { NeutralBand } from './aspects.js';

export interface EvalFigures {
  n: number;
  accuracy: number;
  f1: number;
  ece: number;
  neutral_share: number;
}

/** @throws Error on empty input or mismatched lengths */
export function evaluate(probs: ArrayLike<number>, labels: ArrayLike<number>, band: NeutralBand): EvalFigures {
  const n = probs.length;
  if (n === 0 || labels.length !== n)
    throw new Error('evaluate needs equally long, non-empty probabilities and labels');
  let correct = 0,
    tp = 0,
    fp = 0,
    fn = 0,
    neutral = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    const pred = p >= 0.5 ? 1 : 0;
    const y = labels[i]!;
    if (pred === y) correct++;
    if (pred === 1 && y === 1) tp++;
    else if (pred === 1) fp++;
    else if (y === 1) fn++;
    if (p >= band.low && p <= band.high) neutral++;
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    n,
    accuracy: round(correct / n),
    f1: round(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)),
    ece: round(expectedCalibrationError(probs, labels, 15)),
    neutral_share: round(neutral / n),
  };
}
