/**
 * Admin pages of console part 2 (issue 13), scope admin: `/models` — model versions per kind and
 * scope with their metrics, data range and status; compare a candidate (a job), promote and roll back
 * with a reason after a confirmation step (app.services.models), the follow-up rescore job named;
 * `/keys` — list, create (the key shown once), revoke (app.services.keys, as the admin API does).
 * A key's expiry is shown; expiry is set and keys rotated through the API or the CLI (README "Keys").
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SCOPES, type Scope } from '../../auth/scopes.js';
import { BadRequestError } from '../../lib/errors.js';
import { textFault } from '../../lib/text.js';
import type { Switched } from '../../services/models.js';
import type { Ctx } from '../context.js';
import { type Html, html, queryString } from '../html.js';
import { hidden, page, sendPage } from '../layout.js';
import { type MessageKey, refusalText, roleName, stageText, type Translate, wordOf } from '../messages.js';
import { optionList, parseQuery } from './common.js';

const reasonOf = (raw: unknown): string => {
  const r = typeof raw === 'string' ? raw.trim() : '';
  if (!r) throw new BadRequestError('reason: required');
  if (r.length > 2000) throw new BadRequestError('reason: at most 2000 characters');
  const fault = textFault(r);
  if (fault) throw new BadRequestError(`reason: ${fault}`);
  return r;
};

const modelsQuery = z.object({
  kind: z.string().max(64).optional(),
  confirm: z.enum(['promote', 'rollback']).optional(),
  id: z.string().max(256).optional(),
  scope: z.string().max(256).optional(),
});

const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'cancelled'] as const;
/**
 * A job's progress cell: a bar and the stage while it waits, runs or once it completed; a job that
 * stopped (failed, cancelled) shows no bar but where it stopped — or that it never began (still at
 * 0 % and queued) — never "0 % queued", which would read as if it were still waiting.
 */
function progressCell(
  t: Translate,
  j: { id: string; state: string; progress: { percent: number; stage: string } },
): Html | string {
  const { percent, stage } = j.progress;
  if (j.state === 'failed' || j.state === 'cancelled') {
    const began = percent > 0 || (stage !== 'queued' && stage !== 'waiting');
    return began ? t('jobs.stoppedAt', { percent, stage: stageText(t, stage) }) : t('jobs.notStarted');
  }
  return html`<progress max="100" value="${percent}" aria-label="${j.id}">${percent}%</progress> ${percent}% ${stageText(t, stage)}`;
}

const jobsQuery = z.object({
  kind: z.string().max(64).optional(),
  state: z.enum(JOB_STATES).optional(),
  before: z.string().max(200).optional(),
});
const JOBS_PER_PAGE = 50;

const short = (x: unknown): string => {
  if (x === null || x === undefined) return '—';
  const s = JSON.stringify(x);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
};

function rangeCell(ctx: Ctx, r: Record<string, unknown> | null): string {
  if (!r) return '—';
  if (typeof r.from === 'string' && typeof r.to === 'string') {
    const extra = (['rows', 'people'] as const)
      .filter((k) => typeof r[k] === 'number')
      .map((k) => ctx.t(`models.range.${k}`, { n: ctx.f.count(r[k] as number) }));
    return [`${r.from} – ${r.to}`, ...extra].join(' · ');
  }
  return short(r);
}

/** The version's own part (after '@'); the scope is in the row already. */
const versionCell = (id: string): string => (id.includes('@') ? `@${id.split('@').pop()}` : id);

function metricsCell(t: Translate, m: Record<string, unknown>): string {
  const pick = ['coverage80', 'coverage_80', 'c80', 'accuracy', 'macro_f1', 'agent_f1', 'mase', 'pinball', 'n'];
  const parts = pick
    .filter((k) => typeof m[k] === 'number')
    .map((k) => `${wordOf(t, 'models.metric', k)} ${Number(m[k]).toFixed(3)}`);
  return parts.length > 0 ? parts.join(' · ') : short(m);
}

function switchedNotice(ctx: Ctx, s: Switched): Html {
  return html`<p class="notice info" role="status">${ctx.t('models.done', { id: s.id, scope: s.scope })}${
    s.rescore_job ? html` ${ctx.t('models.rescore', { job: s.rescore_job })}` : ''
  }</p>`;
}

export default async function adminPages(app: FastifyInstance): Promise<void> {
  const { models, keys, jobs, targets, catalogue } = app.services;

  async function modelsPage(ctx: Ctx, q: z.infer<typeof modelsQuery>, notice?: Html): Promise<Html> {
    const { t, f } = ctx;
    const all = await models.list({});
    const kinds = [...new Set(all.map((m) => m.kind))].sort();
    const shown = all.filter((m) => !q.kind || m.kind === q.kind);
    let confirm: Html | string = '';
    if (q.confirm === 'promote' && q.id) {
      confirm = html`<section class="card narrow" aria-labelledby="h-confirm"><h2 id="h-confirm">${t('models.confirm.promote', { id: q.id })}</h2>
<form method="post" action="/models/promote" class="stack">${hidden('_csrf', ctx.csrf)}${hidden('id', q.id)}
<label for="m-reason">${t('models.confirm.reason')}</label><textarea id="m-reason" name="reason" required maxlength="2000" rows="2"></textarea>
<button type="submit">${t('models.confirm.go')}</button></form>
<p><a href="/models${queryString({ kind: q.kind })}">${t('models.confirm.cancel')}</a></p></section>`;
    } else if (q.confirm === 'rollback' && q.scope && q.kind) {
      confirm = html`<section class="card narrow" aria-labelledby="h-confirm"><h2 id="h-confirm">${t('models.confirm.rollback', { scope: q.scope })}</h2>
<form method="post" action="/models/rollback" class="stack">${hidden('_csrf', ctx.csrf)}${hidden('kind', q.kind)}${hidden('scope', q.scope)}
<label for="m-reason">${t('models.confirm.reason')}</label><textarea id="m-reason" name="reason" required maxlength="2000" rows="2"></textarea>
<button type="submit">${t('models.confirm.go')}</button></form>
<p><a href="/models${queryString({ kind: q.kind })}">${t('models.confirm.cancel')}</a></p></section>`;
    }
    const rows = shown.map(
      (
        m,
      ) => html`<tr data-model="${m.id}"><th scope="row">${m.scope}</th><td class="nowrap" data-kind="${m.kind}">${wordOf(t, 'models.kind', m.kind)}</td><td title="${m.id}">${versionCell(m.id)}</td>
<td><span class="badge ${m.status === 'active' ? 'ok' : m.status === 'candidate' ? 'neu' : ''}">${t(`models.status.${m.status}` as MessageKey)}</span></td>
<td class="code">${metricsCell(t, m.metrics)}</td><td class="code">${rangeCell(ctx, m.data_range)}</td><td>${f.dateTime(new Date(m.created_at))}</td>
<td>${
        m.status === 'candidate'
          ? html`<a href="/models${queryString({ kind: m.kind, confirm: 'promote', id: m.id })}#h-confirm">${t('models.promote')}</a>
${m.metadata.shadow ? html` <a href="/models/report${queryString({ id: m.id })}">${t('shadow.link')}</a>` : ''}
<form method="post" action="/models/compare" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('id', m.id)}<button type="submit" class="link">${t('models.compare')}</button></form>`
          : m.status === 'active'
            ? html`<a href="/models${queryString({ kind: m.kind, confirm: 'rollback', scope: m.scope })}#h-confirm">${t('models.rollback')}</a>`
            : ''
      }</td></tr>`,
    );
    const body = html`${notice ?? ''}${confirm}
<form class="filters" method="get" action="/models" data-partial aria-label="${t('filters.title')}">
  <div class="field"><label for="m-kind">${t('models.kind')}</label>
    <select id="m-kind" name="kind">${optionList([['', t('filter.all')], ...kinds.map((k) => [k, wordOf(t, 'models.kind', k)] as const)], q.kind ?? '')}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
${
  shown.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-models"><table>
<caption id="h-models">${t('models.title')}</caption>
<thead><tr><th scope="col">${t('models.col.scope')}</th><th scope="col">${t('models.kind')}</th><th scope="col">${t('models.col.version')}</th><th scope="col">${t('models.col.status')}</th>
<th scope="col">${t('models.col.metrics')}</th><th scope="col">${t('models.col.range')}</th><th scope="col">${t('models.col.created')}</th><th scope="col">${t('models.col.actions')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p class="empty">${t('empty')}</p>`
}`;
    return page(ctx, { title: t('models.title'), active: '/models', body });
  }

  app.get('/models', { config: { console: 'admin' } }, async (request, reply) => {
    return sendPage(reply, await modelsPage(request.ctx, parseQuery(modelsQuery, request.query)));
  });
  app.post('/models/promote', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { id?: unknown; reason?: unknown };
    if (typeof b.id !== 'string' || !b.id) throw new BadRequestError('id: required');
    const reason = reasonOf(b.reason);
    const s = await models.promote(b.id, request.ctx.session!.keyId, reason);
    return sendPage(reply, await modelsPage(request.ctx, { kind: s.kind }, switchedNotice(request.ctx, s)));
  });
  app.post('/models/rollback', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { kind?: unknown; scope?: unknown; reason?: unknown };
    if (typeof b.kind !== 'string' || typeof b.scope !== 'string') throw new BadRequestError('kind, scope: required');
    const reason = reasonOf(b.reason);
    const s = await models.rollback(b.kind, b.scope, request.ctx.session!.keyId, reason);
    return sendPage(reply, await modelsPage(request.ctx, { kind: s.kind }, switchedNotice(request.ctx, s)));
  });
  app.post('/models/compare', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { id?: unknown };
    if (typeof b.id !== 'string' || !b.id) throw new BadRequestError('id: required');
    const { session } = request.ctx;
    const job = await models.compare(b.id, {}, { scopes: session!.scopes, actor: session!.keyId });
    const notice = html`<p class="notice info" role="status">${request.ctx.t('models.compared', { job: job.id })}</p>`;
    return sendPage(reply, await modelsPage(request.ctx, {}, notice));
  });

  async function jobsPage(ctx: Ctx, notice?: Html, q: z.infer<typeof jobsQuery> = {}): Promise<Html> {
    const { t, f } = ctx;
    const [shown, roles] = await Promise.all([
      jobs.list({ scopes: ctx.session!.scopes, ...q, kind: q.kind || undefined, limit: JOBS_PER_PAGE }),
      catalogue.roles(),
    ]);
    const list = shown.jobs;
    const kinds = jobs.kinds().map((k) => k.kind);
    const live = list.some((j) => j.state === 'waiting' || j.state === 'active');
    const body = html`${notice ?? ''}
<section class="card narrow" aria-labelledby="h-train"><h2 id="h-train">${t('jobs.train')}</h2>
<form method="post" action="/jobs/train" class="stack">${hidden('_csrf', ctx.csrf)}
<label for="j-role">${t('filter.role')}</label>
<select id="j-role" name="role">${optionList(
      roles.map((r) => [r.id, roleName(t, r.id, r.name)] as const),
      roles[0]?.id ?? '',
    )}</select>
<label class="field check"><input type="checkbox" name="network" value="1"> ${t('jobs.train.network')}</label>
<button type="submit">${t('jobs.train')}</button></form></section>
<form class="filters" method="get" action="/jobs" aria-label="${t('filters.title')}">
  <div class="field"><label for="j-kind">${t('jobs.col.kind')}</label>
    <select id="j-kind" name="kind">${optionList([['', t('filter.all')], ...kinds.map((k) => [k, wordOf(t, 'jobs.kind', k)] as const)], q.kind ?? '')}</select></div>
  <div class="field"><label for="j-state">${t('jobs.col.state')}</label>
    <select id="j-state" name="state">${optionList([['', t('filter.all')], ...JOB_STATES.map((k) => [k, wordOf(t, 'jobs.state', k)] as const)], q.state ?? '')}</select></div>
  <button type="submit">${t('filter.apply')}</button>
</form>
<div id="jobs-live"${live ? html` data-refresh="3"` : ''}>
${live ? html`<p class="notice info">${t('jobs.refresh')}</p>` : ''}
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-jobs"><table>
<caption id="h-jobs">${t('jobs.title')}</caption>
<thead><tr><th scope="col">${t('jobs.col.id')}</th><th scope="col">${t('jobs.col.kind')}</th><th scope="col">${t('jobs.col.state')}</th>
<th scope="col">${t('jobs.col.progress')}</th><th scope="col">${t('jobs.col.created')}</th><th scope="col">${t('jobs.col.finished')}</th><th scope="col">${t('models.col.actions')}</th></tr></thead>
<tbody>${list.map(
      (
        j,
      ) => html`<tr data-job="${j.id}"><th scope="row">${j.id}</th><td data-kind="${j.kind}">${wordOf(t, 'jobs.kind', j.kind)}</td><td data-field="state" data-state="${j.state}">${wordOf(t, 'jobs.state', j.state)}${j.error ? html`<br><small data-field="error">${refusalText(t, j.error)}</small>` : ''}</td>
<td data-field="progress">${progressCell(t, j)}</td>
<td>${f.dateTime(new Date(j.created_at))}</td><td>${j.finished_at ? f.dateTime(new Date(j.finished_at)) : '—'}</td>
<td>${j.state === 'waiting' || j.state === 'active' ? html`<form method="post" action="/jobs/cancel" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('id', j.id)}<button type="submit" class="link">${t('jobs.cancel', { id: j.id })}</button></form>` : ''}</td></tr>`,
    )}</tbody></table></div>${list.length === 0 ? html`<p class="empty">${t('empty')}</p>` : ''}
${
  shown.next_before || q.before
    ? html`<nav class="pager" aria-label="${t('jobs.title')}">${
        q.before ? html`<a href="/jobs${queryString({ kind: q.kind, state: q.state })}">${t('jobs.newest')}</a> ` : ''
      }${
        shown.next_before
          ? html`<a href="/jobs${queryString({ kind: q.kind, state: q.state, before: shown.next_before })}" rel="next">${t('jobs.older')}</a>`
          : ''
      }</nav>`
    : ''
}</div>`;
    return page(ctx, { title: t('jobs.title'), active: '/jobs', body });
  }

  app.get('/jobs', { config: { console: 'admin' } }, async (request, reply) =>
    sendPage(reply, await jobsPage(request.ctx, undefined, parseQuery(jobsQuery, request.query))),
  );
  app.post('/jobs/cancel', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { id?: unknown };
    if (typeof b.id !== 'string' || !b.id) throw new BadRequestError('id: required');
    await jobs.cancel(b.id, request.ctx.session!.scopes);
    const notice = html`<p class="notice info" role="status">${request.ctx.t('jobs.cancelled', { id: b.id })}</p>`;
    return sendPage(reply, await jobsPage(request.ctx, notice));
  });
  app.post('/jobs/train', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { role?: unknown; network?: unknown };
    if (typeof b.role !== 'string' || !b.role) throw new BadRequestError('role: required');
    const job = await targets.train(
      { role: b.role, network: b.network === '1', promote: true },
      request.ctx.session!.keyId,
    );
    const notice = html`<p class="notice info" role="status">${request.ctx.t('jobs.submitted', { id: job.id })}</p>`;
    return sendPage(reply, await jobsPage(request.ctx, notice));
  });

  async function keysPage(ctx: Ctx, notice?: Html): Promise<Html> {
    const { t, f } = ctx;
    const list = await keys.list();
    const body = html`${notice ?? ''}
<p class="notice info">${t('keys.lifecycle')}</p>
<section class="card narrow" aria-labelledby="h-new"><h2 id="h-new">${t('keys.create')}</h2>
<form method="post" action="/keys/create" class="stack">${hidden('_csrf', ctx.csrf)}
<label for="k-name">${t('keys.name')}</label><input id="k-name" name="name" type="text" required maxlength="200">
<fieldset><legend>${t('keys.scopes')}</legend>${SCOPES.map(
      (s) => html`<label class="field check"><input type="checkbox" name="scopes" value="${s}"> ${s}</label>`,
    )}</fieldset>
<label for="k-agent">${t('keys.agent')}</label><input id="k-agent" name="agent_id" type="text" maxlength="64" aria-describedby="k-agent-hint">
<p class="hint" id="k-agent-hint">${t('keys.agentHint')}</p>
<button type="submit">${t('keys.create')}</button></form></section>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-keys"><table>
<caption id="h-keys">${t('keys.title')}</caption>
<thead><tr><th scope="col">${t('keys.col.id')}</th><th scope="col">${t('keys.name')}</th><th scope="col">${t('keys.scopes')}</th>
<th scope="col">${t('keys.col.created')}</th><th scope="col">${t('keys.col.expires')}</th><th scope="col">${t('keys.col.used')}</th><th scope="col">${t('keys.col.state')}</th><th scope="col">${t('models.col.actions')}</th></tr></thead>
<tbody>${list.map(
      (
        k,
      ) => html`<tr data-key="${k.id}"><th scope="row">${k.id}</th><td>${k.name}</td><td>${k.scopes.join(', ')}${k.agent_id ? ` (${k.agent_id})` : ''}</td>
<td>${f.dateTime(new Date(k.created_at))}</td><td>${k.expires_at ? f.dateTime(new Date(k.expires_at)) : t('keys.never')}</td><td>${k.last_used_at ? f.dateTime(new Date(k.last_used_at)) : '—'}</td>
<td>${k.revoked_at ? t('keys.revokedState', { at: f.dateTime(new Date(k.revoked_at)) }) : t('keys.active')}</td>
<td>${k.revoked_at ? '' : html`<form method="post" action="/keys/revoke" class="inline">${hidden('_csrf', ctx.csrf)}${hidden('id', k.id)}<button type="submit" class="link">${t('keys.revoke', { id: k.id })}</button></form>`}</td></tr>`,
    )}</tbody></table></div>`;
    return page(ctx, { title: t('keys.title'), active: '/keys', body });
  }

  app.get('/keys', { config: { console: 'admin' } }, async (request, reply) =>
    sendPage(reply, await keysPage(request.ctx)),
  );
  app.post('/keys/create', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { name?: unknown; scopes?: unknown; agent_id?: unknown };
    const name = typeof b.name === 'string' ? b.name.trim() : '';
    if (!name) throw new BadRequestError('name: required');
    if (name.length > 200) throw new BadRequestError('name: at most 200 characters');
    const fault = textFault(name);
    if (fault) throw new BadRequestError(`name: ${fault}`);
    const asked = (Array.isArray(b.scopes) ? b.scopes : [b.scopes]).filter((s): s is string => typeof s === 'string');
    const scopes = asked.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || scopes.length !== asked.length)
      throw new BadRequestError(`scopes: one or more of ${SCOPES.join(', ')}`);
    const agentId = typeof b.agent_id === 'string' && b.agent_id.trim() ? b.agent_id.trim() : null;
    const made = await keys.create(name, scopes, { agentId, actor: request.ctx.session!.keyId });
    const notice = html`<section class="card narrow"><p class="notice info" role="status">${request.ctx.t('keys.created')}
<code data-field="new-key">${made.key}</code></p></section>`;
    return sendPage(reply, await keysPage(request.ctx, notice));
  });
  app.post('/keys/revoke', { config: { console: 'admin' } }, async (request, reply) => {
    const b = request.body as { id?: unknown };
    if (typeof b.id !== 'string' || !b.id) throw new BadRequestError('id: required');
    await keys.revoke(b.id, request.ctx.session!.keyId);
    const notice = html`<p class="notice info" role="status">${request.ctx.t('keys.revoked', { id: b.id })}</p>`;
    return sendPage(reply, await keysPage(request.ctx, notice));
  });
}
