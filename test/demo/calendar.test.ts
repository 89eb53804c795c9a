import { describe, it, expect } from 'vitest';
import { CHINESE_NEW_YEAR, defaultPromotionCalendar } from '../../src/demo/calendar.js';
import { parseDate } from '../../src/history/period.js';

describe('defaultPromotionCalendar', () => {
  const events = defaultPromotionCalendar(2022, 2028);

  it('lists every promotion window and the Spring Festival each year', () => {
    for (let y = 2022; y <= 2028; y++) {
      const ids = events.filter((e) => e.id.startsWith(`${y}-`)).map((e) => e.id.slice(5));
      expect(ids.sort()).toEqual([
        '38',
        '618',
        '618-presale',
        '99',
        'double11',
        'double11-presale',
        'double12',
        'spring-festival',
      ]);
    }
  });

  it('uses the real dates', () => {
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(byId.get('2025-double11')).toMatchObject({
      starts_on: '2025-11-01',
      ends_on: '2025-11-11',
      kind: 'promotion',
      profile: 'promotion',
    });
    expect(byId.get('2025-618')).toMatchObject({ starts_on: '2025-06-01', ends_on: '2025-06-18' });
    expect(byId.get('2026-double12')).toMatchObject({ starts_on: '2026-12-10', ends_on: '2026-12-12' });
    expect(byId.get('2026-38')).toMatchObject({ starts_on: '2026-03-01', ends_on: '2026-03-08' });
    expect(byId.get('2026-99')).toMatchObject({ starts_on: '2026-09-09', ends_on: '2026-09-09' });
    const sf = byId.get('2026-spring-festival');
    expect(sf).toMatchObject({ kind: 'holiday', profile: 'ordinary', starts_on: '2026-02-10', ends_on: '2026-02-24' });
    expect(CHINESE_NEW_YEAR[2024]).toBe('2024-02-10');
  });

  it('has valid, ordered, unique events', () => {
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (const e of events) {
      expect(parseDate(e.starts_on)).not.toBeNull();
      expect(parseDate(e.ends_on)).not.toBeNull();
      expect(e.starts_on <= e.ends_on).toBe(true);
    }
    const starts = events.map((e) => e.starts_on);
    expect([...starts].sort()).toEqual(starts);
  });

  it('skips the Spring Festival outside its table and rejects a reversed range', () => {
    expect(defaultPromotionCalendar(2040, 2040).some((e) => e.kind === 'holiday')).toBe(false);
    expect(() => defaultPromotionCalendar(2026, 2025)).toThrow(RangeError);
  });
});
