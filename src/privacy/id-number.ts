import type { Sink } from './types.js';

/** 18-digit resident ID: region (first digit 1-8), birth date 19xx/20xx, sequence, check character. */
const ID =
  /(?<![0-9A-Za-z])[1-8][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])/g;

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/**
 * The check character of GB 11643 (ISO 7064 MOD 11-2) for the first 17 digits.
 * @example idCheckCharacter('11010519491231002') // 'X'
 */
export function idCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `id` (18 ASCII characters) carries a real calendar birth date and a matching check character. */
export function isValidIdNumber(id: string): boolean {
  if (!/^[1-8][0-9]{16}[0-9Xx]$/.test(id)) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  return idCheckCharacter(id) === id[17]!.toUpperCase();
}

/** Masks to the first 6 (region) and last 4 characters: 110105********002X (birth date hidden). */
export function findIdNumbers(norm: string, orig: string, sink: Sink): void {
  ID.lastIndex = 0;
  for (let m = ID.exec(norm); m; m = ID.exec(norm)) {
    if (!isValidIdNumber(m[0])) continue;
    const start = m.index;
    const end = start + 18;
    if (sink('id_number', start, end, `${orig.slice(start, start + 6)}********${orig.slice(end - 4, end)}`)) return;
  }
}
