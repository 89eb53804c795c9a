import { findZhAddresses, findEnAddresses } from './address.js';
import { findEmails } from './email.js';
import { findIdNumbers } from './id-number.js';
import { findNames } from './name.js';
import { toHalfWidth } from './normalize.js';
import { compileOrderPatterns, DEFAULT_ORDER_PATTERNS, orderFinder } from './order.js';
import { findLandlines, findMobiles } from './phone.js';
import {
  type Detector,
  type MaskOptions,
  type MaskResult,
  PII_CLASSES,
  type PiiClass,
  type PiiFinding,
  type Sink,
} from './types.js';

/**
 * Nothing to mask without a digit (phones, ids, order numbers, house numbers), an @ (e-mail) or a
 * name trigger. Order patterns passed in options must likewise only match text holding a digit.
 */
const QUICK =
  /[0-9\uff10-\uff19@\uff20]|收件人|收货人|联系人|姓名|[Nn][Aa][Mm][Ee]|[Rr][Ee][Cc][Ii][Pp][Ii][Ee][Nn][Tt]/;
const NOTHING: readonly PiiFinding[] = Object.freeze([]);

export interface Masker {
  mask(text: string): MaskResult;
  /** Only the masked text: the same string, nothing allocated, when there is nothing to mask. */
  maskText(text: string): string;
  contains(text: string): boolean;
}

/** Builds a masker once per configuration (patterns compiled here, not per text). */
export function createMasker(options: MaskOptions = {}): Masker {
  const classes = new Set<PiiClass>(options.classes ?? PII_CLASSES);
  // priority order: an earlier detector's span wins over an overlapping later one; each with the
  // fewest digits a text needs before the detector can match (a mobile number has 11, …)
  const detectors: [Detector, number][] = [];
  if (classes.has('email')) detectors.push([findEmails, 0]);
  if (classes.has('order'))
    detectors.push([orderFinder(compileOrderPatterns(options.orderPatterns ?? DEFAULT_ORDER_PATTERNS)), 1]);
  if (classes.has('id_number')) detectors.push([findIdNumbers, 17]);
  if (classes.has('mobile')) detectors.push([findMobiles, 11]);
  if (classes.has('landline')) detectors.push([findLandlines, 9]);
  if (classes.has('name')) detectors.push([findNames, 0]);
  if (classes.has('address')) detectors.push([findZhAddresses, 1], [findEnAddresses, 1]);

  const never = (): boolean => false;
  /** Runs the detectors that can match `norm`, in order, until `stop()`. */
  const scan = (norm: string, text: string, sink: Sink, stop: () => boolean): void => {
    let digits = 0;
    for (let i = 0; i < norm.length; i++) {
      const c = norm.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
    }
    for (const [detect, minDigits] of detectors) {
      if (digits >= minDigits) detect(norm, text, sink);
      if (stop()) return;
    }
  };

  function mask(text: string): MaskResult {
    if (detectors.length === 0 || !QUICK.test(text)) return { text, found: NOTHING as PiiFinding[] };
    const norm = toHalfWidth(text);
    const found: PiiFinding[] = [];
    const sink = (cls: PiiClass, start: number, end: number, replacement: string): boolean => {
      for (const f of found) if (start < f.end && f.start < end) return false;
      found.push({ class: cls, start, end, replacement });
      return false;
    };
    scan(norm, text, sink, never);
    if (found.length === 0) return { text, found };
    found.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const f of found) {
      out += text.slice(at, f.start) + f.replacement;
      at = f.end;
    }
    return { text: out + text.slice(at), found };
  }

  function contains(text: string): boolean {
    if (detectors.length === 0 || !QUICK.test(text)) return false;
    const norm = toHalfWidth(text);
    let hit = false;
    scan(
      norm,
      text,
      () => (hit = true),
      () => hit,
    );
    return hit;
  }

  const maskText = (text: string): string => (QUICK.test(text) ? mask(text).text : text);

  return { mask, maskText, contains };
}

const defaultMasker = createMasker();
const maskers = new WeakMap<MaskOptions, Masker>();
const maskerFor = (options?: MaskOptions): Masker => {
  if (!options) return defaultMasker;
  let m = maskers.get(options);
  if (!m) maskers.set(options, (m = createMasker(options)));
  return m;
};

/**
 * Masks personal data (mainland mobile and landline numbers, 18-digit ID numbers, e-mail
 * addresses, order numbers, street addresses past the district, names after a name trigger).
 * Reuse one options object (or call createMasker) so patterns compile once.
 * @example maskPersonalData('电话13912341234').text // '电话139****1234'
 */
export function maskPersonalData(text: string, options?: MaskOptions): MaskResult {
  return maskerFor(options).mask(text);
}

/** maskPersonalData(text, options).text, returning `text` itself without allocating when there is nothing to mask. */
export function maskPersonalText(text: string, options?: MaskOptions): string {
  return maskerFor(options).maskText(text);
}

/** True when maskPersonalData would change the text; stops at the first span found. */
export function containsPersonalData(text: string, options?: MaskOptions): boolean {
  return maskerFor(options).contains(text);
}
