import { describe, expect, it } from 'vitest';
import { periodRange } from '../../src/ratings/evidence-reviews.js';
import { periodsWithin, ratingScopeOf } from '../../src/ratings/recompute.js';

describe('rating periods', () => {
  it('a quarter comes with its months and every ISO week that overlaps it', () => {
    const q = periodsWithin('2026-Q1');
    expect(q.slice(0, 4)).toEqual(['2026-Q1', '2026-01', '2026-02', '2026-03']);
    expect(q.filter((p) => p.includes('W'))).toEqual(
      Array.from({ length: 14 }, (_, i) => `2026-W${String(i + 1).padStart(2, '0')}`),
    );
    // 2025-Q4 ends on a Wednesday: 2026-W01 (from 2025-12-29) overlaps it
    expect(periodsWithin('2025-Q4')).toContain('2026-W01');
    expect(() => periodsWithin('2026-03')).toThrow(RangeError);
  });

  it('what to recompute after rows arrive: their agents and the week, month and quarter of each timestamp', () => {
    const scope = ratingScopeOf([
      { agent_id: 'b', at: '2025-12-31T23:30:00Z' },
      { agent_id: 'a', at: new Date('2026-03-02T10:00:00Z') },
      { agent_id: null, at: '2026-07-01T00:00:00Z' },
      { agent_id: 'a', at: '2026-03-02T11:00:00Z' },
    ]);
    expect(scope.agentIds).toEqual(['a', 'b']);
    expect(scope.periods).toEqual(['2025-12', '2025-Q4', '2026-03', '2026-Q1', '2026-W01', '2026-W10']);
  });

  it('period ranges are [start, next start) in UTC, years included', () => {
    expect(periodRange('2026-W07')).toEqual({
      from: new Date('2026-02-09T00:00:00Z'),
      to: new Date('2026-02-16T00:00:00Z'),
    });
    expect(periodRange('2026')).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(periodRange('2026-13')).toBeNull();
  });
});
