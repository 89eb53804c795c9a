import { describe, expect, it } from 'vitest';
import { type ApprovalWhy, approvalWhy, parseWhy, whyText } from '../../src/kpi/approval.js';
import { approvalWhyText, formatter, translator } from '../../src/web/messages.js';

const rule = { threshold: 0.2, roleWide: true };

describe('override approval reasons', () => {
  it('needs a second approver past the threshold, for a role-wide override, and without a suggestion', () => {
    expect(approvalWhy(undefined, 'E1', 100, 1)).toBeNull();
    expect(approvalWhy(rule, 'E1', 110, 100)).toBeNull();
    expect(approvalWhy(rule, 'E1', 130, 100)).toEqual({
      kind: 'threshold',
      change: 0.3,
      suggested: 100,
      threshold: 0.2,
    });
    expect(approvalWhy(rule, '*', 100, 100)).toEqual({ kind: 'role_wide' });
    expect(approvalWhy({ ...rule, roleWide: false }, '*', 100, 100)).toBeNull();
    expect(approvalWhy(rule, 'E1', 5, null)).toEqual({ kind: 'no_suggested' });
    expect(approvalWhy(rule, 'E1', 0, 0)).toBeNull();
    expect(approvalWhy(rule, 'E1', 1, 0)).toMatchObject({ kind: 'threshold', change: Number.POSITIVE_INFINITY });
  });

  it('reads back every reason it writes, and words it in both languages', () => {
    const whys: ApprovalWhy[] = [
      { kind: 'role_wide' },
      { kind: 'no_suggested' },
      { kind: 'threshold', change: 0.345, suggested: 0.92, threshold: 0.25 },
      { kind: 'threshold', change: Number.POSITIVE_INFINITY, suggested: 0, threshold: 0.2 },
    ];
    for (const why of whys) {
      const back = parseWhy(whyText(why));
      expect(back?.kind).toBe(why.kind);
      if (why.kind === 'threshold' && back?.kind === 'threshold') {
        expect(back.suggested).toBe(why.suggested);
        expect(back.threshold).toBeCloseTo(why.threshold, 10);
        expect(back.change).toBeCloseTo(Number.isFinite(why.change) ? Number(why.change.toFixed(3)) : why.change, 10);
      }
    }
    const text = whyText(whys[2]!);
    expect(text).toBe('34.5 % from the suggested 0.92, over the approval threshold of 25 %');
    expect(approvalWhyText(translator('zh-CN'), formatter('zh-CN'), text)).toBe(
      '偏离建议目标 0.92 达 34.5%，超过审批阈值 25%',
    );
    expect(approvalWhyText(translator('en'), formatter('en'), text)).toBe(
      '34.5% from the suggested 0.92, over the approval threshold of 25%',
    );
    expect(approvalWhyText(translator('zh-CN'), formatter('zh-CN'), whyText(whys[3]!))).toContain('∞');
    // a text the service did not write is shown as stored
    expect(approvalWhyText(translator('zh-CN'), formatter('zh-CN'), 'something else')).toBe('something else');
  });
});
