const FOLDABLE = /[\uff01-\uff5e\u3000\u2010-\u2015]/;
const FOLDABLE_G = /[\uff01-\uff5e\u3000\u2010-\u2015]/g;

const fold = (c: string): string => {
  const code = c.charCodeAt(0);
  if (code === 0x3000) return ' ';
  if (code >= 0x2010 && code <= 0x2015) return '-';
  return String.fromCharCode(code - 0xfee0);
};

/**
 * Folds full-width ASCII (０-９, Ａ-Ｚ, ＠, ：, （, ）, ＋, －, …), the ideographic space and the
 * Unicode dashes to their ASCII forms, one UTF-16 unit for one, so offsets found in the folded
 * text are offsets in the original. Returns the same string (no allocation) when nothing folds.
 * @example toHalfWidth('电话：１３９') // '电话:139'
 */
export function toHalfWidth(text: string): string {
  return FOLDABLE.test(text) ? text.replace(FOLDABLE_G, fold) : text;
}
