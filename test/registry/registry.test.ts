import { expect, it } from 'vitest';
import { getActive, listVersions, promote, registerVersion, rollback } from '../../src/registry/index.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('model registry', (get) => {
  it('registers idempotently, promotes atomically and rolls back to the previous active version', async () => {
    const { db } = get();
    const a = await registerVersion(db, { id: 'm@a', kind: 'test', scope: 's', metrics: { acc: 0.9 } });
    expect(a.status).toBe('candidate');
    await registerVersion(db, { id: 'm@a', kind: 'test', scope: 's', metrics: { acc: 0.1 } });
    expect((await listVersions(db, { kind: 'test' })).map((v) => [v.id, v.metrics])).toEqual([['m@a', { acc: 0.9 }]]);
    await registerVersion(db, { id: 'm@b', kind: 'test', scope: 's' });
    await promote(db, 'm@a', 'tester');
    await promote(db, 'm@b', 'tester', 'better');
    expect((await getActive(db, 'test', 's'))?.id).toBe('m@b');
    const statuses = Object.fromEntries((await listVersions(db, { kind: 'test' })).map((v) => [v.id, v.status]));
    expect(statuses).toEqual({ 'm@a': 'retired', 'm@b': 'active' });
    await rollback(db, 'test', 's', 'tester', 'regression');
    expect((await getActive(db, 'test', 's'))?.id).toBe('m@a');
    await expect(rollback(db, 'test', 's', 'tester')).rejects.toThrow('no previous version');
    // two promotions racing still leave exactly one active version
    await registerVersion(db, { id: 'm@c', kind: 'test', scope: 's' });
    await Promise.all([promote(db, 'm@b', 'x'), promote(db, 'm@c', 'y')]);
    const active = (await listVersions(db, { kind: 'test' })).filter((v) => v.status === 'active');
    expect(active).toHaveLength(1);
  });
});
