/** Engine-wide defaults shared by the trainer and the engine. */
import type { NeutralBand } from './aspects.js';

/** P(positive) inside [low, high] is labelled neutral. */
export const DEFAULT_NEUTRAL_BAND: NeutralBand = { low: 0.35, high: 0.65 };
