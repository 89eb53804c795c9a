/**
 * Growth points: levels, completions, rewards, corrections and revocations on the in-memory ledger;
 * the balance never below 0 (also under random sequences of operations), retried ids never counted
 * twice, and the audit of a ledger.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import {
  GrowthLedger,
  leaderboard,
  levelOf,
  parseCatalogue,
  verifyLedger,
  type CatalogueInput,
} from '../../src/appraisal/growth.js';

const catalogueInput: CatalogueInput = {
  version: 1,
  tasks: [
    { id: 'sku_optimisation', name: 'SKU optimisation', xp: 30 },
    { id: 'page_redesign', name: 'Page redesign', xp: 120, points: 100, max_per_person: 1 },
    { id: 'retired', name: 'Old task', xp: 10, active: false },
  ],
  levels: [
    { level: 1, name: 'Seedling', min_xp: 0 },
    { level: 2, name: 'Sapling', min_xp: 100 },
    { level: 3, name: 'Tree', min_xp: 300 },
  ],
  rewards: [
    { id: 'ad_test_traffic', name: 'Priority for advertising-test traffic', cost: 80, min_level: 2 },
    { id: 'coffee', name: 'Coffee voucher', cost: 20 },
    { id: 'mentor', name: 'Lunch with the director', cost: 10, stock: 1 },
  ],
};
const catalogue = parseCatalogue(catalogueInput);
const at = '2026-03-01T09:00:00Z';

function refusal(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('catalogue and levels', () => {
  it('levels by XP with the XP still to go', () => {
    expect(levelOf(0, catalogue.levels)).toMatchObject({ level: 1, next: { level: 2, xp_to_go: 100 } });
    expect(levelOf(100, catalogue.levels)).toMatchObject({ level: 2, name: 'Sapling', next: { xp_to_go: 200 } });
    expect(levelOf(5000, catalogue.levels)).toMatchObject({ level: 3, next: null });
  });

  it('refuses a bad catalogue naming the field', () => {
    const errors = (c: unknown) => refusal(() => parseCatalogue(c)).extra.errors;
    expect(errors({ ...catalogueInput, levels: [{ level: 1, name: 'a', min_xp: 10 }] })).toEqual([
      { field: 'levels.0.min_xp', reason: 'the first level starts at 0 XP' },
      { field: 'rewards.0.min_level', reason: 'there is only 1 level' },
    ]);
    expect(
      errors({
        ...catalogueInput,
        levels: [
          { level: 1, name: 'a', min_xp: 0 },
          { level: 2, name: 'b', min_xp: 0 },
        ],
      }),
    ).toEqual([{ field: 'levels.1.min_xp', reason: "must be above level 1's 0 XP" }]);
    expect(errors({ ...catalogueInput, tasks: [...catalogueInput.tasks, catalogueInput.tasks[0]] })).toEqual([
      { field: 'tasks.3.id', reason: "'sku_optimisation' is used twice" },
    ]);
    expect(errors({ ...catalogueInput, rewards: [{ id: 'x', name: 'x', cost: -5 }] })).toContainEqual({
      field: 'rewards.0.cost',
      reason: expect.any(String),
    });
    expect(errors({ ...catalogueInput, rewards: [{ id: 'x', name: 'x', cost: 5, min_level: 9 }] })).toEqual([
      { field: 'rewards.0.min_level', reason: 'there are only 3 levels' },
    ]);
  });
});

describe('the ledger', () => {
  it('completions add XP and points; a retried id counts once; another change under the id is refused', () => {
    const g = new GrowthLedger(catalogue);
    const first = g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    expect(first.duplicate).toBe(false);
    expect(first.entry).toMatchObject({ seq: 1, xp: 30, points: 30, xp_after: 30, balance_after: 30, kind: 'earn' });
    const again = g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    expect(again).toEqual({ duplicate: true, entry: first.entry });
    expect(g.entries).toHaveLength(1);
    expect(
      refusal(() => g.complete({ id: 'c1', employee_id: 'e1', task_id: 'page_redesign', completed_at: at })),
    ).toMatchObject({ code: 'conflict', extra: { field: 'id' } });
    expect(g.account('e1')).toEqual({ employee_id: 'e1', xp: 30, balance: 30, entries: 1 });
  });

  it('spending more than the balance is refused and changes nothing', () => {
    const g = new GrowthLedger(catalogue);
    g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    const e = refusal(
      () =>
        g.redeem({ id: 'r1', employee_id: 'e1', reward_id: 'coffee', at }) &&
        g.redeem({ id: 'r2', employee_id: 'e1', reward_id: 'coffee', at }),
    );
    expect(e).toMatchObject({ code: 'insufficient_points', extra: { field: 'reward_id', balance: 10, needed: 20 } });
    expect(g.account('e1')).toMatchObject({ balance: 10, entries: 2 });
    expect(g.entries.map((x) => x.id)).toEqual(['c1', 'r1']);
  });

  it('rewards need their level, and run out of stock', () => {
    const g = new GrowthLedger(catalogue);
    for (let i = 0; i < 3; i++)
      g.complete({ id: `c${i}`, employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    // 90 XP: level 1, the traffic reward needs level 2
    expect(refusal(() => g.redeem({ id: 'r1', employee_id: 'e1', reward_id: 'ad_test_traffic', at }))).toMatchObject({
      code: 'level_too_low',
      extra: { level: 1, min_level: 2 },
    });
    g.complete({ id: 'c3', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    expect(g.redeem({ id: 'r1', employee_id: 'e1', reward_id: 'ad_test_traffic', at }).entry).toMatchObject({
      points: -80,
      balance_after: 40,
      xp_after: 120,
    });
    g.redeem({ id: 'r2', employee_id: 'e1', reward_id: 'mentor', at });
    expect(refusal(() => g.redeem({ id: 'r3', employee_id: 'e1', reward_id: 'mentor', at })).code).toBe('out_of_stock');
    expect(levelOf(g.account('e1').xp, catalogue.levels).level).toBe(2);
  });

  it('task rules: unknown, inactive, at most once per person', () => {
    const g = new GrowthLedger(catalogue);
    expect(refusal(() => g.complete({ id: 'x', employee_id: 'e1', task_id: 'nope', completed_at: at }))).toMatchObject({
      code: 'not_found',
      extra: { field: 'task_id' },
    });
    expect(
      refusal(() => g.complete({ id: 'x', employee_id: 'e1', task_id: 'retired', completed_at: at })).extra,
    ).toEqual({
      field: 'task_id',
    });
    g.complete({ id: 'p1', employee_id: 'e1', task_id: 'page_redesign', completed_at: at });
    expect(
      refusal(() => g.complete({ id: 'p2', employee_id: 'e1', task_id: 'page_redesign', completed_at: at })).code,
    ).toBe('limit_reached');
    expect(g.complete({ id: 'p3', employee_id: 'e2', task_id: 'page_redesign', completed_at: at }).entry.points).toBe(
      100,
    );
  });

  it('bad input names the field', () => {
    const g = new GrowthLedger(catalogue);
    expect(
      refusal(() => g.complete({ id: '', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at })).extra
        .field,
    ).toBe('id');
    expect(
      refusal(() => g.complete({ id: 'c', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: 'yesterday' }))
        .extra.field,
    ).toBe('completed_at');
    expect(
      refusal(() => g.adjust({ id: 'a', employee_id: 'e1', points: 1.5, reason: 'typo fix', at, by: 'hr1' })).extra
        .field,
    ).toBe('points');
    expect(
      refusal(() => g.adjust({ id: 'a', employee_id: 'e1', points: 5, reason: '', at, by: 'hr1' })).extra.field,
    ).toBe('reason');
  });

  it('corrections and revocations never take the balance below 0', () => {
    const g = new GrowthLedger(catalogue);
    g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    expect(
      refusal(() => g.adjust({ id: 'a1', employee_id: 'e1', points: -31, reason: 'correction', at, by: 'hr1' })).code,
    ).toBe('insufficient_points');
    g.redeem({ id: 'r1', employee_id: 'e1', reward_id: 'coffee', at });
    // 10 points left: revoking the 30-point completion would leave −20
    expect(
      refusal(() => g.revoke({ id: 'v1', completion_id: 'c1', reason: 'recorded twice', at, by: 'hr1' })),
    ).toMatchObject({ code: 'insufficient_points', extra: { balance: 10, needed: 30 } });
    g.adjust({ id: 'a2', employee_id: 'e1', points: 20, reason: 'bonus for the audit', at, by: 'hr1' });
    const v = g.revoke({ id: 'v1', completion_id: 'c1', reason: 'recorded twice', at, by: 'hr1' });
    expect(v.entry).toMatchObject({
      kind: 'revoke',
      revokes: 'c1',
      xp: -30,
      points: -30,
      xp_after: 0,
      balance_after: 0,
    });
    expect(g.revoke({ id: 'v1', completion_id: 'c1', reason: 'recorded twice', at, by: 'hr1' }).duplicate).toBe(true);
    expect(refusal(() => g.revoke({ id: 'v2', completion_id: 'c1', reason: 'again', at, by: 'hr1' })).code).toBe(
      'conflict',
    );
    expect(
      refusal(() => g.revoke({ id: 'v3', completion_id: 'r1', reason: 'not a completion', at, by: 'hr1' })).code,
    ).toBe('not_found');
    expect(verifyLedger(g.entries)).toEqual([]);
  });

  it('a catalogue edit does not rewrite recorded entries', () => {
    const g = new GrowthLedger(catalogue);
    g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    g.catalogue = parseCatalogue({
      ...catalogueInput,
      version: 2,
      tasks: [{ id: 'sku_optimisation', name: 'SKU optimisation', xp: 50 }],
    });
    g.complete({ id: 'c2', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    expect(g.entries.map((e) => e.xp)).toEqual([30, 50]);
    expect(g.account('e1').xp).toBe(80);
  });

  it('the audit finds a tampered ledger', () => {
    const g = new GrowthLedger(catalogue);
    g.complete({ id: 'c1', employee_id: 'e1', task_id: 'sku_optimisation', completed_at: at });
    g.redeem({ id: 'r1', employee_id: 'e1', reward_id: 'coffee', at });
    const tampered = g.entries.map((e) => (e.id === 'r1' ? { ...e, points: -10 } : e));
    expect(verifyLedger(tampered)).toEqual(['r1: balance_after does not follow']);
    expect(verifyLedger([g.entries[1]!])).toContain('r1: seq 2, expected 1');
  });

  it('random sequences of operations: never below 0, audit clean, refusals change nothing (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('complete' as const),
        who: fc.integer({ min: 0, max: 2 }),
        task: fc.constantFrom('sku_optimisation', 'page_redesign'),
        id: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({
        kind: fc.constant('redeem' as const),
        who: fc.integer({ min: 0, max: 2 }),
        reward: fc.constantFrom('coffee', 'ad_test_traffic', 'mentor'),
        id: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({
        kind: fc.constant('adjust' as const),
        who: fc.integer({ min: 0, max: 2 }),
        points: fc.integer({ min: -60, max: 60 }).filter((x) => x !== 0),
        id: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({
        kind: fc.constant('revoke' as const),
        target: fc.integer({ min: 0, max: 30 }),
        id: fc.integer({ min: 0, max: 30 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const g = new GrowthLedger(catalogue);
        for (const o of ops) {
          const before = JSON.stringify(g.entries);
          try {
            if (o.kind === 'complete')
              g.complete({ id: `c${o.id}`, employee_id: `e${o.who}`, task_id: o.task, completed_at: at });
            else if (o.kind === 'redeem')
              g.redeem({ id: `r${o.id}`, employee_id: `e${o.who}`, reward_id: o.reward, at });
            else if (o.kind === 'adjust')
              g.adjust({
                id: `a${o.id}`,
                employee_id: `e${o.who}`,
                points: o.points,
                reason: 'property test',
                at,
                by: 'hr',
              });
            else g.revoke({ id: `v${o.id}`, completion_id: `c${o.target}`, reason: 'property test', at, by: 'hr' });
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            if (JSON.stringify(g.entries) !== before) return false;
          }
        }
        const sums = new Map<string, number>();
        for (const e of g.entries) sums.set(e.employee_id, (sums.get(e.employee_id) ?? 0) + e.points);
        return (
          verifyLedger(g.entries).length === 0 &&
          g.allAccounts().every((a) => a.balance >= 0 && a.balance === sums.get(a.employee_id))
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('leaderboards', () => {
  it('per team, ties share a rank', () => {
    const accounts = [
      { employee_id: 'a', xp: 300, balance: 10, entries: 3 },
      { employee_id: 'b', xp: 120, balance: 0, entries: 2 },
      { employee_id: 'c', xp: 300, balance: 5, entries: 4 },
      { employee_id: 'd', xp: 50, balance: 50, entries: 1 },
    ];
    const teams = new Map([
      ['a', 'T1'],
      ['b', 'T1'],
      ['c', 'T2'],
      ['d', 'T1'],
    ]);
    expect(leaderboard(accounts, catalogue.levels, teams).map((r) => [r.rank, r.employee_id, r.level])).toEqual([
      [1, 'a', 3],
      [1, 'c', 3],
      [3, 'b', 2],
      [4, 'd', 1],
    ]);
    expect(leaderboard(accounts, catalogue.levels, teams, 'T1').map((r) => [r.rank, r.employee_id])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'd'],
    ]);
  });
});
