/**
 * Small numeric helpers shared by the models (ratings prior, baselines, demo data). The sentiment
 * calibration keeps its overflow-safe σ (src/reviews/sentiment/calibration.ts): it differs from this
 * one in the last bit for about one logit in five, and the shipped models' probabilities stay
 * bit-identical that way.
 */

/**
 * The logistic function 1 / (1 + e^−x). Never NaN: e^−x overflows to Infinity for x < −709 and the
 * answer is then 0.
 * @example sigmoid(0) // 0.5
 */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The inverse of `sigmoid`: ln(p / (1 − p)); ±Infinity at 1 and 0.
 * @example logit(0.5) // 0
 */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** Deterministic PRNG (mulberry32): uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
