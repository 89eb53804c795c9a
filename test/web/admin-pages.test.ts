/**
 * Console part 2's admin pages over HTTP (inject): /keys (create — the key shown once — list,
 * revoke: the key stops working on the API) and /models (versions listed, promote and roll back
 * only with a reason after a confirmation step); admin only; every form CSRF-checked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Processor } from '../../src/jobs/types.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { Browser } from './session.js';

describeEachBackend('console: admin pages', (get) => {
  let t: TestApp;
  let admin: Browser;
  beforeAll(async () => {
    // a training that runs until it is cancelled, so the page shows it running and can cancel it
    const waitForCancel: Processor = (_data, ctx) =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('cancelled'))));
    t = await buildTestApp(get().db, {}, false, { train_baselines: waitForCancel });
    await registerShippedSentiment(get().db, 'models');
    admin = new Browser(t);
    await admin.signIn(t.keys.admin);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  it('creates a key shown once, lists it, revokes it (the API refuses it then)', async () => {
    const page = await admin.get('/keys');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('到期与轮换');
    // no token: refused
    const forged = await admin.post('/keys/create', { name: 'x', scopes: 'scorer' }, false);
    expect(forged.statusCode).toBe(403);
    const made = await admin.post('/keys/create', { name: '<b>评分系统</b>', scopes: 'scorer' });
    expect(made.statusCode, made.body).toBe(200);
    const key = /data-field="new-key">([^<]+)</.exec(made.body)![1]!;
    expect(key).toMatch(/^kpi_/);
    expect(made.body).toContain('&lt;b&gt;评分系统&lt;/b&gt;');
    const id = key.split('_')[1]!;
    expect(
      (await t.app.inject({ url: '/v1/ratings', headers: { authorization: `Bearer ${key}` } })).statusCode,
    ).not.toBe(401);
    const again = await admin.get('/keys');
    expect(again.body).toContain(`data-key="${id}"`);
    expect(again.body).not.toContain(key);
    expect((await admin.post('/keys/create', { name: 'y', scopes: 'root' })).statusCode).toBe(400);
    const revoked = await admin.post('/keys/revoke', { id });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.body).toContain(`已吊销密钥 ${id}`);
    expect((await t.app.inject({ url: '/v1/ratings', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(
      401,
    );
  });

  it('lists model versions; promote and roll back need the confirmation step and a reason', async () => {
    const page = await admin.get('/models');
    expect(page.statusCode).toBe(200);
    const active = /<tr data-model="([^"]+)"><th scope="row">([^<]+)<\/th>[\s\S]*?使用中/.exec(page.body);
    expect(active).not.toBeNull();
    // the kind beside the scope (sentiment and aspects both have zh and en scopes), in the page's words
    expect(page.body).toContain('data-kind="sentiment">情感模型</td>');
    expect(page.body).toContain('<option value="sentiment">情感模型</option>');
    const scope = active![2]!;
    const confirm = await admin.get(`/models?kind=sentiment&confirm=rollback&scope=${encodeURIComponent(scope)}`);
    expect(confirm.body).toContain('id="h-confirm"');
    expect(confirm.body).toContain('name="reason" required');
    expect((await admin.post('/models/rollback', { kind: 'sentiment', scope, reason: ' ' })).statusCode).toBe(400);
    expect((await admin.post('/models/promote', { id: active![1]!, reason: '' })).statusCode).toBe(400);
    expect((await admin.post('/models/promote', { id: active![1]!, reason: 'x' }, false)).statusCode).toBe(403);
  });

  it('submits a training job from the page, shows its progress, cancels it', async () => {
    const page = await admin.get('/jobs');
    expect(page.statusCode).toBe(200);
    const sent = await admin.post('/jobs/train', { role: 'cs_agent' });
    expect(sent.statusCode, sent.body).toBe(200);
    const id = /已提交任务 ([^。]+)。/.exec(sent.body)![1]!;
    expect(sent.body).toContain(`data-job="${id}"`);
    expect(sent.body).toContain('data-refresh="3"');
    expect(sent.body).toMatch(/<progress max="100" value="\d+"/);
    // kind and state in the page's words, the codes kept as data attributes
    const row = new RegExp(`<tr data-job="${id}">[\\s\\S]*?</tr>`).exec(sent.body)![0];
    expect(row).toContain('data-kind="train_baselines">基线模型训练<');
    expect(row).toMatch(/data-state="(waiting|active)">(排队中|运行中)/);
    const cancelled = await admin.post('/jobs/cancel', { id });
    expect(cancelled.statusCode).toBe(200);
    const job = await t.app.inject({ url: `/v1/jobs/${encodeURIComponent(id)}`, headers: t.auth('admin') });
    expect(job.json().state).toBe('cancelled');
    expect((await admin.post('/jobs/cancel', { id }, false)).statusCode).toBe(403);
  });

  it('filters the jobs by kind and state and pages them, newest first', async () => {
    for (const key of ['page-1', 'page-2', 'page-3'])
      await t.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: t.auth('cs_lead'),
        payload: { kind: 'recompute_ratings', data: { min_reviews: 3 }, idempotency_key: key },
      });
    const ids = (body: string) => [...body.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]);
    const all = await admin.get('/jobs?kind=recompute_ratings');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('<option value="recompute_ratings" selected>评分重算</option>');
    expect(ids(all.body).every((id) => id!.startsWith('recompute_ratings-'))).toBe(true);
    expect(ids(all.body).length).toBeGreaterThanOrEqual(3);
    // the API's list in the same order
    const api = await t.app.inject({ url: '/v1/jobs?kind=recompute_ratings&limit=50', headers: t.auth('admin') });
    expect(ids(all.body)).toEqual(api.json().jobs.map((j: { id: string }) => j.id));
    const done = await admin.get('/jobs?state=completed');
    expect([...done.body.matchAll(/data-state="([^"]+)"/g)].every((m) => m[1] === 'completed')).toBe(true);
    // an unknown state is refused, naming the field
    const bad = await admin.get('/jobs?state=sleeping');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('state');
  });

  it('is for admin only', async () => {
    for (const scope of ['hr', 'cs_lead'] as const) {
      const b = new Browser(t);
      await b.signIn(t.keys[scope]);
      expect((await b.get('/keys')).statusCode).toBe(403);
      expect((await b.get('/models')).statusCode).toBe(403);
      expect((await b.get('/jobs')).statusCode).toBe(403);
      expect((await b.post('/keys/create', { name: 'z', scopes: 'admin' })).statusCode).toBe(403);
    }
    const list = await t.app.inject({ url: '/v1/admin/keys', headers: t.auth('admin') });
    expect(list.json().some((k: { name: string }) => k.name === 'z')).toBe(false);
  });
});
