/** A stored shadow comparison report (as compare_models writes it) for the console's report tests. */
import type { ShadowReport } from '../../src/registry/shadow-types.js';

export const REPORT: ShadowReport = {
  kind: 'sentiment',
  scope: 'zh',
  candidate: 'sentiment-zh@shadowtest',
  active: 'sentiment-zh@b0861cd7e04d',
  compared: 1200,
  changed: 37,
  threshold: 0.02,
  moved: [
    { id: 'E0003', n: 40, active: 0.81, candidate: 0.74, delta: -0.07 },
    { id: '<b>E0007</b>', n: 22, active: 0.66, candidate: 0.7, delta: 0.04 },
    { id: 'E0011', n: 31, active: 0.9, candidate: 0.87, delta: -0.03 },
  ],
  moved_count: 3,
  evaluation: { source: 'dev.csv', n: 500, active: { accuracy: 0.912 }, candidate: { accuracy: 0.927 } },
  at: '2026-12-06T08:00:00.000Z',
};
