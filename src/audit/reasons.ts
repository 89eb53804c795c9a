/**
 * The reasons the service writes itself, where no person typed one (start-up, training jobs). The
 * audit row and the API keep the English; the console words each by its code in the page's language.
 */
export const SYSTEM_REASONS = {
  shipped_first_start: 'shipped model, first start',
  shipped_new: 'new shipped model',
  job_requested: 'requested with the training job',
  training_requested: 'promoted on request at training',
  first_scope_version: 'first version of the scope',
  first_language_version: 'first version of this language',
} as const;

export type SystemReason = keyof typeof SYSTEM_REASONS;

const CODE_OF = new Map<string, SystemReason>(
  Object.entries(SYSTEM_REASONS).map(([code, text]) => [text, code as SystemReason]),
);

/** The code of a reason the service wrote, or null for a person's own words. */
export function systemReasonCode(reason: string): SystemReason | null {
  return CODE_OF.get(reason) ?? null;
}

/** An accepted appeal's reason on the correction it applies: the appeal's id, then the lead's words. */
export function appealAcceptedReason(appealId: string | number, reason: string): string {
  return `appeal ${appealId} accepted: ${reason}`;
}

/** The parts of `appealAcceptedReason`'s text, or null for any other reason. */
export function parseAppealAccepted(reason: string): { appeal: string; reason: string } | null {
  const m = /^appeal (\S+) accepted: ([\s\S]*)$/.exec(reason);
  return m ? { appeal: m[1] as string, reason: m[2] as string } : null;
}
