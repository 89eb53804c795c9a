/**
 * Money in integer cents: rates as integer parts per million, products rounded half up with BigInt (no
 * float drift, no overflow), and a pool split by shares whose parts sum exactly to the pool.
 */
import { DomainError } from '../lib/errors.js';

/** Parts per million in one percent: 3 % = 30 000 ppm. */
export const PPM_PER_PERCENT = 10_000;

/**
 * `cents` × `num` / `den`, rounded half up (all inputs non-negative integers).
 * @example mulDiv(1005, 1, 2) // 503
 */
export function mulDiv(cents: number, num: number, den: number): number {
  const n = BigInt(cents) * BigInt(num);
  const d = BigInt(den);
  return Number((2n * n + d) / (2n * d));
}

/**
 * `cents` × rate, the rate in ppm, rounded half up to the cent.
 * @example applyRate(1_000_000_00, 60_000) // 6_000_000 (6 % of 1,000,000.00 → 60,000.00)
 */
export const applyRate = (cents: number, ratePpm: number): number => mulDiv(cents, ratePpm, 1_000_000);

/**
 * A decimal number to an integer count of 1/10^`decimals` units, refusing more decimals than that.
 * @returns null when `x` has more than `decimals` decimals (beyond float noise) or is not finite
 * @example toUnits(3.25, 4) // 32500
 */
export function toUnits(x: number, decimals: number): number | null {
  if (!Number.isFinite(x)) return null;
  const scaled = x * 10 ** decimals;
  const r = Math.round(scaled);
  return Math.abs(scaled - r) <= 1e-6 * Math.max(1, Math.abs(scaled)) ? r : null;
}

/** Yuan (or any major unit) and cents as text: 123456 → '1234.56'. */
export const centsText = (c: number): string =>
  `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;

export interface Share {
  employee_id: string;
  share: number;
}

export interface PoolPart {
  employee_id: string;
  share: number;
  /** share / Σ shares, for display (6 decimals). */
  normalised: number;
  cents: number;
}

/**
 * Splits `poolCents` by declared shares (normalised: only their ratios matter; read to 6 decimals) with
 * the largest-remainder method: every part is its exact value rounded down, then the cents left over go
 * one each to the largest remainders (ties: employee id order). The parts sum exactly to the pool.
 * @throws DomainError `invalid_pool` naming `pool_cents`, `shares`, or `shares.N.share` / `.employee_id`
 * @example splitPool(100, [{ employee_id: 'a', share: 1 }, { employee_id: 'b', share: 1 }, { employee_id: 'c', share: 1 }])
 *   // cents 34, 33, 33
 */
export function splitPool(poolCents: number, shares: readonly Share[]): PoolPart[] {
  const errors: { field: string; reason: string }[] = [];
  if (!Number.isSafeInteger(poolCents) || poolCents < 0)
    errors.push({ field: 'pool_cents', reason: 'expected a non-negative whole number of cents' });
  if (!Array.isArray(shares) || shares.length === 0)
    errors.push({ field: 'shares', reason: 'expected at least one share' });
  const seen = new Set<string>();
  const units = (shares ?? []).map((s, i) => {
    if (typeof s?.employee_id !== 'string' || s.employee_id.trim() === '')
      errors.push({ field: `shares.${i}.employee_id`, reason: 'expected an employee id' });
    else if (seen.has(s.employee_id))
      errors.push({ field: `shares.${i}.employee_id`, reason: `'${s.employee_id}' has a share already` });
    else seen.add(s.employee_id);
    const u = typeof s?.share === 'number' && s.share >= 0 ? toUnits(s.share, 6) : null;
    if (u === null) errors.push({ field: `shares.${i}.share`, reason: 'expected a share ≥ 0 with at most 6 decimals' });
    return BigInt(u ?? 0);
  });
  const total = units.reduce((s, u) => s + u, 0n);
  if (errors.length === 0 && total === 0n) errors.push({ field: 'shares', reason: 'the shares sum to 0' });
  if (errors.length > 0) throw new DomainError('invalid_pool', 'the bonus pool cannot be split', { errors });
  const pool = BigInt(poolCents);
  const parts = shares.map((s, i) => {
    const exact = pool * units[i]!;
    return { s, floor: exact / total, rem: exact % total, i };
  });
  let left = pool - parts.reduce((s, p) => s + p.floor, 0n);
  const order = [...parts].sort((a, b) =>
    a.rem !== b.rem ? (a.rem > b.rem ? -1 : 1) : a.s.employee_id < b.s.employee_id ? -1 : 1,
  );
  const extra = new Set<number>();
  for (const p of order) {
    if (left === 0n) break;
    extra.add(p.i);
    left--;
  }
  return parts.map((p) => ({
    employee_id: p.s.employee_id,
    share: p.s.share,
    normalised: Math.round((Number(units[p.i]!) / Number(total)) * 1e6) / 1e6,
    cents: Number(p.floor) + (extra.has(p.i) ? 1 : 0),
  }));
}
