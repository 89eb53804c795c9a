/**
 * The web console, served by the API's Fastify process: server-rendered pages (html.ts escapes every
 * value), partial updates by a small served script (static/console.js), no inline script and a strict
 * Content-Security-Policy, sessions in the database (opened with an API key at /login), CSRF tokens on
 * every form, Simplified Chinese by default and English by a switch (messages.ts). Pages call the
 * service layer (`app.services.console` and friends), never SQL.
 *
 * Paths: / → the key's desk or /login; /login, /logout, /lang; the quality lead's /ratings,
 * /ratings/agents/:id, /reviews, /sla (scope cs_lead); /hr (scope hr); /me (scope agent: the key's own
 * agent, pages/me.ts); admin sees both desks; a scorer
 * key signs in to nothing.
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { DomainError } from '../lib/errors.js';
import { STATUS_OF_CODE } from '../plugins/errors.js';
import type { Session } from '../services/console.js';
import { type Ctx, type Desk, landing, makeCtx, mayUse } from './context.js';
import { html } from './html.js';
import { hidden, message, page, sameOriginPath, sendPage } from './layout.js';
import { fieldErrors, type MessageKey, notFoundText, pickLang } from './messages.js';
import agentPage from './pages/agent.js';
import correctionsPages from './pages/corrections.js';
import mePage from './pages/me.js';
import ratingsPages from './pages/ratings.js';
import reviewsPages from './pages/reviews.js';
import slaPage from './pages/sla.js';
// the appraisal screens (issue 17)
import appraisal360Page from './pages/appraisal-360.js';
import appraisalAbPage from './pages/appraisal-ab.js';
import appraisalGrowthPage from './pages/appraisal-growth.js';
import appraisalPayoutsPage from './pages/appraisal-payouts.js';
import targetPages from './pages/targets.js';
import periodPages from './pages/periods.js';
import adminPages from './pages/admin.js';
import dataPages from './pages/data.js';
import shadowPages from './pages/shadow.js';
import uploadPages from './pages/upload.js';
import { allowAllSignIns, type SignInLimiter } from './signin-limit.js';
import { ASSETS } from './static.js';

export const SESSION_COOKIE = 'kpi_session';
export const LOGIN_CSRF_COOKIE = 'kpi_login_csrf';
export const LANG_COOKIE = 'kpi_lang';

/** The console's Content-Security-Policy: own scripts and styles only, nothing inline, no framing. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console page: who may see it (`anon`: anyone, `session`: any signed-in key, or a desk). */
    console?: 'anon' | 'session' | Desk;
  }
  interface FastifyRequest {
    ctx: Ctx;
  }
}

export class CsrfError extends DomainError {
  constructor() {
    super('csrf', 'the form token is missing or wrong');
  }
}

export interface ConsoleOptions {
  /** The sign-in attempt limiter (see signin-limit.ts); default: allow all. */
  signInLimiter?: SignInLimiter;
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

/** A local path to return to (never another origin). */
const localPath = (s: unknown, fallback = '/'): string =>
  typeof s === 'string' && /^\/(?![/\\])[^\s]*$/.test(s) ? s : fallback;

export default async function consolePlugin(app: FastifyInstance, opts: ConsoleOptions = {}): Promise<void> {
  const limiter = opts.signInLimiter ?? allowAllSignIns;
  const { console: svc } = app.services;
  const pageMasker = app.services.privacy.masker('console');
  const secure = (request: FastifyRequest) => request.protocol === 'https';

  // every console route: no API key (the session stands in for it), hidden from the OpenAPI document
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), public: true };
    route.schema = { ...(route.schema ?? {}), hide: true };
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  app.decorateRequest('ctx', null as unknown as Ctx);

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.console;
    if (!access) return;
    const token = request.cookies[SESSION_COOKIE];
    const session: Session | null = token ? await svc.session(token) : null;
    let csrf = session?.csrf;
    if (!csrf) {
      csrf = request.cookies[LOGIN_CSRF_COOKIE];
      if (!csrf || csrf.length < 20) {
        csrf = randomBytes(24).toString('base64url');
        reply.setCookie(LOGIN_CSRF_COOKIE, csrf, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: secure(request),
        });
      }
    }
    const lang = pickLang(request.cookies[LANG_COOKIE], request.headers['accept-language']);
    request.ctx = makeCtx(lang, session, csrf, request.url, request.headers['x-partial'] === 'main', pageMasker);
    if (request.method === 'POST') {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (typeof body._csrf !== 'string' || !same(body._csrf, csrf)) throw new CsrfError();
    }
    if (access === 'anon') return;
    if (!session) {
      if (token) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
      return reply.redirect(`/login${next}${token ? `${next ? '&' : '?'}expired=1` : ''}`, 303);
    }
    if (access !== 'session' && !mayUse(session.scopes, access)) {
      return sendPage(
        reply.code(403),
        page(request.ctx, { title: request.ctx.t('error.title'), body: message(request.ctx.t('error.forbidden')) }),
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.routeOptions.config.console) return payload;
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'same-origin');
    reply.header('vary', 'Cookie, Accept-Language, X-Partial');
    return payload;
  });

  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, request, reply) => {
    const ctx = request.ctx ?? makeCtx('zh-CN', null, '', request.url, false);
    const { t } = ctx;
    let status = 500;
    let text = t('error.server');
    const bad = (detail: string) => t('error.badRequest', { detail: fieldErrors(t, detail) });
    if (err instanceof CsrfError) [status, text] = [403, t('error.csrf')];
    else if (err instanceof DomainError) {
      status = STATUS_OF_CODE[err.code] ?? 400;
      text = status === 404 ? notFoundText(t, err.message) : bad(err.message);
    } else if (err instanceof AppError && err.status < 500) {
      status = err.status;
      text = status === 429 ? t('error.rateLimited') : bad(err.message);
    } else if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      status = err.statusCode;
      text = bad(err.message);
    } else request.log.error({ err }, 'console page failed');
    // a refused form: a way back to it (the page it was sent from, when that is one of ours)
    const back =
      status < 500 && request.method === 'POST' ? sameOriginPath(request.headers.referer, request.headers.host) : null;
    return sendPage(
      reply.code(status),
      page(ctx, {
        title: t('error.title'),
        body: message(text, back ? { href: back, label: t('error.back') } : undefined),
      }),
    );
  });

  for (const [name, asset] of Object.entries(ASSETS)) {
    app.get(`/static/${name}`, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body),
    );
  }

  app.get('/', { config: { console: 'anon' } }, async (request, reply) => {
    const where = request.ctx.session ? landing(request.ctx.session.scopes) : null;
    return reply.redirect(where ?? '/login', 303);
  });

  const loginPage = (ctx: Ctx, notice?: { text: string; kind: 'error' | 'info' }, next = '/') =>
    page(ctx, {
      title: ctx.t('login.title'),
      body: html`<section class="card narrow">
  ${notice ? html`<p class="notice ${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>` : ''}
  <p>${ctx.t('login.hint')}</p>
  <form method="post" action="/login" class="stack">
    ${hidden('_csrf', ctx.csrf)}${hidden('next', next)}
    <label for="key">${ctx.t('login.key')}</label>
    <input id="key" name="key" type="password" autocomplete="current-password" required spellcheck="false" autofocus>
    <button type="submit">${ctx.t('login.submit')}</button>
  </form>
</section>`,
    });

  app.get('/login', { config: { console: 'anon' } }, async (request, reply) => {
    const { ctx } = request;
    const q = request.query as { next?: string; expired?: string };
    if (ctx.session) return reply.redirect(landing(ctx.session.scopes) ?? '/logout', 303);
    const notice = q.expired ? { text: ctx.t('login.expired'), kind: 'info' as const } : undefined;
    return sendPage(reply, loginPage(ctx, notice, localPath(q.next)));
  });

  app.post('/login', { config: { console: 'anon' } }, async (request, reply) => {
    const { ctx } = request;
    const body = request.body as { key?: unknown; next?: unknown };
    const next = localPath(body.next);
    // ── sign-in attempt limiter (per address): the one call point, see signin-limit.ts ──
    const decision = await limiter.check(request.ip);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      return sendPage(reply.code(429), loginPage(ctx, { text: ctx.t('login.throttled'), kind: 'error' }, next));
    }
    const key = typeof body.key === 'string' ? body.key : '';
    const opened = key.length > 0 && key.length < 512 ? await svc.signIn(key) : null;
    await limiter.record(request.ip, opened !== null);
    if (!opened) return sendPage(reply.code(401), loginPage(ctx, { text: ctx.t('login.bad'), kind: 'error' }, next));
    const where = landing(opened.scopes);
    if (!where) {
      await svc.signOut(opened.token);
      return sendPage(reply.code(403), loginPage(ctx, { text: ctx.t('login.noConsole'), kind: 'error' }, next));
    }
    reply.setCookie(SESSION_COOKIE, opened.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: secure(request),
      expires: undefined,
    });
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' });
    return reply.redirect(next !== '/' && next !== '/login' ? next : where, 303);
  });

  app.get('/logout', { config: { console: 'session' } }, async (request, reply) => {
    const { ctx } = request;
    return sendPage(
      reply,
      page(ctx, {
        title: ctx.t('logout.title'),
        body: html`<section class="card narrow"><p>${ctx.t('logout.confirm')}</p>
  <form method="post" action="/logout">${hidden('_csrf', ctx.csrf)}<button type="submit">${ctx.t('signout')}</button></form></section>`,
      }),
    );
  });

  app.post('/logout', { config: { console: 'session' } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await svc.signOut(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  app.post('/lang', { config: { console: 'anon' } }, async (request, reply) => {
    const body = request.body as { lang?: unknown; back?: unknown };
    const lang = body.lang === 'en' ? 'en' : 'zh-CN';
    reply.setCookie(LANG_COOKIE, lang, {
      path: '/',
      sameSite: 'strict',
      httpOnly: true,
      secure: secure(request),
      maxAge: 365 * 86_400,
    });
    return reply.redirect(localPath(body.back), 303);
  });

  // every page of the HR desk (the navigation's HR entries and the pages reached from them)
  const HR_LINKS: readonly (readonly [string, MessageKey])[] = [
    ['/targets', 'hr.go.targets'],
    ['/targets/audit', 'hr.go.audit'],
    ['/targets/import', 'hr.go.import'],
    ['/upload', 'hr.go.upload'],
    ['/calendar', 'hr.go.calendar'],
    ['/weights', 'hr.go.weights'],
    ['/appraisal/360', 'hr.go.appraisal'],
    ['/hr/periods', 'hr.go.periods'],
    ['/hr/approvals', 'hr.go.approvals'],
  ];
  app.get('/hr', { config: { console: 'hr' } }, async (request, reply) => {
    const { ctx } = request;
    return sendPage(
      reply,
      page(ctx, {
        title: ctx.t('hr.title'),
        active: '/hr',
        body: html`<section class="card"><p>${ctx.t('hr.intro')}</p><ul>${HR_LINKS.map(
          ([href, key]) => html`<li><a href="${href}">${ctx.t(key)}</a></li>`,
        )}</ul></section>`,
      }),
    );
  });

  await app.register(ratingsPages);
  await app.register(agentPage);
  await app.register(reviewsPages);
  await app.register(slaPage);
  await app.register(correctionsPages);
  await app.register(mePage);
  // ── console part 2 (issue 13) ──
  await app.register(targetPages);
  await app.register(periodPages);
  await app.register(adminPages);
  await app.register(uploadPages);
  await app.register(dataPages);
  await app.register(shadowPages);
  // the appraisal screens (issue 17)
  await app.register(appraisal360Page);
  await app.register(appraisalPayoutsPage);
  await app.register(appraisalGrowthPage);
  await app.register(appraisalAbPage);
}
