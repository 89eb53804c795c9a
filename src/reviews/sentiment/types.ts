/** What the engine answers per text, and how it is asked (shared by the engine and its scoring threads). */
import type { AspectHit } from './aspects.js';
import type { Language } from './language.js';
import type { TokenContribution } from './predictor.js';

export interface ScoredReview {
  label: 'positive' | 'neutral' | 'negative';
  /** calibrated P(positive) */
  probability: number;
  language: Language;
  aspects: AspectHit[];
  /**
   * P(the review is the agent's complaint) where the language's aspect model has a complaint head
   * (./complaint-head.ts: the aspect route stacked with a review-level model; compare it with the
   * model's `complaintThreshold`); absent otherwise
   */
  complaint?: number;
  explanation?: TokenContribution[];
  modelVersion: string;
}

export interface ScoreOptions {
  explain?: boolean;
  /** clause-level aspects (default true); false gives label + probability only, about twice as fast */
  aspects?: boolean;
  /** how many n-grams an explanation lists (default 10) */
  explainTopK?: number;
}
