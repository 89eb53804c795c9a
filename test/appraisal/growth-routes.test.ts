/**
 * Growth points over HTTP: catalogue versions, completions (JSON and CSV, all-or-nothing), redemptions,
 * corrections and revocations that never take the balance below 0 (also when sent at once), retries by
 * id, the ledger check and leaderboards per team.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const CATALOGUE = {
  version: 1,
  tasks: [
    { id: 'sku', name: 'SKU optimisation', xp: 30 },
    { id: 'page', name: 'Page redesign', xp: 120, points: 100, max_per_person: 1 },
  ],
  levels: [
    { level: 1, name: 'Seedling', min_xp: 0 },
    { level: 2, name: 'Sapling', min_xp: 100 },
    { level: 3, name: 'Tree', min_xp: 300 },
  ],
  rewards: [
    { id: 'ad', name: 'Priority for advertising-test traffic', cost: 80, min_level: 2 },
    { id: 'mug', name: 'Mug', cost: 10, stock: 3 },
  ],
};

describeEachBackend('growth points over HTTP', (get) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: [
        { id: 'g1', role: 'product_ops', team: 'ops-1' },
        { id: 'g2', role: 'product_ops', team: 'ops-1' },
        { id: 'g3', role: 'product_ops', team: 'ops-2' },
        { id: 'g4', role: 'product_ops', team: 'ops-2' },
      ],
    });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...t.auth('hr'), ...headers }, payload: payload as string });
  const complete = (rows: unknown) => post('/v1/growth/completions', rows);
  const balance = async (id: string) =>
    (await t.app.inject({ url: `/v1/growth/accounts/${id}`, headers: t.auth('scorer') })).json();

  it('needs a catalogue, stored in versions that never change', async () => {
    const early = await complete([{ id: 'c0', employee_id: 'g1', task_id: 'sku' }]);
    expect(early.statusCode).toBe(422);
    expect(early.json().errors).toEqual([expect.objectContaining({ row: 1, field: 'catalogue' })]);
    expect((await t.app.inject({ url: '/v1/growth/catalogue', headers: t.auth('hr') })).statusCode).toBe(404);
    const put = (body: unknown) =>
      t.app.inject({ method: 'PUT', url: '/v1/growth/catalogue', headers: t.auth('hr'), payload: body as object });
    expect((await put(CATALOGUE)).statusCode).toBe(201);
    expect((await put(CATALOGUE)).statusCode).toBe(200);
    const changed = await put({ ...CATALOGUE, tasks: [{ id: 'sku', name: 'SKU', xp: 40 }] });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().detail).toContain('version 2');
    const levels = await put({
      ...CATALOGUE,
      version: 2,
      levels: [
        { level: 1, name: 'a', min_xp: 0 },
        { level: 2, name: 'b', min_xp: 0 },
      ],
    });
    expect(levels.statusCode).toBe(422);
    expect(levels.json()).toMatchObject({ code: 'invalid_catalogue' });
    expect(levels.json().errors).toContainEqual(expect.objectContaining({ field: 'levels.1.min_xp' }));
    const shape = await put({ ...CATALOGUE, version: 0, extra: true });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.version', 'body.extra']),
    );
    expect(
      (
        await put(CATALOGUE).then(() => t.app.inject({ url: '/v1/growth/catalogue', headers: t.auth('scorer') }))
      ).json(),
    ).toMatchObject({ version: 1 });
  });

  it('records completions (JSON and CSV), retries by id, and refuses bad rows writing nothing', async () => {
    const r = await complete([
      { id: 'c1', employee_id: 'g1', task_id: 'page', completed_at: '2026-10-01T09:00:00+08:00', by: 'hr-li' },
      { id: 'c2', employee_id: 'g1', task_id: 'sku' },
      { id: 'c3', employee_id: 'g2', task_id: 'sku' },
    ]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ received: 3, recorded: 3, retried: 0 });
    expect(r.json().entries[1]).toMatchObject({ seq: 2, xp_after: 150, balance_after: 130, catalogue_version: 1 });
    const again = await complete({ rows: [{ id: 'c1', employee_id: 'g1', task_id: 'page' }] });
    expect(again.json()).toMatchObject({ recorded: 0, retried: 1, entries: [{ id: 'c1', seq: 1 }] });

    const csv = await post(
      '/v1/growth/completions',
      '\uFEFFid,employee_id,task_id,completed_at,by,source\nc4,g3,sku,,,import\nc5,g4,sku,2026-10-02,hr-wang,\n',
      { 'content-type': 'text/csv' },
    );
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.json().entries.map((e: { source: string }) => e.source)).toEqual(['import', 'hr']);

    const bad = await complete([
      { id: 'c6', employee_id: 'g2', task_id: 'sku' },
      { id: 'c7', employee_id: 'g1', task_id: 'page' },
      { id: 'c1', employee_id: 'g2', task_id: 'sku' },
      { id: 'c8', employee_id: 'nobody', task_id: 'sku' },
      { id: 'c9', employee_id: 'g2', task_id: 'dance' },
      { id: 'c10', employee_id: 'g2', task_id: 'sku', completed_at: 'yesterday' },
    ]);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`)).toEqual([
      '2:task_id',
      '3:id',
      '4:employee_id',
      '5:task_id',
      '6:completed_at',
    ]);
    expect((await balance('g2')).xp).toBe(30); // row 1 was sound but nothing was written
  });

  it('spends, corrects and revokes without ever going below 0', async () => {
    const low = await post('/v1/growth/redemptions', { id: 'x0', employee_id: 'g2', reward_id: 'ad' });
    expect(low.statusCode).toBe(409);
    expect(low.json()).toMatchObject({ code: 'level_too_low', field: 'reward_id', level: 1, min_level: 2 });
    const spend = await post('/v1/growth/redemptions', { id: 'x1', employee_id: 'g1', reward_id: 'ad', by: 'hr-li' });
    expect(spend.statusCode, spend.body).toBe(201);
    expect(spend.json()).toMatchObject({ kind: 'spend', points: -80, balance_after: 50 });
    const retry = await post('/v1/growth/redemptions', { id: 'x1', employee_id: 'g1', reward_id: 'ad', by: 'hr-li' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().seq).toBe(spend.json().seq);
    const broke = await post('/v1/growth/redemptions', { id: 'x2', employee_id: 'g1', reward_id: 'ad' });
    expect(broke.statusCode).toBe(409);
    expect(broke.json()).toMatchObject({ code: 'insufficient_points', balance: 50, needed: 80 });

    const minus = await post('/v1/growth/adjustments', {
      id: 'a1',
      employee_id: 'g1',
      points: -51,
      reason: 'double count',
      by: 'hr-li',
    });
    expect(minus.statusCode).toBe(409);
    expect(minus.json()).toMatchObject({ code: 'insufficient_points', field: 'points' });
    const plus = await post('/v1/growth/adjustments', {
      id: 'a2',
      employee_id: 'g1',
      points: 10,
      reason: 'mentoring',
      by: 'hr-li',
    });
    expect(plus.json()).toMatchObject({ kind: 'adjust', balance_after: 60, actor: expect.any(String) });
    const noReason = await post('/v1/growth/adjustments', { id: 'a3', employee_id: 'g1', points: 5, by: 'hr-li' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');
    const nobody = await post('/v1/growth/adjustments', {
      id: 'a4',
      employee_id: 'nobody',
      points: 5,
      reason: 'test',
      by: 'hr-li',
    });
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().field).toBe('employee_id');

    // the page redesign's 100 points were partly spent: it cannot be undone; the SKU task's 30 can
    const page = await post('/v1/growth/revocations', { id: 'v1', completion_id: 'c1', reason: 'error', by: 'hr-li' });
    expect(page.statusCode).toBe(409);
    expect(page.json().code).toBe('insufficient_points');
    const sku = await post('/v1/growth/revocations', { id: 'v2', completion_id: 'c2', reason: 'error', by: 'hr-li' });
    expect(sku.statusCode, sku.body).toBe(201);
    expect(sku.json()).toMatchObject({ kind: 'revoke', revokes: 'c2', xp: -30, points: -30, balance_after: 30 });
    const twice = await post('/v1/growth/revocations', { id: 'v3', completion_id: 'c2', reason: 'again', by: 'hr-li' });
    expect(twice.statusCode).toBe(409);
    const none = await post('/v1/growth/revocations', { id: 'v4', completion_id: 'zz', reason: 'none', by: 'hr-li' });
    expect(none.statusCode).toBe(404);
    expect(await balance('g1')).toMatchObject({
      xp: 120,
      balance: 30,
      level: { level: 2, name: 'Sapling', next: { xp_to_go: 180 } },
    });
  });

  it('keeps the balance ≥ 0 when spends arrive at once, and the ledger checks out', async () => {
    // g1 has 30 points: three mugs of 10 at most (and the stock is 3)
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post('/v1/growth/redemptions', { id: `m${i}`, employee_id: 'g1', reward_id: 'mug' }),
      ),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([201, 201, 201, 409, 409, 409]);
    expect((await balance('g1')).balance).toBe(0);
    const check = await t.app.inject({ url: '/v1/growth/ledger/check', headers: t.auth('hr') });
    expect(check.json()).toMatchObject({ problems: [] });
    expect(check.json().entries).toBeGreaterThan(8);
    const ledger = await t.app.inject({ url: '/v1/growth/ledger?employee_id=g1&limit=100', headers: t.auth('hr') });
    const seqs = ledger.json().map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(ledger.json().every((e: { balance_after: number }) => e.balance_after >= 0)).toBe(true);
  });

  it('ranks per team, ties sharing a rank', async () => {
    const all = await t.app.inject({ url: '/v1/growth/leaderboard', headers: t.auth('cs_lead') });
    expect(all.json().rows.map((r: { employee_id: string; rank: number }) => [r.employee_id, r.rank])).toEqual([
      ['g1', 1],
      ['g2', 2],
      ['g3', 2],
      ['g4', 2],
    ]);
    const team = await t.app.inject({ url: '/v1/growth/leaderboard?team=ops-2', headers: t.auth('scorer') });
    expect(team.json()).toMatchObject({
      team: 'ops-2',
      catalogue_version: 1,
      rows: [
        { rank: 1, employee_id: 'g3', xp: 30, level: 1 },
        { rank: 1, employee_id: 'g4', xp: 30, level: 1 },
      ],
    });
    const scope = await t.app.inject({
      method: 'POST',
      url: '/v1/growth/adjustments',
      headers: t.auth('scorer'),
      payload: { id: 'a9', employee_id: 'g1', points: 5, reason: 'test', by: 'x' },
    });
    expect(scope.statusCode).toBe(403);
  });
});
