/** Demo data: seeded generator and the default business calendar. See README.md. */
export { generateDemo, type DemoData, type DemoOptions, type DemoTruth } from './generate.js';
export { CHINESE_NEW_YEAR, FIXED_PROMOTIONS, defaultPromotionCalendar, type CalendarEvent } from './calendar.js';
export type { ReviewLabel } from './reviews.js';
export type { Aspect, Language, Polarity } from './templates.js';
