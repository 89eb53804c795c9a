/**
 * The precompiled row check of history uploads (quickHistoryRow, f.quick) against its zod schema:
 * whenever it answers, the schema accepts the same row with the same value; when it does not, the
 * schema decides (so every refusal keeps the schema's message). Rows drawn from CSV-like text and
 * JSON values, good and bad.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyRowSchema, quickHistoryRow } from '../../src/history/repository.js';

const text = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'E1',
    ' E1 ',
    'x'.repeat(128),
    ` ${'x'.repeat(128)} `,
    'x'.repeat(129),
    '\u3000E1',
    'E\u00001',
  ),
  fc.string({ maxLength: 12 }),
);
const period = fc.oneof(
  fc.constantFrom(
    '2026-W07',
    ' 2026-W53 ',
    '2026-W54',
    '2020-W53',
    '2026-03',
    '2026-13',
    '2026-Q1',
    '2026-Q5',
    '0999-01',
    '2026-3',
    '',
  ),
  fc.string({ maxLength: 9 }),
);
const value = fc.oneof(
  fc.constantFrom(
    '12.5',
    ' -3e2 ',
    '1e999',
    '-1e999',
    '.5',
    '5.',
    '+1',
    '0x10',
    '1_000',
    'NaN',
    'Infinity',
    '',
    ' ',
    '1 2',
    '١٢',
  ),
  fc.double().map(String),
  fc.double(),
  fc.integer(),
  fc.constant(Number.NaN),
);
const any = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.array(fc.string(), { maxLength: 1 }),
);
const field = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: arb, weight: 8 }, { arbitrary: any, weight: 1 });

describe('quickHistoryRow', () => {
  it('answers only what historyRowSchema answers, with the same value', () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.record({ employee_id: field(text), metric_id: field(text), period: field(period), value: field(value) }),
        fc.option(fc.string(), { nil: undefined }),
        (row, extra) => {
          const record: Record<string, unknown> = { ...row, ...(extra === undefined ? {} : { extra }) };
          const quick = quickHistoryRow(record);
          if (quick === undefined) return;
          answered += 1;
          const parsed = historyRowSchema.safeParse(record);
          expect(parsed.success).toBe(true);
          expect(parsed.data).toStrictEqual(quick);
          expect(Object.keys(quick)).toEqual(Object.keys(parsed.data!));
        },
      ),
      { numRuns: 5000, seed: 16 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it('answers the common CSV row', () => {
    expect(quickHistoryRow({ employee_id: ' B1 ', metric_id: 'gmv', period: '2026-W07', value: '12.50' })).toEqual({
      employee_id: 'B1',
      metric_id: 'gmv',
      period: '2026-W07',
      value: 12.5,
    });
  });
});
