/**
 * `/models/report?id=…` (console part 2, issue 13), scope admin: a candidate's shadow comparison as
 * the compare job stored it with the version (`metadata.shadow`, src/registry/shadow.ts) — both
 * versions on the kind's evaluation (accuracy for sentiment, backtest coverage for baselines), how
 * many were compared and changed, the agents or people whose figure would move past the threshold
 * as a table and their moves as a histogram (an SVG of counts, with the same counts as a table),
 * and the way on: promote after the confirmation step, or back to the versions.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ShadowReport } from '../../registry/shadow-types.js';
import type { Ctx } from '../context.js';
import { escapeHtml, type Html, html, queryString, trusted } from '../html.js';
import { page, sendPage } from '../layout.js';
import { parseQuery } from './common.js';

const reportQuery = z.object({ id: z.string().min(1).max(256) });

/** The move of one row: relative for targets (baselines), in share points for agents (sentiment). */
const moveOf = (r: ShadowReport, m: ShadowReport['moved'][number]): number =>
  r.kind === 'baseline' ? m.delta / Math.max(Math.abs(m.active), 1e-9) : m.delta;

/** Equal-width bins over the moves (at least one), each with its count. */
export function histogram(values: readonly number[], bins = 10): { from: number; to: number; n: number }[] {
  if (values.length === 0) return [];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) [lo, hi] = [lo - 0.5 * Math.abs(lo || 1) * 0.1, hi + 0.5 * Math.abs(hi || 1) * 0.1];
  const width = (hi - lo) / bins;
  const out = Array.from({ length: bins }, (_, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, n: 0 }));
  for (const v of values) out[Math.min(bins - 1, Math.floor((v - lo) / width))]!.n += 1;
  return out;
}

function bars(bins: { from: number; to: number; n: number }[], label: (x: number) => string, title: string): Html {
  const W = 560;
  const H = 180;
  const pad = 28;
  const max = Math.max(1, ...bins.map((b) => b.n));
  const bw = (W - 2 * pad) / Math.max(1, bins.length);
  const rects = bins
    .map((b, i) => {
      const h = ((H - 2 * pad) * b.n) / max;
      const x = pad + i * bw;
      const y = H - pad - h;
      return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${escapeHtml(`${label(b.from)} – ${label(b.to)}: ${b.n}`)}</title></rect>${
        b.n > 0
          ? `<text x="${(x + bw / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" class="count">${b.n}</text>`
          : ''
      }`;
    })
    .join('');
  const first = bins[0];
  const last = bins[bins.length - 1];
  const axis =
    first && last
      ? `<text x="${pad}" y="${H - 8}" class="axis">${escapeHtml(label(first.from))}</text><text x="${W - pad}" y="${H - 8}" text-anchor="end" class="axis">${escapeHtml(label(last.to))}</text>`
      : '';
  return trusted(
    `<svg class="chart histogram" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}"><line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" class="base"/>${rects}${axis}</svg>`,
  );
}

export default async function shadowPages(app: FastifyInstance): Promise<void> {
  const { models } = app.services;

  function reportBody(ctx: Ctx, id: string, r: ShadowReport): Html {
    const { t, f } = ctx;
    const pct = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
    const pts = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
    const label = r.kind === 'baseline' ? pct : pts;
    const bins = histogram(r.moved.map((m) => moveOf(r, m)));
    const e = r.evaluation;
    const keys = e ? [...new Set([...Object.keys(e.candidate), ...Object.keys(e.active ?? {})])] : [];
    const fig = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(4) : '—');
    return html`<section class="card" aria-labelledby="h-acc"><h2 id="h-acc">${t('shadow.accuracy')}</h2>
<p>${r.kind} · <code>${r.scope}</code> · ${f.dateTime(new Date(r.at))}</p>
<dl class="counts">
<div><dt>${t('shadow.candidate')}</dt><dd><code>${r.candidate.split('@').pop()}</code></dd></div>
<div><dt>${t('shadow.active')}</dt><dd><code>${r.active?.split('@').pop() ?? '—'}</code></dd></div>
<div><dt>${t('shadow.compared')}</dt><dd data-count="compared">${f.count(r.compared)}</dd></div>
<div><dt>${t('shadow.changed')}</dt><dd data-count="changed">${f.count(r.changed)}</dd></div>
<div><dt>${t('shadow.movedCount', { threshold: r.kind === 'baseline' ? pct(r.threshold) : pts(r.threshold) })}</dt><dd data-count="moved">${f.count(r.moved_count)}</dd></div>
</dl>
${
  e
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-eval"><table>
<caption id="h-eval">${t('shadow.evaluation', { source: e.source, n: e.n })}</caption>
<thead><tr><th scope="col"></th>${keys.map((k) => html`<th scope="col" class="num">${k}</th>`)}</tr></thead>
<tbody><tr data-version="active"><th scope="row">${t('shadow.active')}</th>${keys.map((k) => html`<td class="num">${fig(e.active?.[k])}</td>`)}</tr>
<tr data-version="candidate"><th scope="row">${t('shadow.candidate')}</th>${keys.map((k) => html`<td class="num">${fig(e.candidate[k])}</td>`)}</tr></tbody></table></div>`
    : html`<p class="empty">${t('shadow.noEvaluation')}</p>`
}</section>
<div class="grid">
<section class="card" aria-labelledby="h-hist"><h2 id="h-hist">${t('shadow.histogram')}</h2>
${bins.length > 0 ? bars(bins, label, t('shadow.histogram')) : html`<p class="empty">${t('empty')}</p>`}
${
  bins.length > 0
    ? html`<table class="compact"><caption class="sr-only">${t('shadow.histogram')}</caption>
<thead><tr><th scope="col">${t('shadow.col.bucket')}</th><th scope="col" class="num">${t('shadow.col.count')}</th></tr></thead>
<tbody>${bins.map((b) => html`<tr><td>${label(b.from)} – ${label(b.to)}</td><td class="num" data-bin>${b.n}</td></tr>`)}</tbody></table>`
    : ''
}</section>
<section class="card" aria-labelledby="h-moved"><h2 id="h-moved">${t(r.kind === 'baseline' ? 'shadow.movedPeople' : 'shadow.moved')}</h2>
${
  r.moved.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-moved"><table>
<thead><tr><th scope="col">${t('shadow.col.agent')}</th><th scope="col" class="num">${t('shadow.col.before')}</th><th scope="col" class="num">${t('shadow.col.after')}</th><th scope="col" class="num">${t('shadow.col.delta')}</th></tr></thead>
<tbody>${r.moved.map(
        (m) =>
          html`<tr data-moved="${m.id}"><th scope="row">${m.id}</th><td class="num">${f.fixed(m.active, 3)}</td><td class="num">${f.fixed(m.candidate, 3)}</td><td class="num">${label(moveOf(r, m))}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${t('empty')}</p>`
}</section></div>
<p><a href="/models${queryString({ kind: r.kind, confirm: 'promote', id })}#h-confirm">${t('models.promote')}</a> ·
<a href="/models${queryString({ kind: r.kind })}">${t('shadow.back')}</a></p>`;
  }

  app.get('/models/report', { config: { console: 'admin' } }, async (request, reply) => {
    const { ctx } = request;
    const { id } = parseQuery(reportQuery, request.query);
    const v = await models.get(id);
    const report = v.metadata.shadow as ShadowReport | undefined;
    const body = report
      ? reportBody(ctx, id, report)
      : html`<section class="card narrow"><p class="notice info" role="status">${ctx.t('shadow.none', { id })}</p>
<p><a href="/models${queryString({ kind: v.kind })}">${ctx.t('shadow.back')}</a></p></section>`;
    return sendPage(reply, page(ctx, { title: ctx.t('shadow.title'), active: '/models', body }));
  });
}
