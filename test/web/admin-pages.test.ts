/**
 * Console part 2's admin pages over HTTP (inject): /keys (create — the key shown once — list,
 * revoke: the key stops working on the API) and /models (versions listed, promote and roll back
 * only with a reason after a confirmation step); admin only; every form CSRF-checked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { Browser } from './session.js';

describeEachBackend('console: admin pages', (get) => {
  let t: TestApp;
  let admin: Browser;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
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
    const scope = active![2]!;
    const confirm = await admin.get(`/models?kind=sentiment&confirm=rollback&scope=${encodeURIComponent(scope)}`);
    expect(confirm.body).toContain('id="h-confirm"');
    expect(confirm.body).toContain('name="reason" required');
    expect((await admin.post('/models/rollback', { kind: 'sentiment', scope, reason: ' ' })).statusCode).toBe(400);
    expect((await admin.post('/models/promote', { id: active![1]!, reason: '' })).statusCode).toBe(400);
    expect((await admin.post('/models/promote', { id: active![1]!, reason: 'x' }, false)).statusCode).toBe(403);
  });

  it('is for admin only', async () => {
    for (const scope of ['hr', 'cs_lead'] as const) {
      const b = new Browser(t);
      await b.signIn(t.keys[scope]);
      expect((await b.get('/keys')).statusCode).toBe(403);
      expect((await b.get('/models')).statusCode).toBe(403);
      expect((await b.post('/keys/create', { name: 'z', scopes: 'admin' })).statusCode).toBe(403);
    }
    const list = await t.app.inject({ url: '/v1/admin/keys', headers: t.auth('admin') });
    expect(list.json().some((k: { name: string }) => k.name === 'z')).toBe(false);
  });
});
