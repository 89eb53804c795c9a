/**
 * Why an override needs a second approver (config `overrideApproval`): one rule for the API's
 * overrides (src/services/targets.ts) and the desk's import (src/services/override-import.ts). The
 * reason is stored with the request as English text (`whyText`); `parseWhy` reads it back so the
 * console words it in the page's language.
 */
import { ROLE_WIDE } from './overrides.js';

export interface ApprovalRule {
  /** the relative change from the suggested target beyond which a second approver is needed */
  threshold: number;
  /** every role-wide override needs one */
  roleWide: boolean;
}

export type ApprovalWhy =
  | { kind: 'role_wide' }
  | { kind: 'no_suggested' }
  | { kind: 'threshold'; change: number; suggested: number; threshold: number };

/** Why setting `value` for `employeeId` needs a second approver, or null when it takes effect at once. */
export function approvalWhy(
  rule: ApprovalRule | undefined,
  employeeId: string,
  value: number,
  suggested: number | null,
): ApprovalWhy | null {
  if (!rule) return null;
  if (employeeId === ROLE_WIDE && rule.roleWide) return { kind: 'role_wide' };
  if (suggested === null) return { kind: 'no_suggested' };
  const change =
    suggested === 0 ? (value === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(value - suggested) / Math.abs(suggested);
  return change > rule.threshold ? { kind: 'threshold', change, suggested, threshold: rule.threshold } : null;
}

const ROLE_WIDE_TEXT = 'a role-wide override';
const NO_SUGGESTED_TEXT = 'no suggested target to compare with';
const THRESHOLD_TEXT = /^(\S+) % from the suggested (\S+), over the approval threshold of (\S+) %$/;

/** The reason as stored and answered by the API (English). */
export function whyText(why: ApprovalWhy): string {
  switch (why.kind) {
    case 'role_wide':
      return ROLE_WIDE_TEXT;
    case 'no_suggested':
      return NO_SUGGESTED_TEXT;
    case 'threshold':
      return `${(why.change * 100).toFixed(1)} % from the suggested ${why.suggested}, over the approval threshold of ${why.threshold * 100} %`;
  }
}

/** A stored reason read back (null: a text `whyText` did not write). */
export function parseWhy(text: string): ApprovalWhy | null {
  if (text === ROLE_WIDE_TEXT) return { kind: 'role_wide' };
  if (text === NO_SUGGESTED_TEXT) return { kind: 'no_suggested' };
  const m = THRESHOLD_TEXT.exec(text);
  if (!m) return null;
  const [change, suggested, threshold] = [Number(m[1]) / 100, Number(m[2]), Number(m[3]) / 100];
  return [change, suggested, threshold].every((x) => !Number.isNaN(x))
    ? { kind: 'threshold', change, suggested, threshold }
    : null;
}
