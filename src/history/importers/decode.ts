/**
 * Bytes → text for exported reports. Chinese back-office exports are often GBK; Excel's
 * "Unicode text" is UTF-16LE with a BOM.
 */
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'gbk' | 'auto';

export type Decoded =
  | { ok: true; text: string; encoding: 'utf-8' | 'utf-16le' | 'gbk' }
  | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true }); // strips a BOM by default

function startsWith(buf: Uint8Array, ...bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

/**
 * Decodes an export. 'auto' tries UTF-16LE (only with its BOM), then strict UTF-8 (BOM or not),
 * then GBK (decoded as GB18030, its superset). Binary spreadsheets are refused with a hint.
 */
export function decodeText(input: Uint8Array | string, encoding: TextEncoding = 'auto'): Decoded {
  if (typeof input === 'string') return { ok: true, text: input.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  if (startsWith(input, 0xd0, 0xcf, 0x11, 0xe0)) {
    return { ok: false, reason: 'binary .xls workbook; save it as CSV (or text) first' };
  }
  if (startsWith(input, 0x50, 0x4b, 0x03, 0x04)) {
    return { ok: false, reason: '.xlsx workbook (zip); save it as CSV first' };
  }
  if (encoding === 'auto' && startsWith(input, 0xff, 0xfe)) {
    return { ok: true, text: new TextDecoder('utf-16le').decode(input), encoding: 'utf-16le' };
  }
  if (encoding !== 'gbk') {
    try {
      return { ok: true, text: utf8.decode(input), encoding: 'utf-8' };
    } catch {
      if (encoding === 'utf-8') return { ok: false, reason: 'not valid UTF-8 (try encoding gbk)' };
    }
  }
  const text = iconv.decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 'gb18030');
  if (text.includes('\uFFFD')) {
    return { ok: false, reason: encoding === 'gbk' ? 'not valid GBK' : 'neither valid UTF-8 nor valid GBK' };
  }
  return { ok: true, text: text.replace(/^\uFEFF/, ''), encoding: 'gbk' };
}
