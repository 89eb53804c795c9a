/** The masking policy (PII_RAW, PII_ORDER_PATTERNS) and what answers mask beyond the text (issue 16). */
import { expect, it } from 'vitest';
import { maskScoredText, maskStoredReview } from '../../src/privacy/answers.js';
import { createPrivacyPolicy, RAW_MASKER } from '../../src/privacy/policy.js';

it('masks on every surface by default; a raw surface masks nothing; extra order patterns apply', () => {
  const text = '运单JD123456789012，电话13912345678';
  const plain = createPrivacyPolicy();
  for (const s of ['api', 'console', 'logs'] as const)
    expect(plain.masker(s).maskText(text)).toBe('运单JD123456789012，电话139****5678');
  const policy = createPrivacyPolicy({ raw: ['console'], orderPatterns: [/JD(?<id>[0-9]{12})/] });
  expect(policy.masker('api').maskText(text)).toBe('运单JD********9012，电话139****5678');
  expect(policy.masker('console')).toBe(RAW_MASKER);
  expect(policy.masker('console').maskText(text)).toBe(text);
  expect(policy.isRaw('console') && !policy.isRaw('logs')).toBe(true);
});

it('an n-gram that cuts a phone number in half is masked where it overlaps it', () => {
  const m = createPrivacyPolicy().masker('api');
  const text = '电话13912345678客服很好';
  const review = maskStoredReview(m, {
    text,
    aspects: [{ aspect: 'service_attitude', span: { start: 13, end: 17, text: '客服很好' } }],
    explanation: [
      { token: '话1391', contribution: 0.1 },
      { token: '客服', contribution: 0.5 },
    ],
  });
  expect(review.text).toBe('电话139****5678客服很好');
  expect(review.aspects[0]!.span).toEqual({ start: 13, end: 17, text: '客服很好' });
  // the characters of the phone number become *, the rest of the n-gram stays
  expect(review.explanation.map((e) => e.token)).toEqual(['话****', '客服']);
  const scored = maskScoredText(m, text, { aspects: [{ span: { start: 0, end: 17, text } }] });
  expect(scored.aspects[0]!.span).toEqual({ start: 0, end: 17, text: '电话139****5678客服很好' });
});
