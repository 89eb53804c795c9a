/** Pieces shared by the console's pages: query parsing, pickers. */
import { z } from 'zod';
import { parseDate } from '../../history/period.js';
import { BadRequestError } from '../../lib/errors.js';
import type { Ctx } from '../context.js';
import { type Html, html } from '../html.js';
import type { MessageKey } from '../messages.js';

export type RatingPeriodKind = 'week' | 'month' | 'quarter' | 'year';
export const KINDS: RatingPeriodKind[] = ['week', 'month', 'quarter', 'year'];

/**
 * A form's or a query's day, YYYY-MM-DD. 2026-02-31 has the form but no day: refused here, not by the
 * database (a server error before); a text not of the form is the regex's issue alone.
 */
export const dayField = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s) || parseDate(s) !== null, 'not a calendar day');

/** Parses a page's query (empty values count as absent); a bad one is a 400 page. */
export function parseQuery<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const clean = Object.fromEntries(
    Object.entries((raw ?? {}) as Record<string, unknown>).filter(([, v]) => v !== '' && v !== undefined),
  );
  const r = schema.safeParse(clean);
  if (!r.success) throw new BadRequestError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

/** The period asked for when it is one of the kind's rated periods, else the kind's latest. */
export function resolvePeriod(
  periods: Record<RatingPeriodKind, string[]>,
  kind: RatingPeriodKind,
  asked: string | undefined,
): string | null {
  const list = periods[kind] ?? [];
  if (asked && list.includes(asked)) return asked;
  // the latest complete one: the newest period may still be filling up, but it is the one a lead looks at
  return list[0] ?? null;
}

export function optionList(options: readonly (readonly [string, string])[], selected: string): Html[] {
  return options.map(
    ([value, label]) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`,
  );
}

export function kindSelect(ctx: Ctx, kind: RatingPeriodKind, kinds: RatingPeriodKind[] = KINDS): Html {
  return html`<div class="field"><label for="f-kind">${ctx.t('filter.kind')}</label>
    <select id="f-kind" name="kind">${optionList(
      kinds.map((k) => [k, ctx.t(`kind.${k}`)]),
      kind,
    )}</select></div>`;
}

/** A line of sub-navigation links between related screens (`current` shown as the page itself). */
export function tabLinks(
  ctx: Ctx,
  label: MessageKey,
  items: readonly (readonly [string, MessageKey])[],
  current: string,
): Html {
  return html`<nav class="subnav" aria-label="${ctx.t(label)}"><p>${items.map(
    ([href, key], i) =>
      html`${i > 0 ? ' · ' : ''}${
        href === current
          ? html`<strong aria-current="page">${ctx.t(key)}</strong>`
          : html`<a href="${href}">${ctx.t(key)}</a>`
      }`,
  )}</p></nav>`;
}
