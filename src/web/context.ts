/** What every console page is rendered with: language, messages, formats, the session and its CSRF token. */
import type { Scope } from '../auth/scopes.js';
import type { Masker } from '../privacy/mask.js';
import { createMasker } from '../privacy/mask.js';
import type { Session } from '../services/console.js';
import { type Formatter, formatter, type Lang, translator, type Translate } from './messages.js';

export interface Ctx {
  lang: Lang;
  t: Translate;
  f: Formatter;
  session: Session | null;
  /** the token every form of this page carries (the session's, or the sign-in form's cookie) */
  csrf: string;
  /** path and query of this page (the language switch comes back to it) */
  url: string;
  /** a partial update asks for the <main> content only */
  partial: boolean;
  /** masks personal data in the review text a page shows (PII_RAW=console: a masker that masks nothing) */
  mask: Masker;
}

const defaultMasker = createMasker();

export function makeCtx(
  lang: Lang,
  session: Session | null,
  csrf: string,
  url: string,
  partial: boolean,
  mask: Masker = defaultMasker,
): Ctx {
  return { lang, t: translator(lang), f: formatter(lang), session, csrf, url, partial, mask };
}

/** The console's two desks and who may use them (admin may use both). */
export type Desk = 'quality' | 'hr' | 'admin' | 'data' | 'self';
export const DESK_SCOPES: Record<Desk, readonly Scope[]> = {
  quality: ['cs_lead', 'admin'],
  hr: ['hr', 'admin'],
  // console part 2 (issue 13): models and keys
  admin: ['admin'],
  // console part 2 (issue 13): uploads, for HR's files and the quality lead's
  data: ['hr', 'cs_lead', 'admin'],
  // issue 18: an agent key's own page (/me); admin is bound to no agent, so only agent keys
  self: ['agent'],
};

export const mayUse = (scopes: readonly Scope[], desk: Desk): boolean =>
  scopes.some((s) => DESK_SCOPES[desk].includes(s));

/** Where a key lands after sign-in; null for a key that may see no console page (scorer). */
export function landing(scopes: readonly Scope[]): string | null {
  if (mayUse(scopes, 'quality')) return '/ratings';
  if (mayUse(scopes, 'hr')) return '/hr';
  if (mayUse(scopes, 'self')) return '/me';
  return null;
}
