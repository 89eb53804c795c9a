/**
 * Masking a text that carries spans (aspect highlights, attribution evidence): the spans' offsets
 * are moved to the masked text, so a page or an export built on the masked text still marks the
 * same words. A span's edge inside a masked piece moves to that piece's edge (the span keeps the
 * whole replacement rather than cutting it).
 */
import { maskPersonalData } from './mask.js';
import type { MaskOptions, PiiFinding } from './types.js';

export interface Span {
  start: number;
  end: number;
}

/** Where offset `at` of the original text lands in the masked text; `side` decides inside a masked piece. */
export function maskedOffset(found: readonly PiiFinding[], at: number, side: 'start' | 'end'): number {
  let shift = 0;
  for (const f of found) {
    if (f.end <= at) {
      shift += f.replacement.length - (f.end - f.start);
      continue;
    }
    if (f.start < at) return side === 'start' ? f.start + shift : f.start + shift + f.replacement.length;
    break;
  }
  return at + shift;
}

/** The masked text and `items` with their `span` moved onto it (items without a span are kept as they are). */
export function maskWithSpans<T extends { span?: Span | null | undefined }>(
  text: string,
  items: readonly T[],
  options?: MaskOptions,
): { text: string; items: T[]; masked: number } {
  const { text: out, found } = maskPersonalData(text, options);
  if (found.length === 0) return { text, items: [...items], masked: 0 };
  return {
    text: out,
    masked: found.length,
    items: items.map((it) =>
      it.span
        ? {
            ...it,
            span: { start: maskedOffset(found, it.span.start, 'start'), end: maskedOffset(found, it.span.end, 'end') },
          }
        : it,
    ),
  };
}
