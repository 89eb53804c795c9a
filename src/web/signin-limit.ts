/**
 * ┌──────────────────────────────────────────────────────────────────────────────────────────────┐
 * │ CALL POINT for the sign-in attempt limiter (per client address), built by the read-path work.   │
 * │ POST /login calls `limiter.check(address)` before it looks at the key, and                       │
 * │ `limiter.record(address, ok)` after. The lead wires the real limiter here (or passes one as the │
 * │ console plugin's `signInLimiter` option in app.ts); until then every attempt is allowed.        │
 * └──────────────────────────────────────────────────────────────────────────────────────────────┘
 */

export type SignInDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface SignInLimiter {
  /** May this address try a key now? */
  check(address: string): Promise<SignInDecision> | SignInDecision;
  /** The attempt's outcome (a limiter counts failures and forgets an address after a success). */
  record(address: string, ok: boolean): Promise<void> | void;
}

/** The default until the read-path limiter is wired: allows everything, remembers nothing. */
export const allowAllSignIns: SignInLimiter = {
  check: () => ({ allowed: true }),
  record: () => undefined,
};
