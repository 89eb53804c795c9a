import type { Sink } from './types.js';

/** local@domain.tld (ASCII; a trailing full stop is not part of the domain). */
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** Masks the local part to its first character + `***`, keeps the domain: a***@example.com. */
export function findEmails(norm: string, orig: string, sink: Sink): void {
  if (norm.indexOf('@') < 0) return;
  EMAIL.lastIndex = 0;
  for (let m = EMAIL.exec(norm); m; m = EMAIL.exec(norm)) {
    const start = m.index;
    const end = start + m[0].length;
    const at = m[0].indexOf('@');
    if (sink('email', start, end, `${orig[start]}***${orig.slice(start + at, end)}`)) return;
  }
}
