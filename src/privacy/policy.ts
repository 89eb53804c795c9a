/**
 * Where personal data is shown unmasked: nowhere by default. `PII_RAW` (src/config.ts) names the
 * surfaces that show raw review text — `api` (answers and exports of /v1), `console` (pages and their
 * exports), `logs` — and `PII_ORDER_PATTERNS` adds order-number patterns to the default ones. Every
 * surface asks the policy for its masker once; a raw surface gets one that changes nothing.
 */
import { createMasker, type Masker } from './mask.js';
import { DEFAULT_ORDER_PATTERNS } from './order.js';
import type { MaskResult, PiiFinding } from './types.js';

export const SURFACES = ['api', 'console', 'logs'] as const;
export type Surface = (typeof SURFACES)[number];

export interface PrivacySettings {
  /** the surfaces that show raw text (default: none) */
  raw: readonly Surface[];
  /** order-number patterns added to DEFAULT_ORDER_PATTERNS */
  orderPatterns: readonly RegExp[];
}

export interface PrivacyPolicy {
  masker(surface: Surface): Masker;
  isRaw(surface: Surface): boolean;
}

const NOTHING: readonly PiiFinding[] = Object.freeze([]);

/** A masker that masks nothing (a surface configured raw). */
export const RAW_MASKER: Masker = {
  mask: (text: string): MaskResult => ({ text, found: NOTHING as PiiFinding[] }),
  maskText: (text: string) => text,
  contains: () => false,
};

export function createPrivacyPolicy(settings: Partial<PrivacySettings> = {}): PrivacyPolicy {
  const raw = new Set(settings.raw ?? []);
  const extra = settings.orderPatterns ?? [];
  const masker = createMasker(extra.length ? { orderPatterns: [...DEFAULT_ORDER_PATTERNS, ...extra] } : {});
  return {
    masker: (surface) => (raw.has(surface) ? RAW_MASKER : masker),
    isRaw: (surface) => raw.has(surface),
  };
}
