/**
 * Text → hashed sparse features. Every setting lives in `FeatureSettings`, saved in the model's
 * metadata.json and read back at inference (never recomputed). Features are binary (each hashed
 * bucket at most once per review; colliding n-grams share a bucket) and the review's vector is L2-normalised: value = 1/√nnz.
 */
import { finish, hashString, mix } from './hash.js';
import { enTokens, normalise, zhWords } from './tokenize.js';

export interface FeatureSettings {
  language: 'zh' | 'en';
  /** hash space is 2^bits buckets */
  bits: number;
  seed: number;
  /** character n-gram lengths [min, max]; null for none */
  charNgrams: [number, number] | null;
  /** word n-gram lengths [min, max] (jieba words for zh, natural tokens for en); null for none */
  wordNgrams: [number, number] | null;
  /** reviews are cut to this many characters before featurising */
  maxChars: number;
  /** character skip-bigrams (c_i, c_{i+g}) for gaps 2..charSkipMax (e.g. 不…好); 0 or absent for none */
  charSkipMax?: number;
  /** zh: let jieba guess unknown words with its HMM (slower; character n-grams cover them anyway) */
  jiebaHmm?: boolean;
}

/**
 * Reusable output buffer: after `featurise`, ids[0..n) are the distinct bucket ids of one review.
 * Duplicates are dropped on insertion through a small open-addressing set (a few KB, stays in
 * cache) with generation stamps, so nothing is cleared between reviews.
 */
export class FeatureBuffer {
  ids: Int32Array;
  n = 0;
  /** n-gram text per id, only filled when `withNames` was asked for */
  names: string[] = [];
  private readonly mask: number;
  private withNames = false;
  private keys: Int32Array;
  private stamps: Int32Array;
  private shift: number;
  private gen = 1;

  constructor(
    readonly bits: number,
    capacity = 1 << 12,
  ) {
    this.ids = new Int32Array(capacity);
    this.mask = (1 << bits) - 1;
    this.keys = new Int32Array(1 << 12);
    this.stamps = new Int32Array(1 << 12);
    this.shift = 32 - 12;
  }

  reset(withNames = false): void {
    this.n = 0;
    this.names.length = 0;
    this.withNames = withNames;
    if (++this.gen === 0x7fffffff) {
      this.stamps.fill(0);
      this.gen = 1;
    }
  }

  /** Adds a bucket once per review; returns true when it was new. */
  add(hash: number, name?: string): boolean {
    const id = hash & this.mask;
    const size = this.keys.length;
    let slot = Math.imul(id, 0x9e3779b1) >>> this.shift;
    while (this.stamps[slot] === this.gen) {
      if (this.keys[slot] === id) return false;
      slot = (slot + 1) & (size - 1);
    }
    this.stamps[slot] = this.gen;
    this.keys[slot] = id;
    if (this.n === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.n++] = id;
    if (this.withNames) this.names.push(name ?? '');
    if (this.n * 2 > size) this.growSet();
    return true;
  }

  /** Doubles the set and re-inserts this review's ids. */
  private growSet(): void {
    const size = this.keys.length * 2;
    this.keys = new Int32Array(size);
    this.stamps = new Int32Array(size);
    this.shift--;
    this.gen = 1;
    for (let i = 0; i < this.n; i++) {
      const id = this.ids[i]!;
      let slot = Math.imul(id, 0x9e3779b1) >>> this.shift;
      while (this.stamps[slot] === 1) slot = (slot + 1) & (size - 1);
      this.stamps[slot] = 1;
      this.keys[slot] = id;
    }
  }
}

const CHAR_NS = 0x51;
const WORD_NS = 0x97;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0x3000 || c === 0xa0;
}

let codes = new Uint16Array(1 << 14);

/** Character n-grams over the non-space code units of `norm`. */
function charNgrams(norm: string, s: FeatureSettings, out: FeatureBuffer, withNames: boolean): void {
  if (!s.charNgrams) return;
  const [lo, hi] = s.charNgrams;
  if (codes.length < norm.length) codes = new Uint16Array(norm.length);
  let len = 0;
  for (let i = 0; i < norm.length; i++) {
    const c = norm.charCodeAt(i);
    if (!isSpace(c)) codes[len++] = c;
  }
  const seed = (s.seed ^ CHAR_NS) | 0;
  for (let i = 0; i < len; i++) {
    let h = seed;
    const top = Math.min(hi, len - i);
    for (let n = 1; n <= top; n++) {
      h = mix(h, codes[i + n - 1]!);
      if (n >= lo) out.add(finish(mix(h, n)), withNames ? String.fromCharCode(...codes.subarray(i, i + n)) : undefined);
    }
  }
  const skipMax = s.charSkipMax ?? 0;
  for (let g = 2; g <= skipMax; g++) {
    const skipSeed = (seed ^ (0x5a000 + g)) | 0;
    for (let i = 0; i + g < len; i++) {
      out.add(
        finish(mix(mix(skipSeed, codes[i]!), codes[i + g]!)),
        withNames ? `${String.fromCharCode(codes[i]!)}…${String.fromCharCode(codes[i + g]!)}` : undefined,
      );
    }
  }
}

let wordHashes = new Int32Array(1 << 12);

/** Word n-grams: each word hashed once, n-grams combine the word hashes. */
function wordNgrams(words: string[], s: FeatureSettings, out: FeatureBuffer, withNames: boolean): void {
  if (!s.wordNgrams) return;
  const [lo, hi] = s.wordNgrams;
  const len = words.length;
  if (wordHashes.length < len) wordHashes = new Int32Array(len);
  const seed = (s.seed ^ WORD_NS) | 0;
  for (let i = 0; i < len; i++) wordHashes[i] = hashString(words[i]!, seed);
  for (let i = 0; i < len; i++) {
    let h = seed;
    const top = Math.min(hi, len - i);
    for (let n = 1; n <= top; n++) {
      h = mix(h, wordHashes[i + n - 1]!);
      if (n >= lo)
        out.add(
          finish(mix(h, 0x100 + n)),
          withNames ? words.slice(i, i + n).join(s.language === 'zh' ? '' : ' ') : undefined,
        );
    }
  }
}

/** The normalised text features are computed from (cut to `maxChars`, NFKC, lower case). */
export function prepareText(text: string, s: FeatureSettings): string {
  return normalise(text.length > s.maxChars ? text.slice(0, s.maxChars) : text);
}

/**
 * Fills `out` with the hashed features of one review. `words` may carry the review's words already
 * segmented from `prepareText(text, s)` (see `zhWordsBatch`); otherwise they are computed here.
 * @example const b = new FeatureBuffer(s.bits); featurise('很好', s, b); b.n > 0
 */
export function featurise(
  text: string,
  s: FeatureSettings,
  out: FeatureBuffer,
  withNames = false,
  words?: string[],
): void {
  out.reset(withNames);
  const norm = prepareText(text, s);
  charNgrams(norm, s, out, withNames);
  if (s.wordNgrams)
    wordNgrams(words ?? (s.language === 'zh' ? zhWords(norm, s.jiebaHmm ?? true) : enTokens(norm)), s, out, withNames);
}

/** The default settings each language is trained with (the trainer may override and saves them). */
export function defaultSettings(language: 'zh' | 'en'): FeatureSettings {
  return language === 'zh'
    ? { language, bits: 21, seed: 20240601, charNgrams: [1, 4], wordNgrams: [1, 2], maxChars: 5000, jiebaHmm: false }
    : { language, bits: 20, seed: 20240601, charNgrams: null, wordNgrams: [1, 2], maxChars: 20000 };
}
