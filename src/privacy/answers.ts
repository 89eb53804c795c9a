/**
 * Review text in answers: the text masked, and what echoes it — aspect spans (`{ start, end, text }`)
 * and explanation n-grams — masked to match. A stored review's spans move onto the masked text (the
 * answer carries that text); a scored text's spans keep the caller's offsets (the caller holds the
 * text it sent) and only their `text` is masked.
 */
import type { Masker } from './mask.js';
import { maskedOffset } from './spans.js';
import type { PiiFinding } from './types.js';

interface TextSpan {
  start: number;
  end: number;
  text: string;
}
interface WithSpan {
  span?: TextSpan | null | undefined;
}
interface Token {
  token: string;
}

/** `original.slice(start, end)` as the masked text shows it (a masked piece the span touches is shown whole). */
function maskedSlice(masked: string, found: readonly PiiFinding[], start: number, end: number): string {
  return masked.slice(maskedOffset(found, start, 'start'), maskedOffset(found, end, 'end'));
}

/**
 * An explanation n-gram with every character that belongs to a masked piece of `original` replaced
 * by `*` (an n-gram may cut a phone number in half, which the masker alone would not recognise).
 */
function maskToken(original: string, found: readonly PiiFinding[], token: string): string {
  if (found.length === 0 || token.length === 0) return token;
  const hidden = new Set<number>();
  for (let at = original.indexOf(token); at >= 0; at = original.indexOf(token, at + 1))
    for (const f of found)
      for (let i = Math.max(at, f.start); i < Math.min(at + token.length, f.end); i++) hidden.add(i - at);
  if (hidden.size === 0) return token;
  let out = '';
  for (let i = 0; i < token.length; i++) out += hidden.has(i) ? '*' : token[i];
  return out;
}

function maskTokens<E extends Token>(
  m: Masker,
  original: string,
  found: readonly PiiFinding[],
  list: readonly E[],
): E[] {
  return list.map((e) => {
    const token = m.maskText(maskToken(original, found, e.token));
    return token === e.token ? e : { ...e, token };
  });
}

/** A stored review with its text masked (and, when it carries them, its aspects and explanation). */
export function maskStoredReview<
  R extends { text: string; aspects?: readonly WithSpan[] | undefined; explanation?: readonly Token[] | undefined },
>(m: Masker, review: R): R {
  const { text: masked, found } = m.mask(review.text);
  if (found.length === 0 && !review.explanation) return review;
  const out: R = { ...review, text: masked };
  if (review.aspects)
    (out as { aspects: unknown }).aspects = review.aspects.map((a) => {
      if (!a.span || found.length === 0) return a;
      const start = maskedOffset(found, a.span.start, 'start');
      const end = maskedOffset(found, a.span.end, 'end');
      return { ...a, span: { ...a.span, start, end, text: masked.slice(start, end) } };
    });
  if (review.explanation)
    (out as { explanation: unknown }).explanation = maskTokens(m, review.text, found, review.explanation);
  return out;
}

/** A scoring answer for `text`: the aspect spans' text and the explanation n-grams masked (offsets unchanged). */
export function maskScoredText<
  S extends { aspects?: readonly WithSpan[] | undefined; explanation?: readonly Token[] | undefined },
>(m: Masker, text: string, scored: S): S {
  const { text: masked, found } = m.mask(text);
  const out: S = { ...scored };
  if (scored.aspects && found.length > 0)
    (out as { aspects: unknown }).aspects = scored.aspects.map((a) =>
      a.span ? { ...a, span: { ...a.span, text: maskedSlice(masked, found, a.span.start, a.span.end) } } : a,
    );
  if (scored.explanation)
    (out as { explanation: unknown }).explanation = maskTokens(m, text, found, scored.explanation);
  return out;
}
