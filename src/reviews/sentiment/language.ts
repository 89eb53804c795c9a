/**
 * Per-review language detection by script: Han characters → zh, Latin letters → en, anything
 * else (kana, Hangul, Cyrillic, only emoji or digits) → other. Mixed Chinese/English text goes to
 * whichever script carries more of the letters, with Han counted three times because one Han
 * character carries about as much as a short English word.
 */
export type Language = 'zh' | 'en' | 'other';

export function detectLanguage(text: string): Language {
  let han = 0;
  let latin = 0;
  let otherLetters = 0;
  const n = Math.min(text.length, 4000);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) latin++;
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) {
      han++;
    } else if (
      (c >= 0x3040 && c <= 0x30ff) ||
      (c >= 0xac00 && c <= 0xd7af) ||
      (c >= 0x0400 && c <= 0x04ff) ||
      (c >= 0x0600 && c <= 0x06ff) ||
      (c >= 0x0e00 && c <= 0x0e7f) ||
      (c >= 0x0900 && c <= 0x097f)
    ) {
      otherLetters++;
    } else if (c >= 0xff21 && c <= 0xff5a) {
      latin++; // full-width Latin
    }
  }
  if (otherLetters > 0 && otherLetters * 2 >= han + latin) return 'other';
  if (han === 0 && latin < 2) return 'other';
  return han * 3 >= latin ? 'zh' : 'en';
}
