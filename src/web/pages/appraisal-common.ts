/** Pieces of the appraisal screens (issue 17): the sub-navigation between them. */
import type { Ctx } from '../context.js';
import type { Html } from '../html.js';
import type { MessageKey } from '../messages.js';
import { tabLinks } from './common.js';

const TABS: [string, MessageKey][] = [
  ['/appraisal/360', 'appr.tab.360'],
  ['/appraisal/payouts', 'appr.tab.payouts'],
  ['/appraisal/growth', 'appr.tab.growth'],
  ['/appraisal/ab', 'appr.tab.ab'],
];

/** The nav entry the appraisal screens share (layout.ts marks it current on each of them). */
export const APPRAISAL_NAV = '/appraisal/360';

export function appraisalTabs(ctx: Ctx, current: string): Html {
  return tabLinks(ctx, 'appr.tabs', TABS, current);
}
