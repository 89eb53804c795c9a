/**
 * The console's rule tables (FIELD_RULES, REFUSAL_RULES, JOB_STAGES, WARNING_RULES in
 * src/web/messages.ts), without a server:
 * each entry is matched by a text the server writes (taken from the code that writes it where it can
 * be called here: zod, textFault, the agent-key check, the period parser, the self-approval error, the
 * 生意参谋 / GA4 importers and their warnings, the decoder, the workbook reader and the payout
 * evaluation's warnings; a job's stages are written out, as the processors format them),
 * its English words are that text exactly, and its Chinese words are Chinese. A few zod issues are
 * worded plainly in English on purpose ("at least 3 characters"); they are listed as such.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { evaluatePayouts, parsePlan, type PlanInput } from '../../src/appraisal/incentives.js';
import { agentBindingProblem } from '../../src/auth/scopes.js';
import { parseTargetPeriod } from '../../src/kpi/targets.js';
import { date, finiteNumber, id, optionalRating, period, timestamp } from '../../src/ingest/fields.js';
import { unknownEmployeeReason } from '../../src/ingest/references.js';
import { decodeText } from '../../src/history/importers/decode.js';
import { importGa4Report } from '../../src/history/importers/ga4.js';
import { importSycm, importSycmRows, parseSycmNumber } from '../../src/history/importers/sycm.js';
import { readTableFile } from '../../src/lib/spreadsheet.js';
import { textFault } from '../../src/lib/text.js';
import { SelfApprovalError } from '../../src/periods/approvals-store.js';
import { NotOwnReviewError } from '../../src/reviews/corrections.js';
import {
  FIELD_RULES,
  fieldErrors,
  JOB_STAGES,
  notFoundText,
  REFUSAL_RULES,
  refusalText,
  stageText,
  translator,
  WARNING_RULES,
  warningText,
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

/** The reason a number cell of a 生意参谋 file is refused with. */
const cellSays = (raw: string, kind: 'amount' | 'count' | 'rate'): string => {
  const r = parseSycmNumber(raw, kind);
  if (r.ok) throw new Error(`${raw} is a number`);
  return r.reason;
};
/** The reasons a 生意参谋 CSV text is refused with. */
const sycmSays = (text: string, options: { shop?: string } = {}): string[] =>
  importSycm(text, { employee_id: 'E1', periodKind: 'month', ...options }).errors.map((e) => e.reason);
/** The reasons a GA4 runReport is refused with. */
const ga4Says = (report: unknown, options: { employeeDimension?: string } = {}): string[] =>
  importGa4Report(report, { employee_id: 'E1', periodKind: 'month', ...options }).errors.map((e) => e.reason);
const decodeSays = (bytes: number[], encoding: 'utf-8' | 'gbk' | 'auto'): string => {
  const r = decodeText(Uint8Array.from(bytes), encoding);
  if (r.ok) throw new Error('decoded');
  return r.reason;
};
/** The reason a workbook is refused with (the row reason, without the file name). */
const workbookSays = async (bytes: Uint8Array): Promise<string> => {
  try {
    await readTableFile(bytes, { fileName: 'x.xlsx' });
  } catch (e) {
    return ((e as DomainErrorLike).extra.errors as { reason: string }[])[0]!.reason;
  }
  throw new Error('read');
};
type DomainErrorLike = { extra: Record<string, unknown> };
const GA4 = (over: Record<string, unknown> = {}) => ({
  dimensionHeaders: [{ name: 'date' }],
  metricHeaders: [{ name: 'totalUsers', type: 'TYPE_INTEGER' }],
  rows: [{ dimensionValues: [{ value: '20260301' }], metricValues: [{ value: '5' }] }],
  ...over,
});
/** A commission plan whose person has no inputs, and one with a star allowance evaluated on a week. */
const PLAN: PlanInput = {
  id: 'sales',
  version: 1,
  role: 'sales_agent',
  effective_from: '2026-01',
  tier_mode: 'marginal',
  base_pay_cents: 600_000,
  components: [
    {
      id: 'gmv_commission',
      drivers: [{ metric: 'gmv', weight: 1 }],
      base: { metric: 'gmv', cents_per_unit: 100 },
      tiers: [{ from: 0, rate: 3 }],
    },
  ],
};
const payoutWarnings = (plan: PlanInput, period: string, metrics: unknown[] = []): string[] =>
  evaluatePayouts({
    period,
    plans: [parsePlan(plan)],
    people: [{ employee_id: 'E1', role: 'sales_agent', metrics: metrics as never }],
  }).payouts[0]!.warnings;

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
  // the rarer importer reasons: 生意参谋 / GA4 files, workbooks and zips, CSV and JSON bodies
  'not valid JSON: Unexpected token x in JSON at position 0',
  ga4Says('{x')[0]!,
  'malformed CSV at line 3: Quote Not Closed: the parsing is finished with an opening quote (opened at line 2)',
  'malformed CSV at line 2: Invalid Closing Quote: got "x" instead of a comma, a line end or a space',
  'malformed CSV at line 2: Invalid Closing Quote: found a character that is not a space after the quote',
  'malformed CSV at line 2: Invalid Opening Quote: a quote in the middle of a field, value is "ab"',
  'the body is not valid UTF-8 at byte 12 (line 2); send charset=gbk for GBK exports',
  'the body ends inside a UTF-8 sequence (line 3)',
  'expected a JSON array of rows, or an object with a "rows" array',
  'expected an object with named fields',
  'duplicates row 2 (same id)',
  'no employees in the request',
  'request body exceeds the limit of 1048576 bytes (BODY_LIMIT)',
  'is before created_at',
  'is before opened_at',
  sycmSays('a,b\n1,2\n')[0]!,
  'missing required column 统计日期',
  importSycmRows(['统计日期', '备注'], [['2026-03-01', 'x']], { employee_id: 'E1', periodKind: 'month' }).errors[0]!
    .reason,
  sycmSays('统计日期,店铺名称,支付金额\n2026-03-01,A,1\n', { shop: 'B' })[0]!,
  sycmSays('统计日期,店铺名称,支付金额\n2026-03-01,A,1\n2026-03-01,B,1\n')[0]!,
  sycmSays('统计日期,支付金额\n2026-03-01,1\n', { shop: 'B' })[0]!,
  sycmSays('统计日期,商品ID,支付金额\n2026-03-01,5.51563E+11,1\n')[0]!,
  'empty 商品ID',
  sycmSays('统计日期,支付金额\n2026-13-01,1\n')[0]!,
  ga4Says(GA4({ rows: [{ dimensionValues: [{ value: '2026' }], metricValues: [{ value: '5' }] }] }))[0]!,
  cellSays('120%', 'rate'),
  cellSays('5%', 'amount'),
  cellSays('1.5', 'count'),
  ga4Says(GA4({ rows: [{ dimensionValues: [{ value: '20260301' }], metricValues: [{ value: '1.5' }] }] }))[0]!,
  ga4Says(
    GA4({
      metricHeaders: [{ name: 'purchaserRate', type: 'TYPE_FLOAT' }],
      rows: [{ dimensionValues: [{ value: '20260301' }], metricValues: [{ value: '2' }] }],
    }),
  )[0]!,
  'employee_id is required',
  importGa4Report(GA4(), { periodKind: 'month' }).errors[0]!.reason,
  'unreadable CSV: Invalid Record Length: expect 2, got 3 on line 4',
  decodeSays([0xff, 0xfe, 0x41], 'utf-8'),
  decodeSays([0x81, 0x20], 'gbk'),
  decodeSays([0x81, 0x20], 'auto'),
  sycmSays('统计日期,支付金额\n2026-03-30~2026-04-02,1\n')[0]!,
  sycmSays('统计日期,支付金额\n2026-03-01,1\n2026-03-01,2\n')[0]!,
  '2026-03-01 for 店铺A 123 is already covered by a.csv row 3',
  '2026-03-01 (E1) is already covered by a.json',
  'a zip must hold exactly one sheet file (.xlsx, .xls or .csv); found 2: a.csv, b.csv',
  'a zip must hold exactly one sheet file (.xlsx, .xls or .csv); found 0 (it holds readme.txt)',
  'a zip inside a zip is not unpacked',
  await workbookSays(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])),
  'corrupt zip (bad central directory)',
  'password-protected zip (a.xlsx is encrypted); unpack it first',
  'corrupt .xls (compound file unreadable: bad header)',
  'corrupt .xlsx: End of data reached (data length = 0, asked index = 4)',
  'password-protected workbook (encrypted); remove the password in Excel and export again',
  'an OLE2 file without a workbook stream (not an Excel .xls)',
  'the workbook has no sheet',
  'no sheet "汇总"; sheets: Sheet1, Sheet2',
  'unpacks to 300000000 bytes, more than 209715200',
  ga4Says(GA4({ dimensionHeaders: [{ name: 'country' }] }))[0]!,
  ga4Says(GA4(), { employeeDimension: 'customEvent:agent_id' })[0]!,
  ga4Says(GA4({ metricHeaders: [{ name: 'bounceRate', type: 'TYPE_FLOAT' }] }))[0]!,
  ga4Says(GA4({ rows: [{ dimensionValues: [], metricValues: [{ value: '5' }] }] }))[0]!,
  ga4Says(GA4({ rows: [{ dimensionValues: [{ value: '20260301' }], metricValues: [] }] }))[0]!,
  'gmv 2026-03 (E1): -5 is outside 0–∞ for gmv (unit cny)',
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
  cellSays('-1', 'amount'),
  // a payout preview's warnings
  ...payoutWarnings(PLAN, '2026-03'),
  ...payoutWarnings(PLAN, '2026-03', [
    { metric: 'gmv', actual: -5, target: 100, attainment: -0.05, direction: 'higher' },
  ]),
  ...payoutWarnings({ ...PLAN, components: [], star_allowance: { amount_cents: 50_000, min_stars: 4.8 } }, '2026-W07'),
  // a failed job's error
  'no KPI history for {"role":"product_ops"}',
  'no KPI history for {"role":"cs_agent","metric":"csat","kind":"month"}',
  'no KPI history for {}',
  'no KPI history for cs_agent:gmv:month',
  'no active baseline model for cs_agent:gmv:month; train one with POST /v1/baselines/train',
  'no person-period with an actual and a target between 2026-01 and 2026-03',
  'model version baseline:cs_agent:gmv:month@abc not found',
  'train_aspects needs /srv/data/aspects/train.csv, which does not exist',
  'data/sentiment-zh has no train.csv',
];

/**
 * A running job's stage as its processor reports it (the templates of src/kpi/train.ts,
 * src/appraisal/ab-run.ts, src/jobs/processors, src/jobs/compute-tasks.ts' training log lines,
 * src/ratings/job.ts, src/registry/shadow*.ts: they run inside jobs, so written out here).
 */
const STAGE_SAMPLES: string[] = [
  'queued',
  'waiting',
  'done',
  'training cs_agent:gmv:month (1/3)',
  'history 3/12',
  'planning chunks',
  'scored 1200 reviews',
  'scored 40',
  'scoring r0001…r0500',
  'scoring r0001…end',
  'recomputing ratings',
  'replacing the scores',
  'reading the corrections (recipe of aspects-zh@de4eaf1583a0)',
  'starting training thread (12 corrections)',
  'starting training thread',
  'registering',
  'epoch 3/8 loss 0.4121',
  'aspects epoch 2/6 loss 0.0912',
  'fold 2/3',
  'final model',
  'ratings: reading evidence',
  'ratings 2026-03 (2/5)',
  'compared 300 reviews',
  'evaluating on data/sentiment-zh/dev.csv',
  'evaluating on the aspect evaluation set (test part)',
  'targets for 2026-03 from the candidate',
  'targets for 2026-03 from the active version',
];
const sycmWarns = (text: string, options: Record<string, unknown> = {}): string[] =>
  importSycm(text, { employee_id: 'E1', periodKind: 'month', ...options }).warnings.map((w) => w.message);
const ga4Warns = (report: unknown, options: { employeeDimension?: string } = {}): string[] =>
  importGa4Report(report, { employee_id: 'E1', periodKind: 'month', ...options }).warnings.map((w) => w.message);
/** A successful upload's warnings, from the importers where they can be called. */
const WARNING_SAMPLES: string[] = [
  ...sycmWarns('统计日期,支付金额\n2026-03-01,1\n合计,1\n'),
  ...sycmWarns('统计日期,支付金额,访客数\n2026-03-01,1.2万,10\n'),
  ...sycmWarns('统计日期,推广花费,直通车消耗\n2026-03-01,5,3\n'),
  ...sycmWarns('统计日期,支付金额(美元)\n2026-03-01,5\n'),
  ...sycmWarns('统计日期,商品ID,支付金额\n2026-03-01,-,1\n2026-03-01,11,1\n2026-03-01,12,1\n'),
  ...sycmWarns('统计日期,商品ID,支付金额\n2026-03-01,11,1\n', { itemIds: ['11', '13'] }),
  ...sycmWarns('统计日期,支付金额\n'),
  ...sycmWarns('统计日期,支付金额,访客数,支付买家数\n2026-03-01,0,0,0\n', { partial: 'include' }),
  ...sycmWarns('统计日期,支付金额,支付买家数\n2026-03-01,0,0\n', { partial: 'include' }),
  ...ga4Warns(GA4({ rowCount: 5, metadata: { dataLossFromOtherRow: true, samplingMetadatas: [{}] } })),
  ...ga4Warns(
    GA4({
      metricHeaders: [
        { name: 'purchaseRevenue', type: 'TYPE_CURRENCY' },
        { name: 'advertiserAdCost', type: 'TYPE_CURRENCY' },
        { name: 'newUsers', type: 'TYPE_INTEGER' },
      ],
      rows: [
        { dimensionValues: [{ value: '20260301' }], metricValues: [{ value: '5' }, { value: '1' }, { value: '1' }] },
      ],
      metadata: { currencyCode: 'USD' },
    }),
  ),
  ...ga4Warns(GA4({ metricHeaders: [{ name: 'bounceRate', type: 'TYPE_FLOAT' }] })),
  ...ga4Warns(
    GA4({
      dimensionHeaders: [{ name: 'date' }, { name: 'customEvent:agent_id' }],
      rows: [
        { dimensionValues: [{ value: '20260301' }, { value: 'E1' }], metricValues: [{ value: '5' }] },
        { dimensionValues: [{ value: '20260301' }, { value: '(not set)' }], metricValues: [{ value: '5' }] },
      ],
    }),
    { employeeDimension: 'customEvent:agent_id' },
  ),
  // the roll-up of the stored days (src/history/daily-store.ts through aggregate) and the ingestion
  '2026-W11 (E0002) is partial: the stored days cover 1 of 7 days (2026-03-09..2026-03-09); not imported until its days are complete',
  'gmv 2026-03-30~2026-04-02 (E1) spans two periods; left out',
  '1 NUL character (U+0000) removed from text: text cannot hold them; the rest was stored as sent',
  'a.csv: row 3: summary row "合计" skipped',
];

const firstMatch = (rules: typeof FIELD_RULES, text: string) => rules.findIndex(([re]) => re.test(text));

describe('the console rule tables', () => {
  it.each([
    ['FIELD_RULES', FIELD_RULES, FIELD_SAMPLES],
    ['REFUSAL_RULES', REFUSAL_RULES, REFUSAL_SAMPLES],
    ['JOB_STAGES', JOB_STAGES, STAGE_SAMPLES],
    ['WARNING_RULES', WARNING_RULES, WARNING_SAMPLES],
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
    // a whole refusal that reads like "field: rule" is a whole refusal
    expect(refusalText(zh, 'negative: "-5"')).toBe('不能为负数："-5"');
    // a period an import would write, its rule worded too
    expect(refusalText(zh, 'gmv 2026-03 (E1): -5 is outside 0–∞ for gmv (unit cny)')).toBe(
      'E1，2026-03，成交金额（GMV）：-5 超出成交金额（GMV）的取值范围 0–∞（单位 cny）',
    );
    expect(refusalText(zh, 'no KPI history for {"role":"cs_agent","metric":"csat","kind":"month"}')).toBe(
      '没有 KPI 历史数据（岗位 客服专员、指标 客户满意度（CSAT）、周期类型 月），无法训练',
    );
    // a running job's stage and an upload's warning; a training log line no rule knows as reported
    expect(stageText(zh, 'training cs_agent:gmv:month (1/3)')).toBe('训练 客服专员 · 成交金额（GMV） · 月（1/3）');
    expect(stageText(en, 'training cs_agent:gmv:month (1/3)')).toBe('training cs_agent:gmv:month (1/3)');
    expect(stageText(zh, 'lexicon baseline: dev accuracy 0.81')).toBe('lexicon baseline: dev accuracy 0.81');
    expect(warningText(zh, '2026-03 (E1): no visitors, conversion_rate not computed')).toBe(
      '2026-03（E1）：没有访客，未计算转化率',
    );
    expect(warningText(zh, 'a.csv: row 3: summary row "合计" skipped')).toBe('文件 a.csv：第 3 行：汇总行“合计”已跳过');
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
