/**
 * The CSV dialect every upload is read in, tokenised by hand (a general parser was most of an
 * upload's CPU time). It reads what csv-parse read with `bom, trim, skip_empty_lines,
 * relax_column_count`, field for field:
 * - one UTF-8 BOM at the start is dropped;
 * - the record delimiter is the first of `\r\n`, `\n`, `\r` met outside quotes, and only it after that
 *   (another line-break character is text, or trimmed at a field's ends);
 * - a field's leading space, tab, form feed, CR and LF are dropped; an unquoted field is trimmed at
 *   its end (`trimEnd`); a quoted field keeps everything between its quotes, `""` being one quote;
 * - after a closing quote only those trimmable characters may come before the next comma or line;
 *   a quote inside an unquoted field, and a quote never closed, are errors;
 * - lines with nothing but trimmable characters are skipped; rows may be shorter or longer than the
 *   header (cells past the header are dropped).
 */
import { BadRequestError } from '../lib/errors.js';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** csv-parse's trimmable characters: CR, LF, form feed, space, tab. */
const trimmable = (c: number) => c === 32 || c === 9 || c === LF || c === CR || c === 12;

/** A malformed-CSV answer (400), naming the line. */
function malformed(line: number, what: string): BadRequestError {
  return new BadRequestError(`malformed CSV at line ${line}: ${what}`, { line });
}

const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * Splits text fed in pieces into records (arrays of fields). Only whole records are handed out: the
 * start of a record cut by a piece's end is kept and read again with the next piece.
 */
export class CsvTokenizer {
  private rest = '';
  private started = false;
  /** The record delimiter once met: '\r\n', '\n' or '\r'. */
  private delim = '';
  /** Line breaks consumed before `rest` (for error lines). */
  private linesBefore = 0;
  /** Don't read `rest` again before it has grown to this length (a long record is not rescanned per piece). */
  private waitFor = 0;

  /** Feeds `text`; `final` at the end of the input. Calls `onRecord` with each whole record. */
  feed(text: string, final: boolean, onRecord: (fields: string[]) => void): void {
    let s = this.rest.length > 0 ? this.rest + text : text;
    if (!this.started) {
      if (s.length === 0 && !final) return;
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    if (!final && s.length < this.waitFor) {
      this.rest = s;
      return;
    }
    const used = this.read(s, final, onRecord);
    this.countLines(s, used);
    this.rest = used < s.length ? s.slice(used) : '';
    this.waitFor = this.rest.length * 2;
  }

  private countLines(s: string, end: number): void {
    const nl = this.delim === '\r' ? '\r' : '\n';
    for (let i = s.indexOf(nl); i >= 0 && i < end; i = s.indexOf(nl, i + 1)) this.linesBefore += 1;
  }

  private lineAt(s: string, pos: number): number {
    const nl = this.delim === '\r' ? '\r' : '\n';
    let line = this.linesBefore + 1;
    for (let i = s.indexOf(nl); i >= 0 && i < pos; i = s.indexOf(nl, i + 1)) line += 1;
    return line;
  }

  /**
   * The length of the record delimiter at `i` (0: none; -1: cannot tell before more text comes),
   * discovering it on the first line break.
   */
  private delimAt(s: string, i: number, final: boolean): number {
    const c = s.charCodeAt(i);
    if (c !== LF && c !== CR) return 0;
    if (this.delim === '') {
      if (c === LF) this.delim = '\n';
      else if (i + 1 >= s.length && !final) return -1;
      else this.delim = s.charCodeAt(i + 1) === LF ? '\r\n' : '\r';
    }
    const d = this.delim;
    if (d === '\n') return c === LF ? 1 : 0;
    if (d === '\r') return c === CR ? 1 : 0;
    if (c !== CR) return 0;
    if (i + 1 >= s.length) return final ? 0 : -1;
    return s.charCodeAt(i + 1) === LF ? 2 : 0;
  }

  /** Reads whole records of `s`; returns how much of it was consumed. */
  private read(s: string, final: boolean, onRecord: (fields: string[]) => void): number {
    const n = s.length;
    let i = 0;
    let recStart = 0;
    let fields: string[] = [];
    for (;;) {
      // one field from i: leading trimmable characters (but the record delimiter) are dropped
      let d = 0;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === LF || c === CR) {
          d = this.delimAt(s, i, final);
          if (d < 0) return recStart;
          if (d > 0) break;
          i += 1;
        } else if (c === 32 || c === 9 || c === 12) i += 1;
        else break;
      }
      if (i >= n) {
        if (!final) return recStart;
        if (fields.length > 0) {
          fields.push('');
          onRecord(fields);
        }
        return n;
      }
      if (d > 0) {
        // an empty field ends the record; a record of nothing is an empty line, skipped
        if (fields.length > 0) {
          fields.push('');
          onRecord(fields);
          fields = [];
        }
        i += d;
        recStart = i;
        continue;
      }
      let c = s.charCodeAt(i);
      if (c === COMMA) {
        fields.push('');
        i += 1;
        continue;
      }
      let value: string;
      if (c === QUOTE) {
        let text = '';
        let from = i + 1;
        let q: number;
        for (;;) {
          q = s.indexOf('"', from);
          if (q < 0) {
            if (!final) return recStart;
            throw malformed(
              this.lineAt(s, n),
              `Quote Not Closed: the parsing is finished with an opening quote (opened at line ${this.lineAt(s, i)})`,
            );
          }
          if (q + 1 >= n && !final) return recStart;
          if (s.charCodeAt(q + 1) === QUOTE) {
            text += s.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          break;
        }
        value = text + s.slice(from, q);
        i = q + 1;
        if (i < n) {
          c = s.charCodeAt(i);
          if (c !== COMMA && c !== 0 && !trimmable(c)) {
            throw malformed(
              this.lineAt(s, i),
              `Invalid Closing Quote: got ${shown(String.fromCharCode(c))} instead of a comma, a line end or a space`,
            );
          }
        }
        // after the closing quote: spaces up to the comma or the line's end
        d = 0;
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === COMMA) break;
          d = this.delimAt(s, i, final);
          if (d < 0) return recStart;
          if (d > 0) break;
          if (!trimmable(c))
            throw malformed(
              this.lineAt(s, i),
              'Invalid Closing Quote: found a character that is not a space after the quote',
            );
          i += 1;
        }
      } else {
        const start = i;
        d = 0;
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === COMMA) break;
          if (c === QUOTE)
            throw malformed(
              this.lineAt(s, i),
              `Invalid Opening Quote: a quote in the middle of a field, value is ${shown(s.slice(start, i))}`,
            );
          if (c === LF || c === CR) {
            d = this.delimAt(s, i, final);
            if (d < 0) return recStart;
            if (d > 0) break;
          }
          i += 1;
        }
        if (i >= n && !final) return recStart;
        value = s.slice(start, i).trimEnd();
      }
      fields.push(value);
      if (i >= n) {
        if (!final) return recStart;
        onRecord(fields);
        return n;
      }
      if (s.charCodeAt(i) === COMMA) {
        i += 1;
        continue;
      }
      // the record delimiter
      onRecord(fields);
      fields = [];
      i += d;
      recStart = i;
    }
  }
}
