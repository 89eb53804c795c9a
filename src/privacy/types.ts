/** The classes of personal data the masker knows (docs/ROUND "Personal data"). */
export const PII_CLASSES = ['mobile', 'landline', 'id_number', 'email', 'order', 'address', 'name'] as const;
export type PiiClass = (typeof PII_CLASSES)[number];

/** One masked span: offsets into the ORIGINAL text (UTF-16 code units), end exclusive. */
export interface PiiFinding {
  class: PiiClass;
  start: number;
  end: number;
  /** what `text.slice(start, end)` became in the masked text */
  replacement: string;
}

export interface MaskResult {
  text: string;
  /** in text order; spans never overlap */
  found: PiiFinding[];
}

export interface MaskOptions {
  /** classes to mask (default: all of PII_CLASSES) */
  classes?: readonly PiiClass[];
  /**
   * Order-number patterns, each a RegExp matched against the text after full-width characters are
   * folded to ASCII. The named group `id` marks the order id (the whole match when there is no such
   * group); all but its last 4 characters are masked. Default: DEFAULT_ORDER_PATTERNS; pass
   * `[...DEFAULT_ORDER_PATTERNS, /your pattern/]` to add to them. Flags g, y and d are set here.
   */
  orderPatterns?: readonly RegExp[];
}

/**
 * Where a detector reports a span (offsets into the text; the normalised and the original text have
 * the same length). Returns true when the scan should stop (containsPersonalData found one).
 */
export type Sink = (cls: PiiClass, start: number, end: number, replacement: string) => boolean;

/** A detector scans `norm` (full-width folded) and builds replacements from `orig`. */
export type Detector = (norm: string, orig: string, sink: Sink) => void;
