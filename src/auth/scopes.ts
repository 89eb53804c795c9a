/**
 * Scopes of API keys: hr, cs_lead, scorer (read-only machine access), admin (everything), and agent
 * (issue 18): a key bound to one agent (`api_keys.agent_id`, migration 023) that may read that agent's
 * own rating and the reviews counted in it, and file appeals (申诉) on them — nothing else, and never
 * for another agent. An agent key holds the `agent` scope alone. The key store is keys.ts.
 */
import { z } from 'zod';

export const SCOPES = ['hr', 'cs_lead', 'scorer', 'admin', 'agent'] as const;
export type Scope = (typeof SCOPES)[number];
export const scopeSchema = z.enum(SCOPES);

/** True when a key with `scopes` may call a route that accepts `allowed`. Admin may call anything. */
export function scopeAllows(scopes: readonly Scope[], allowed: readonly Scope[]): boolean {
  return scopes.includes('admin') || scopes.some((s) => allowed.includes(s));
}

/**
 * The scopes and agent binding of a new key, checked: a key with the `agent` scope is bound to one
 * agent and holds no other scope; a key without it is bound to none. Returns the problem, or null.
 */
export function agentBindingProblem(scopes: readonly Scope[], agentId: string | null | undefined): string | null {
  const isAgent = scopes.includes('agent');
  if (isAgent && scopes.length > 1) return 'the agent scope cannot be combined with other scopes';
  if (isAgent && !agentId) return 'a key with the agent scope needs agent_id (the employee it belongs to)';
  if (!isAgent && agentId) return 'agent_id is only for a key with the agent scope';
  return null;
}
