/**
 * The kind of product of a shared-data row (`readDomains`, src/reviews/sentiment/aspect-data.ts), read by
 * `--weak-domains` and training/aspects-oof-errors.ts: en's `domain` column, zh's `cat` column.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDomains } from '../../src/reviews/sentiment/aspect-data.js';

describe('readDomains', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aspect-data-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("reads en's domain column", () => {
    expect(
      readDomains(file('en.csv', 'domain,rating,label,title,review\nbooks,5,1,t,"a, b"\nkitchen,1,0,t,c\n')),
    ).toEqual(['books', 'kitchen']);
  });

  it("reads zh's cat column where there is no domain column", () => {
    expect(
      readDomains(file('zh.csv', '\ufeffcat,label,review\n书籍,1,好书\n蒙牛,0,"不好，很差"\n酒店,1,前台热情\n')),
    ).toEqual(['书籍', '蒙牛', '酒店']);
  });

  it('gives empty kinds to a file with neither column', () => {
    expect(readDomains(file('none.csv', 'label,review\n1,x\n0,y\n'))).toEqual(['', '']);
  });
});
