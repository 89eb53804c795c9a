/**
 * The console's rule tables (FIELD_RULES, REFUSAL_RULES in src/web/messages.ts), without a server:
 * each entry is matched by a text the server writes (taken from the code that writes it where it can
 * be called here: zod, textFault, the agent-key check, the period parser, the self-approval error),
 * its English words are that text exactly, and its Chinese words are Chinese. A few zod issues are
 * worded plainly in English on purpose ("at least 3 characters"); they are listed as such.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentBindingProblem } from '../../src/auth/scopes.js';
import { parseTargetPeriod } from '../../src/kpi/targets.js';
import { date, finiteNumber, id, optionalRating, period, timestamp } from '../../src/ingest/fields.js';
import { unknownEmployeeReason } from '../../src/ingest/references.js';
import { textFault } from '../../src/lib/text.js';
import { SelfApprovalError } from '../../src/periods/approvals-store.js';
import { NotOwnReviewError } from '../../src/reviews/corrections.js';
import {
  FIELD_RULES,
  fieldErrors,
  notFoundText,
  REFUSAL_RULES,
  refusalText,
  translator,
} from '../../src/web/messages.js';

const zh = translator('zh-CN');
const en = translator('en');
const HAN = /[\u4e00-\u9fff]/;

/** The first message zod writes for `value` under `schema`. */
const zodSays = (schema: z.ZodType, value: unknown): string => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error(`no issue for ${String(value)}`);
  return r.error.issues[0]!.message;
};
const thrown = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('nothing thrown');
};

/** A rule text after "field: ", as the server writes it. */
const FIELD_SAMPLES: string[] = [
  'required',
  zodSays(z.string().min(1), ''),
  zodSays(z.object({ a: z.string() }), {}),
  zodSays(z.string().min(3), 'ab'),
  zodSays(z.string().max(5), 'abcdef'),
  'at most 2000 characters',
  zodSays(z.coerce.number(), 'x'),
  zodSays(z.coerce.number().min(1), '0'),
  zodSays(z.coerce.number().max(100), '101'),
  'is before starts_on',
  '3 to 500 characters',
  zodSays(z.enum(['promotion', 'holiday', 'other']), 'zzz'),
  zodSays(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/), 'cs agent'),
  'expected YYYY-MM-DD',
  'expected YYYY-MM',
  'not a calendar day',
  'expected a lower-case id (a–z, 0–9, _ . -)',
  'expected a lower-case id (a–z, 0–9, _ -)',
  'expected a week, month or quarter',
  'soon is not a week, month or quarter',
  'expected auto, agent, not_agent or excluded',
  'one or more of hr, cs_lead, scorer, admin, agent',
  'holds a NUL or a lone surrogate',
  textFault('ab\u0000c')!,
  textFault('ab\ud800c')!,
  "no employee 'Z99'",
  'required for a 生意参谋 export',
  'no job zzz in this list (send the next_before of the previous page)',
  'column missing from the CSV header (header has: id, name)',
  'column missing from the header (overrides)',
  'no data rows under the header',
  'not a number: 12x',
  'required with an override_value',
  'the same override as row 3',
  'unknown role nobody',
  'unknown metric nope',
  'unknown employee E9999',
  'employee E0001 has role cs_agent, not sales_ops',
  // an upload row's field rules, from the ingestion's own schemas where they can be called
  'is required',
  zodSays(id, '  '),
  zodSays(id, 'x'.repeat(129)),
  zodSays(finiteNumber, 'x'),
  zodSays(finiteNumber, 'Infinity'),
  zodSays(optionalRating, '7'),
  zodSays(optionalRating, 'seven'),
  zodSays(optionalRating, '2.5'),
  zodSays(period, '2026-13'),
  zodSays(period, 5),
  'expected text, got 5',
  'must be finite',
  'expected a whole number 1–5',
  'is not a real time',
  zodSays(date, 5),
  zodSays(date, '2026-02-31'),
  zodSays(timestamp, 5),
  zodSays(timestamp, 'soon'),
  zodSays(timestamp, '2026-02-31T09:30:00+08:00'),
  "unknown role 'nobody' (see GET /v1/roles)",
  "unknown metric 'nope' (see GET /v1/metrics)",
  unknownEmployeeReason('E9999'),
  '-5 is outside 0–∞ for gmv (unit cny)',
  '5 is outside 0–1 for conversion_rate (unit ratio: send 0.0325 for 3.25 %)',
];
/** The zod issues the console words plainly in English (not zod's own text), with those words. */
const PLAIN_EN: Record<string, string> = {
  'Too small: expected string to have >=1 characters': 'required',
  'Invalid input: expected string, received undefined': 'required',
  'Too small: expected string to have >=3 characters': 'at least 3 characters',
  'Too big: expected string to have <=5 characters': 'at most 5 characters',
  'Invalid input: expected number, received NaN': 'a number',
  'Too small: expected number to be >=1': 'at least 1',
  'Too big: expected number to be <=100': 'at most 100',
  'is before starts_on': 'before the start date',
};
/** A whole refusal of a service, as it writes it. */
const REFUSAL_SAMPLES: string[] = [
  thrown(() => parseTargetPeriod('soon')),
  "expected a week, month or quarter: 'soon'",
  '2026-Q2 is not closed for cs_agent',
  '2026-Q2 is not closed for cs_agent: close it before exporting payroll',
  '2026-10 is closed for cs_agent: reopen it before changing its targets',
  '2026-10 is closed for cs_agent: reopen it before approving a change of its targets',
  '-5 is outside 0–∞ for gmv',
  new SelfApprovalError().message,
  'override request 7 is approved already',
  'override request 7 is rejected already',
  agentBindingProblem(['agent', 'hr'], 'E1')!,
  agentBindingProblem(['agent'], null)!,
  agentBindingProblem(['hr'], 'E1')!,
  "review 'r1' has no agent to appeal for",
  "review 'r1' already has a pending appeal",
  'appeal 4 was already accepted',
  new NotOwnReviewError('r1').message,
];

const firstMatch = (rules: typeof FIELD_RULES, text: string) => rules.findIndex(([re]) => re.test(text));

describe('the console rule tables', () => {
  it.each([
    ['FIELD_RULES', FIELD_RULES, FIELD_SAMPLES],
    ['REFUSAL_RULES', REFUSAL_RULES, REFUSAL_SAMPLES],
  ] as const)('%s: every entry matches a server text, says it in English and in Chinese', (_name, rules, samples) => {
    const used = new Set<number>();
    for (const sample of samples) {
      const i = firstMatch(rules, sample);
      expect(i, sample).toBeGreaterThanOrEqual(0);
      used.add(i);
      const [re, say] = rules[i]!;
      const m = re.exec(sample)!;
      expect(say(en, m), sample).toBe(PLAIN_EN[sample] ?? sample);
      const chinese = say(zh, m);
      expect(chinese, sample).toMatch(HAN);
      expect(chinese).not.toBe(sample);
    }
    expect(
      rules.map((_, i) => i).filter((i) => !used.has(i)),
      'entries no sample matches',
    ).toEqual([]);
  });

  it('words "field: rule" parts by label and whole refusals in the page language', () => {
    expect(refusalText(en, 'name: required')).toBe('Name: required');
    expect(refusalText(zh, 'kind, scope: required')).toBe('类型、范围（必填）');
    expect(refusalText(en, 'kind, scope: required')).toBe('Kind, Scope: required');
    expect(fieldErrors(zh, 'kind: Invalid option: expected one of "week"|"month"; id: expected YYYY-MM')).toBe(
      '类型（须为以下之一：week、month）；编号（须为 YYYY-MM 格式的月份）',
    );
    expect(refusalText(zh, '-5 is outside 0–∞ for gmv')).toBe('-5 超出成交金额（GMV）的取值范围 0–∞');
    expect(refusalText(zh, 'override request 7 is approved already')).toBe('调整申请 7 已批准');
    // a text no table knows: as written
    expect(refusalText(zh, 'something new went wrong')).toBe('something new went wrong');
    expect(refusalText(zh, 'field: something new')).toBe('field（something new）');
  });

  it('words the 404 of a revert with no override, the metric by name in Chinese', () => {
    const text = 'an override of gmv for E0001 (cs_agent, 2026-10) not found';
    expect(notFoundText(zh, text)).toBe('未找到：目标调整：成交金额（GMV），E0001（cs_agent，2026-10）');
    expect(notFoundText(en, text)).toBe(`Not found: ${text.replace(/ not found$/, '')}`);
    expect(notFoundText(zh, 'API key k1 not found')).toBe('未找到：API 密钥 k1');
  });
});
