/**
 * Tokenisers. Chinese: NFKC-normalised, lower-cased characters (for character n-grams) and
 * jieba words. English: natural's WordTokenizer per clause, lower-cased, with negation marking
 * (`not good` → `not neg_good`) until the end of the clause.
 */
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

const require = createRequire(import.meta.url);

let jieba: Jieba | undefined;
/** The process-wide jieba segmenter with its default dictionary (loaded once, ≈ 0.3 s). */
export function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

interface NaturalTokenizer {
  tokenize(text: string): string[];
}
let wordTokenizer: NaturalTokenizer | undefined;
/**
 * natural's WordTokenizer, loaded from its own module so natural's index (which pulls storage
 * adapters that print dotenv banners) is never imported.
 */
function englishTokenizer(): NaturalTokenizer {
  if (!wordTokenizer) {
    const mod = require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
      WordTokenizer: new () => NaturalTokenizer;
    };
    wordTokenizer = new mod.WordTokenizer();
  }
  return wordTokenizer;
}

/**
 * Normalisation shared by both languages: NFKC (full-width → half-width), lower case. Text made only
 * of code units both leave alone (ASCII other than A–Z, CJK unified ideographs U+4E00–U+9FFF: no
 * decomposition, no case, nothing composes with them) is returned as is without a call into ICU —
 * most clauses of Chinese reviews (test/reviews/tokenize.test.ts checks every such code unit).
 */
export function normalise(text: string): string {
  return isNormalised(text) ? text : text.normalize('NFKC').toLowerCase();
}

/** True when every code unit of `text` is one NFKC and toLowerCase leave unchanged (see normalise). */
export function isNormalised(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 ? c >= 0x41 && c <= 0x5a : c < 0x4e00 || c > 0x9fff) return false;
  }
  return true;
}

/** Jieba words of an already-normalised Chinese text, whitespace tokens dropped. */
export function zhWords(norm: string, hmm = true): string[] {
  const out: string[] = [];
  for (const w of segmenter().cut(norm, hmm)) {
    const c = w.charCodeAt(0);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0x3000 || c === 0xa0 ? w.trim() !== '' : w.length > 0)
      out.push(w);
  }
  return out;
}

/**
 * Jieba words of many normalised texts in one call (one crossing into the native segmenter instead
 * of one per text; a few per cent faster on short reviews, within this machine's noise). Texts are joined by '\n' (their own line breaks
 * become spaces, which segment the same way) and the result split back on the '\n' tokens;
 * out[i] equals `zhWords(norms[i], hmm)`.
 */
export function zhWordsMany(norms: readonly string[], hmm = true): string[][] {
  if (norms.length === 0) return [];
  return splitJoined(segmenter().cut(joinTexts(norms), hmm), norms.length);
}

/** `zhWordsMany` on libuv's thread pool (the main thread stays free). */
export async function zhWordsBatch(norms: readonly string[], hmm = true): Promise<string[][]> {
  if (norms.length === 0) return [];
  return splitJoined((await segmenter().cutAsync(joinTexts(norms), hmm)) as string[], norms.length);
}

/**
 * The words of a review that fall inside one of its clauses, so a clause is scored without being
 * segmented again (jieba per clause was most of the cost of aspects). `norm` is the review's
 * normalised text and `words` its words (`zhWords(norm)`); `start`/`end` are offsets into the raw
 * text, which index `norm` alike when normalising kept the length (`starts` says so: null when it
 * did not, and the caller segments the clause itself). A word that crosses the clause's edge is left
 * out.
 * @example const s = wordStarts('客服很好,物流慢', ['客服', '很', '好', ',', '物流', '慢']); wordsWithin(['客服', '很', '好', ',', '物流', '慢'], s!, 5, 8) // ['物流', '慢']
 */
export function wordsWithin(words: readonly string[], starts: Int32Array, start: number, end: number): string[] {
  const out: string[] = [];
  // first word starting at or after `start` (binary search: words are in text order)
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < words.length && starts[i]! < end; i++)
    if (starts[i]! >= 0 && starts[i]! + words[i]!.length <= end) out.push(words[i]!);
  return out;
}

/**
 * Where each of `words` starts in `norm` (the text they were segmented from, whitespace tokens
 * dropped); null when a word is not found in order (the words are not of this text).
 */
export function wordStarts(norm: string, words: readonly string[]): Int32Array | null {
  const starts = new Int32Array(words.length);
  let pos = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const at = norm.startsWith(w, pos) ? pos : norm.indexOf(w, pos);
    if (at < 0) return null;
    starts[i] = at;
    pos = at + w.length;
  }
  return starts;
}

const joinTexts = (norms: readonly string[]) =>
  norms.map((n) => (n.indexOf('\n') >= 0 ? n.replace(/\n/g, ' ') : n)).join('\n');

function splitJoined(tokens: readonly string[], expected: number): string[][] {
  const out: string[][] = [[]];
  for (const w of tokens) {
    if (w === '\n') {
      out.push([]);
      continue;
    }
    const c = w.charCodeAt(0);
    if (c === 32 || c === 9 || c === 13 || c === 0x3000 || c === 0xa0 ? w.trim() !== '' : w.length > 0)
      out[out.length - 1]!.push(w);
  }
  if (out.length !== expected) throw new Error(`jieba segmentation: ${out.length} segments for ${expected} texts`);
  return out;
}

const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nor',
  'cannot',
  'without',
  'hardly',
  'barely',
  'neither',
  'nothing',
  'none',
  'nobody',
]);
const CLAUSE_BREAK = /[.,;:!?()[\]"\n]+|\bbut\b|\bhowever\b/;

/**
 * English tokens of an already-normalised text: contractions expanded (`n't` → ` not`), clauses split
 * on punctuation and `but`/`however`, words after a negator in the same clause prefixed `neg_`.
 * @example enTokens("it isn't good, but cheap") // ['it','is','not','neg_good','cheap']
 */
export function enTokens(norm: string): string[] {
  const text = norm.replace(/n['’]t\b/g, ' not').replace(/['’](s|re|ve|ll|d|m)\b/g, ' $1');
  const tok = englishTokenizer();
  const out: string[] = [];
  for (const clause of text.split(CLAUSE_BREAK)) {
    if (clause === undefined || clause.trim() === '') continue;
    let negated = false;
    for (const w of tok.tokenize(clause)) {
      if (NEGATORS.has(w)) {
        negated = true;
        out.push(w);
      } else {
        out.push(negated ? `neg_${w}` : w);
      }
    }
  }
  return out;
}
