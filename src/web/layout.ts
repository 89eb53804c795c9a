/** The page shell: skip link, header with the navigation a key may use, language switch, sign-out. */
import type { FastifyReply } from 'fastify';
import type { Ctx } from './context.js';
import { type Desk, mayUse } from './context.js';
import { type Html, html } from './html.js';
import type { MessageKey } from './messages.js';
import { assetUrl } from './static.js';

const NAV: { href: string; key: MessageKey; desk: Desk }[] = [
  { href: '/ratings', key: 'nav.ratings', desk: 'quality' },
  { href: '/reviews', key: 'nav.reviews', desk: 'quality' },
  { href: '/sla', key: 'nav.sla', desk: 'quality' },
  { href: '/corrections', key: 'nav.corrections', desk: 'quality' },
  { href: '/hr', key: 'nav.hr', desk: 'hr' },
  // ── console part 2 (issue 13): the HR target desk and its audit ──
  { href: '/targets', key: 'nav.targets', desk: 'hr' },
  { href: '/targets/audit', key: 'nav.audit', desk: 'hr' },
  { href: '/upload', key: 'nav.upload', desk: 'data' },
  { href: '/calendar', key: 'nav.calendar', desk: 'hr' },
  { href: '/weights', key: 'nav.weights', desk: 'hr' },
  // the appraisal screens (issue 17), one entry for the four of them
  { href: '/appraisal/360', key: 'nav.appraisal', desk: 'hr' },
  // closed periods and override approvals (issue 25)
  { href: '/hr/periods', key: 'nav.periods', desk: 'hr' },
  { href: '/models', key: 'nav.models', desk: 'admin' },
  { href: '/jobs', key: 'nav.jobs', desk: 'admin' },
  { href: '/keys', key: 'nav.keys', desk: 'admin' },
  // issue 18: the agent's own rating and appeals
  { href: '/me', key: 'nav.me', desk: 'self' },
];

export function hidden(name: string, value: string): Html {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

function header(ctx: Ctx, active: string | undefined): Html {
  const { t, session } = ctx;
  const links = session ? NAV.filter((n) => mayUse(session.scopes, n.desk)) : [];
  return html`<header class="top">
  <a class="brand" href="/">${t('app.name')}</a>
  ${
    links.length > 0
      ? html`<nav aria-label="${t('nav.main')}"><ul>${links.map(
          (n) =>
            html`<li><a href="${n.href}"${active === n.href ? html` aria-current="page"` : ''}>${t(n.key)}</a></li>`,
        )}</ul></nav>`
      : ''
  }
  <div class="tools">
    <form method="post" action="/lang" class="inline">
      ${hidden('_csrf', ctx.csrf)}${hidden('back', ctx.url)}${hidden('lang', t('lang.otherCode'))}
      <button type="submit" class="link" lang="${t('lang.otherCode')}">${t('lang.other')}</button>
    </form>
    ${
      session
        ? html`<form method="post" action="/logout" class="inline">${hidden('_csrf', ctx.csrf)}
      <button type="submit" class="link">${t('signout')}</button></form>`
        : ''
    }
  </div>
</header>`;
}

/** A whole page, or only the <main> content for a partial update. */
export function page(ctx: Ctx, opts: { title: string; active?: string; body: Html }): Html {
  if (ctx.partial) return html`<h1 id="page-title" tabindex="-1">${opts.title}</h1>${opts.body}`;
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ${ctx.t('app.name')}</title>
<link rel="stylesheet" href="${assetUrl('console.css')}">
<script src="${assetUrl('console.js')}" defer></script>
</head>
<body>
<a class="skip" href="#main">${ctx.t('skip')}</a>
${header(ctx, opts.active)}
<main id="main" tabindex="-1">
<h1 id="page-title" tabindex="-1">${opts.title}</h1>
${opts.body}
</main>
</body>
</html>`;
}

/** A pager: previous / page x of y / next, links keeping the query. */
export function pager(
  ctx: Ctx,
  p: { total: number; limit: number; offset: number; link: (offset: number) => string },
): Html {
  const pages = Math.max(1, Math.ceil(p.total / p.limit));
  const current = Math.floor(p.offset / p.limit) + 1;
  if (pages <= 1) return html``;
  return html`<nav class="pager" aria-label="${ctx.t('page.nav')}">
  ${current > 1 ? html`<a data-partial href="${p.link(p.offset - p.limit)}" rel="prev">${ctx.t('page.prev')}</a>` : ''}
  <span>${ctx.t('page.of', { page: current, pages })}</span>
  ${current < pages ? html`<a data-partial href="${p.link(p.offset + p.limit)}" rel="next">${ctx.t('page.next')}</a>` : ''}
</nav>`;
}

/** A notice in a card (errors, refusals), with a link back where there is one. */
export function message(text: string, back?: { href: string; label: string }): Html {
  return html`<section class="card narrow"><p class="notice error" role="alert">${text}</p>${
    back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''
  }</section>`;
}

/** The path and query of a Referer on this host, else null (never a link elsewhere). */
export function sameOriginPath(referer: string | undefined, host: string | undefined): string | null {
  if (!referer || !host) return null;
  try {
    const u = new URL(referer);
    return u.host === host && u.pathname.startsWith('/') ? `${u.pathname}${u.search}` : null;
  } catch {
    return null;
  }
}

export function sendPage(reply: FastifyReply, body: Html): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body.value);
}
