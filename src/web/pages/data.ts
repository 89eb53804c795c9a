/**
 * HR's calendar and weight pages (console part 2, issue 13), scope hr (and admin):
 * `/calendar` — the promotion windows and holidays of a month on a calendar grid, listed with edit and
 * delete (after a confirmation step), and a form to add or edit one (app.services.catalogue, as the
 * API's /v1/calendar does);
 * `/weights` — the weight profiles with a form whose sum is checked as one types (static/weights.js;
 * the server checks again), and the profile each period uses with why (pinned by HR, or the calendar's
 * promotion or ordinary-profile days) and the pin / unpin forms (app.services.targets).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { INDICATOR_GROUPS, type IndicatorGroup } from '../../history/catalogue.js';
import { parsePeriod, type Period, periodOf, shiftPeriod } from '../../history/period.js';
import { coveredDays, PROMOTION_MIN_DAYS } from '../../kpi/cycles.js';
import { BadRequestError, DomainError, NotFoundError } from '../../lib/errors.js';
import { textFault } from '../../lib/text.js';
import { STATUS_OF_CODE } from '../../plugins/errors.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { MESSAGES, type MessageKey } from '../messages.js';
import { assetUrl } from '../static.js';
import { dayField, optionList, parseQuery } from './common.js';

const isoDay = (d: string | Date): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const MONTH = /^([1-9]\d{3})-(0[1-9]|1[0-2])$/;
const thisMonth = (): string => new Date().toISOString().slice(0, 7);
const EVENT_KINDS = ['promotion', 'holiday', 'other'] as const;
const EVENT_PROFILES = ['promotion', 'ordinary'] as const;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => textFault(s) === null, 'holds a NUL or a lone surrogate');

const calendarQuery = z.object({
  month: z.string().regex(MONTH, 'expected YYYY-MM').optional(),
  edit: z.string().max(64).optional(),
  confirm: z.string().max(64).optional(),
  saved: z.string().max(64).optional(),
  deleted: z.string().max(64).optional(),
});
const eventForm = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'expected a lower-case id (a–z, 0–9, _ . -)'),
    name: text(100),
    kind: z.enum(EVENT_KINDS),
    starts_on: dayField,
    ends_on: dayField,
    profile: z.enum(EVENT_PROFILES),
  })
  .refine((e) => e.ends_on >= e.starts_on, { path: ['ends_on'], message: 'is before starts_on' });

const weightsQuery = z.object({
  edit: z.string().max(32).optional(),
  period: z.string().max(16).optional(),
  saved: z.string().max(32).optional(),
  pinned: z.string().max(16).optional(),
  unpinned: z.string().max(16).optional(),
});
const weight = z.coerce.number().min(0).max(100);
const profileForm = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a lower-case id (a–z, 0–9, _ -)'),
  name: text(100),
  sales: weight,
  efficiency: weight,
  customer_experience: weight,
  innovation: weight,
});

/** A form body checked with `schema`; a bad one is a 400 page naming the fields. */
function parseForm<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new BadRequestError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

function monthDays(month: string): { first: string; last: string; cells: (string | null)[] } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1, 1));
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7; // Monday first
  const cells: (string | null)[] = Array.from({ length: lead }, () => null);
  for (let d = 1; d <= days; d++) cells.push(`${month}-${String(d).padStart(2, '0')}`);
  while (cells.length % 7 !== 0) cells.push(null);
  return { first: `${month}-01`, last: `${month}-${String(days).padStart(2, '0')}`, cells };
}

const shiftMonth = (month: string, n: number): string => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
};

export default async function dataPages(app: FastifyInstance): Promise<void> {
  const { catalogue, targets } = app.services;

  // ───────────────────────────── /calendar

  async function calendarPage(ctx: Ctx, q: z.infer<typeof calendarQuery>, notice?: Html): Promise<Html> {
    const { t } = ctx;
    const month = q.month ?? thisMonth();
    const grid = monthDays(month);
    const events = (await catalogue.events({ from: grid.first, to: grid.last })).map((e) => ({
      ...e,
      starts_on: isoDay(e.starts_on),
      ends_on: isoDay(e.ends_on),
    }));
    const editing = q.edit ? (await catalogue.events({})).find((e) => e.id === q.edit) : undefined;
    if (q.edit && !editing) throw new NotFoundError(`calendar event ${q.edit}`);
    const deleting = q.confirm ? (await catalogue.events({})).find((e) => e.id === q.confirm) : undefined;
    const weekdays = t('calendar.weekdays').split(',');
    const rows: Html[] = [];
    for (let i = 0; i < grid.cells.length; i += 7) {
      rows.push(
        html`<tr>${grid.cells.slice(i, i + 7).map((d) => {
          if (!d) return html`<td class="out"></td>`;
          const on = events.filter((e) => e.starts_on <= d && e.ends_on >= d);
          return html`<td${on.length > 0 ? html` class="has"` : ''}><span class="day">${Number(d.slice(8))}</span>${on.map(
            (e) =>
              html`<span class="event ${e.kind}" title="${e.name} (${e.starts_on} – ${e.ends_on})">${e.name}</span>`,
          )}</td>`;
        })}</tr>`,
      );
    }
    const link = (m: string) => `/calendar${queryString({ month: m })}`;
    const e = editing
      ? { ...editing, starts_on: isoDay(editing.starts_on), ends_on: isoDay(editing.ends_on) }
      : { id: '', name: '', kind: 'promotion', starts_on: grid.first, ends_on: grid.first, profile: 'promotion' };
    const confirm = deleting
      ? html`<section class="card narrow" aria-labelledby="h-confirm"><h2 id="h-confirm">${t('calendar.confirmDelete', { name: deleting.name })}</h2>
<form method="post" action="/calendar/delete" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('id', deleting.id)}${hidden('month', month)}
<button type="submit" class="danger">${t('calendar.delete')}</button></form>
<a href="${link(month)}">${t('calendar.cancel')}</a></section>`
      : '';
    const body = html`${notice ?? ''}${confirm}
<form class="filters" method="get" action="/calendar" aria-label="${t('calendar.month')}">
  <a href="${link(shiftMonth(month, -1))}" rel="prev">${t('calendar.prev')}</a>
  <div class="field"><label for="c-month">${t('calendar.month')}</label><input id="c-month" name="month" type="month" value="${month}" required></div>
  <button type="submit">${t('calendar.show')}</button>
  <a href="${link(shiftMonth(month, 1))}" rel="next">${t('calendar.next')}</a>
</form>
<div class="cal-layout">
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-grid"><table class="calendar">
<caption id="h-grid">${t('calendar.grid', { month })}</caption>
<thead><tr>${weekdays.map((w) => html`<th scope="col">${w}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>
<section class="card" aria-labelledby="h-form"><h2 id="h-form">${editing ? t('calendar.edit', { id: editing.id }) : t('calendar.add')}</h2>
<form method="post" action="/calendar/save" class="stack">${hidden('_csrf', ctx.csrf)}${hidden('month', month)}
${
  editing
    ? html`${hidden('id', editing.id)}`
    : html`<label for="c-id">${t('calendar.id')}</label><input id="c-id" name="id" type="text" required maxlength="64" pattern="[a-z0-9][a-z0-9_.\\-]{0,63}" spellcheck="false">`
}
<label for="c-name">${t('calendar.name')}</label><input id="c-name" name="name" type="text" required maxlength="100" value="${e.name}">
<label for="c-kind">${t('calendar.kind')}</label><select id="c-kind" name="kind">${optionList(
      EVENT_KINDS.map((k) => [k, t(`calendar.kind.${k}` as MessageKey)] as const),
      e.kind,
    )}</select>
<label for="c-start">${t('calendar.starts')}</label><input id="c-start" name="starts_on" type="date" required value="${e.starts_on}">
<label for="c-end">${t('calendar.ends')}</label><input id="c-end" name="ends_on" type="date" required value="${e.ends_on}">
<label for="c-profile">${t('calendar.profile')}</label><select id="c-profile" name="profile">${optionList(
      EVENT_PROFILES.map((k) => [k, t(`calendar.profile.${k}` as MessageKey)] as const),
      e.profile,
    )}</select>
<button type="submit">${t('calendar.save')}</button>
${editing ? html`<a href="${link(month)}">${t('calendar.cancel')}</a>` : ''}
</form></section></div>
<h2 id="h-list">${t('calendar.list')}</h2>
${
  events.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-list"><table>
<thead><tr><th scope="col">${t('calendar.name')}</th><th scope="col">${t('calendar.kind')}</th><th scope="col">${t('calendar.col.dates')}</th><th scope="col">${t('calendar.profile')}</th><th scope="col">${t('models.col.actions')}</th></tr></thead>
<tbody>${events.map(
        (
          x,
        ) => html`<tr data-event="${x.id}"><th scope="row">${x.name}<br><small><code>${x.id}</code></small></th><td>${t(`calendar.kind.${x.kind}` as MessageKey)}</td>
<td>${x.starts_on} – ${x.ends_on}</td><td>${t(`calendar.profile.${x.profile}` as MessageKey)}</td>
<td><a href="/calendar${queryString({ month, edit: x.id })}#h-form">${t('calendar.editLink')}<span class="sr-only"> ${x.name}</span></a>
<a href="/calendar${queryString({ month, confirm: x.id })}#h-confirm">${t('calendar.delete')}<span class="sr-only"> ${x.name}</span></a></td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('calendar.none')}</p>`
}`;
    return page(ctx, { title: t('calendar.title'), active: '/calendar', body });
  }

  const monthOf = (raw: unknown): string | undefined => (typeof raw === 'string' && MONTH.test(raw) ? raw : undefined);

  app.get('/calendar', { config: { console: 'hr' } }, async (request, reply) => {
    const q = parseQuery(calendarQuery, request.query);
    const { t } = request.ctx;
    const notice = q.saved
      ? html`<p class="notice info" role="status">${t('calendar.saved', { id: q.saved })}</p>`
      : q.deleted
        ? html`<p class="notice info" role="status">${t('calendar.deleted', { id: q.deleted })}</p>`
        : undefined;
    return sendPage(reply, await calendarPage(request.ctx, q, notice));
  });
  app.post('/calendar/save', { config: { console: 'hr' } }, async (request, reply) => {
    const e = parseForm(eventForm, request.body);
    await catalogue.saveEvent(e);
    const month = monthOf((request.body as { month?: unknown }).month) ?? e.starts_on.slice(0, 7);
    return reply.redirect(`/calendar${queryString({ month, saved: e.id })}`, 303);
  });
  app.post('/calendar/delete', { config: { console: 'hr' } }, async (request, reply) => {
    const b = request.body as { id?: unknown; month?: unknown };
    if (typeof b.id !== 'string' || !b.id) throw new BadRequestError('id: required');
    await catalogue.deleteEvent(b.id);
    return reply.redirect(`/calendar${queryString({ month: monthOf(b.month), deleted: b.id })}`, 303);
  });

  // ───────────────────────────── /weights

  /** A shipped profile under the name it shipped with reads in the page's language; a renamed or new one as stored. */
  const profileName = (t: Ctx['t'], p: { id: string; name: string }): string => {
    const key = `weights.builtin.${p.id}`;
    return key in MESSAGES && MESSAGES[key as MessageKey][1] === p.name ? t(key as MessageKey) : p.name;
  };

  /** Why the calendar gives a period its profile: the promotion or ordinary-profile days and their events. */
  async function why(ctx: Ctx, p: Period, chosen: 'pinned' | 'calendar', profile: string): Promise<string> {
    const { t } = ctx;
    if (chosen === 'pinned') return t('weights.why.pinned');
    const events = (await catalogue.events({ from: p.start, to: p.end })).map((e) => ({
      ...e,
      starts_on: isoDay(e.starts_on),
      ends_on: isoDay(e.ends_on),
    }));
    if (profile === 'promotion' || profile === 'ordinary') {
      const of = events.filter((e) => e.profile === profile);
      const days = coveredDays(p, of, profile);
      const names = of.map((e) => e.name).join('、');
      const detail =
        profile === 'promotion'
          ? t('weights.daysOf', { events: names, days, min: PROMOTION_MIN_DAYS[p.kind] })
          : t('weights.days', { events: names, days });
      return t(profile === 'promotion' ? 'weights.why.promotion' : 'weights.why.ordinary', { events: detail });
    }
    return t('weights.why.default');
  }

  const groupKey = (g: IndicatorGroup) => `weights.group.${g}` as MessageKey;

  async function weightsPage(
    ctx: Ctx,
    q: z.infer<typeof weightsQuery>,
    notice?: Html,
    draft?: z.infer<typeof profileForm>,
  ): Promise<Html> {
    const { t, f } = ctx;
    const profiles = await targets.profiles();
    const editing = q.edit ? profiles.find((p) => p.id === q.edit) : undefined;
    if (q.edit && !editing) throw new NotFoundError(`weight profile ${q.edit}`);
    const asked = q.period ? parsePeriod(q.period) : null;
    if (q.period && !asked) throw new BadRequestError(`period: ${q.period} is not a week, month or quarter`);
    // this month, the two before it and the nine after, and the period asked for
    const now = periodOf(new Date(), 'month');
    const periods: Period[] = [];
    if (asked) periods.push(asked);
    for (let i = -2; i <= 9; i++) {
      const p = shiftPeriod(now, i);
      if (p.id !== asked?.id) periods.push(p);
    }
    const rows = await Promise.all(
      periods.map(async (p) => {
        const pp = await targets.periodProfile(p.id);
        return { p, pp, why: await why(ctx, p, pp.chosen_by, pp.profile.id) };
      }),
    );
    const sum = (w: Record<IndicatorGroup, number>) => INDICATOR_GROUPS.reduce((a, g) => a + Number(w[g]), 0);
    const e = draft ??
      editing ?? { id: '', name: '', sales: 40, efficiency: 30, customer_experience: 20, innovation: 10 };
    const profileOptions = profiles.map((p) => [p.id, `${p.id} · ${profileName(t, p)}`] as const);
    const body = html`${notice ?? ''}
<p>${t('weights.intro')}</p>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-profiles"><table>
<caption id="h-profiles">${t('weights.title')}</caption>
<thead><tr><th scope="col">${t('weights.col.id')}</th><th scope="col">${t('weights.col.name')}</th>${INDICATOR_GROUPS.map(
      (g) => html`<th scope="col" class="num">${t(groupKey(g))}</th>`,
    )}<th scope="col" class="num">${t('weights.col.sum')}</th><th scope="col">${t('weights.col.updated')}</th><th scope="col">${t('models.col.actions')}</th></tr></thead>
<tbody>${profiles.map(
      (
        p,
      ) => html`<tr data-profile="${p.id}"><th scope="row"><code>${p.id}</code></th><td>${profileName(t, p)}</td>${INDICATOR_GROUPS.map(
        (g) => html`<td class="num">${f.fixed(Number(p[g]), 0)}</td>`,
      )}<td class="num">${f.fixed(sum(p), 0)}</td>
<td>${f.dateTime(new Date(p.updated_at))}${p.updated_by ? html`<br><small>${p.updated_by}</small>` : ''}</td>
<td><a href="/weights${queryString({ edit: p.id })}#h-edit">${t('weights.editNamed', { id: p.id })}</a></td></tr>`,
    )}</tbody></table></div>
<section class="card narrow" aria-labelledby="h-edit"><h2 id="h-edit">${editing ? t('weights.editNamed', { id: editing.id }) : t('weights.new')}</h2>
<form method="post" action="/weights/save" class="stack" data-weights data-sum="${t('weights.sum')}" data-bad="${t('weights.sumBad')}">${hidden('_csrf', ctx.csrf)}
<label for="w-id">${t('weights.id')}</label><input id="w-id" name="id" type="text" required maxlength="32" pattern="[a-z0-9][a-z0-9_\\-]{0,31}" spellcheck="false" value="${e.id}">
<label for="w-name">${t('weights.col.name')}</label><input id="w-name" name="name" type="text" required maxlength="100" value="${e.name}">
<div class="form-grid">${INDICATOR_GROUPS.map(
      (g) =>
        html`<div class="field"><label for="w-${g}">${t(groupKey(g))} (%)</label><input id="w-${g}" name="${g}" type="number" min="0" max="100" step="any" required inputmode="decimal" value="${String(Number(e[g]))}" data-weight></div>`,
    )}</div>
<p><output id="w-sum" for="${INDICATOR_GROUPS.map((g) => `w-${g}`).join(' ')}" aria-live="polite" data-sum-out>${t('weights.sum', { sum: sum(e) })}</output></p>
<button type="submit">${t('weights.save')}</button>
</form></section>
<script src="${assetUrl('weights.js')}" defer></script>
<h2 id="h-periods">${t('weights.periods')}</h2>
<form class="filters" method="get" action="/weights" aria-labelledby="h-periods">
  <div class="field"><label for="w-period">${t('weights.period')}</label><input id="w-period" name="period" type="text" maxlength="16" placeholder="${t('weights.periodHint')}" value="${q.period ?? ''}"></div>
  <button type="submit">${t('weights.look')}</button>
</form>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-periods"><table>
<thead><tr><th scope="col">${t('weights.col.period')}</th><th scope="col">${t('weights.col.profile')}</th><th scope="col">${t('weights.col.why')}</th><th scope="col">${t('weights.pin')}</th></tr></thead>
<tbody>${rows.map(
      ({
        p,
        pp,
        why: reason,
      }) => html`<tr data-period="${p.id}"><th scope="row">${p.id}<br><small>${p.start} – ${p.end}</small></th>
<td><code>${pp.profile.id}</code> ${profileName(t, pp.profile)}<br><small>${INDICATOR_GROUPS.map((g) => `${t(groupKey(g))} ${Number(pp.profile[g])}`).join(' · ')}</small></td>
<td data-field="why">${reason}</td>
<td>${
        profileOptions.length > 0
          ? html`<form method="post" action="/weights/pin" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('period', p.id)}
<label class="sr-only" for="pin-${p.id}">${t('weights.pinTo', { period: p.id })}</label>
<select id="pin-${p.id}" name="profile">${optionList(profileOptions, pp.chosen_by === 'pinned' ? pp.profile.id : (profileOptions[0]?.[0] ?? ''))}</select>
<button type="submit">${t('weights.pin')}<span class="sr-only"> ${p.id}</span></button></form>`
          : ''
      }${
        pp.chosen_by === 'pinned'
          ? html`<form method="post" action="/weights/pin" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('period', p.id)}${hidden('profile', '')}
<button type="submit" class="link">${t('weights.unpin')}<span class="sr-only"> ${p.id}</span></button></form>`
          : ''
      }</td></tr>`,
    )}</tbody></table></div>`;
    return page(ctx, { title: t('weights.title'), active: '/weights', body });
  }

  app.get('/weights', { config: { console: 'hr' } }, async (request, reply) => {
    const q = parseQuery(weightsQuery, request.query);
    const { t } = request.ctx;
    const notice = q.saved
      ? html`<p class="notice info" role="status">${t('weights.saved', { id: q.saved })}</p>`
      : q.pinned
        ? html`<p class="notice info" role="status">${t('weights.pinned', { period: q.pinned, profile: (await targets.periodProfile(q.pinned)).profile.id })}</p>`
        : q.unpinned
          ? html`<p class="notice info" role="status">${t('weights.unpinned', { period: q.unpinned, profile: (await targets.periodProfile(q.unpinned)).profile.id })}</p>`
          : undefined;
    return sendPage(reply, await weightsPage(request.ctx, q, notice));
  });
  app.post('/weights/save', { config: { console: 'hr' } }, async (request, reply) => {
    const p = parseForm(profileForm, request.body);
    try {
      await targets.saveProfile(p, request.ctx.session!.keyId);
    } catch (err) {
      // weights that do not sum to 100: the form again with the server's reason and what was typed
      if (!(err instanceof DomainError) || STATUS_OF_CODE[err.code] !== 422) throw err;
      const sum = /must sum to 100 \(got ([^)]+)\)/.exec(err.message)?.[1];
      const text = sum
        ? request.ctx.t('weights.sumBad', { sum })
        : request.ctx.t('error.badRequest', { detail: err.message });
      const notice = html`<p class="notice error" role="alert">${text}</p>`;
      return sendPage(reply.code(422), await weightsPage(request.ctx, {}, notice, p));
    }
    return reply.redirect(`/weights${queryString({ saved: p.id })}`, 303);
  });
  app.post('/weights/pin', { config: { console: 'hr' } }, async (request, reply) => {
    const b = request.body as { period?: unknown; profile?: unknown };
    const period = typeof b.period === 'string' ? b.period : '';
    const profile = typeof b.profile === 'string' && b.profile ? b.profile : null;
    if (!parsePeriod(period)) throw new BadRequestError('period: expected a week, month or quarter');
    await targets.pinProfile(period, profile, request.ctx.session!.keyId);
    return reply.redirect(
      `/weights${queryString(profile ? { pinned: period, period } : { unpinned: period, period })}`,
      303,
    );
  });
}
