/**
 * Scopes of API keys: hr, cs_lead, scorer (read-only machine access), admin (everything); and the
 * one rule of who may call what. The key store is keys.ts.
 */
import { z } from 'zod';

export const SCOPES = ['hr', 'cs_lead', 'scorer', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

/** True when a key with `scopes` may call a route that accepts `allowed`. Admin may call anything. */
export function scopeAllows(scopes: readonly Scope[], allowed: readonly Scope[]): boolean {
  return scopes.includes('admin') || scopes.some((s) => allowed.includes(s));
}
