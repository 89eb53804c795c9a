import type { Sink } from './types.js';

/**
 * Mainland mobile numbers: 1[3-9]x + 8 digits, bare or 3-4-4 with one kind of separator, with an
 * optional +86 / 0086 / 86- / (+86) prefix. Never a part of a longer digit run or of an
 * alphanumeric code (lookbehind / lookahead on the folded text).
 */
const MOBILE =
  /(?<![0-9A-Za-z])(?:(?:\+|00)?86[- ]?|\(\+?86\) ?)?1[3-9][0-9](?:[0-9]{8}(?![0-9])|([- ])[0-9]{4}\1[0-9]{4}(?![0-9]|[- ][0-9]))/g;

/**
 * Landlines: a 0-prefixed area code (010, 02x, 0[3-9]xx) set off by a separator or parentheses,
 * or +86 and the code without its 0; then a 7–8 digit local number (not starting with 0) (one inner space
 * or hyphen allowed), then an optional extension (-801, 转801, ext 801). 400/800 numbers are not
 * personal and do not match.
 */
const LANDLINE =
  /(?<![0-9A-Za-z+])((?:(?:\+|00)86[- ]?)?(?:\((?:0|\+86[- ]?)?(?:10|2[0-9]|[3-9][0-9]{2})\) ?|0(?:10|2[0-9]|[3-9][0-9]{2})[- ]|(?<=86[- ]?)(?:10|2[0-9]|[3-9][0-9]{2})[- ]))([1-9][0-9]{2,3}[- ]?[0-9]{4})(?:(?:[- ]|转|ext\.? ?|x)([0-9]{1,5}))?(?![0-9])/g;

const digitsOf = (s: string): string => s.replace(/[^0-9\uff10-\uff19]/g, '');

export function findMobiles(norm: string, orig: string, sink: Sink): void {
  MOBILE.lastIndex = 0;
  for (let m = MOBILE.exec(norm); m; m = MOBILE.exec(norm)) {
    const start = m.index;
    const end = start + m[0].length;
    // digits as written (full-width stay full-width): the last 11 are the number
    const d = digitsOf(orig.slice(start, end)).slice(-11);
    if (sink('mobile', start, end, `${d.slice(0, 3)}****${d.slice(7)}`)) return;
  }
}

export function findLandlines(norm: string, orig: string, sink: Sink): void {
  LANDLINE.lastIndex = 0;
  for (let m = LANDLINE.exec(norm); m; m = LANDLINE.exec(norm)) {
    const start = m.index;
    const end = start + m[0].length;
    const area = orig.slice(start, start + m[1]!.length);
    const local = digitsOf(orig.slice(start + m[1]!.length, start + m[1]!.length + m[2]!.length));
    let replacement = `${area}****${local.slice(-4)}`;
    if (m[3]) {
      const extStart = end - m[3].length;
      replacement += orig.slice(start + m[1]!.length + m[2]!.length, extStart) + '*'.repeat(m[3].length);
    }
    if (sink('landline', start, end, replacement)) return;
  }
}
