import { expect, it } from 'vitest';
import { createKeyRepository } from '../../src/auth/keys.js';
import type { Db } from '../../src/db/types.js';
import { describeEachBackend } from '../helpers/db.js';

/** Counts the api_keys lookups that reach the database. */
function counting(db: Db): { db: Db; lookups: () => number } {
  let n = 0;
  const wrapped = new Proxy(db, {
    get(target, prop, recv) {
      if (prop === 'query')
        return (sql: string, params?: unknown[]) => {
          if (/api_keys[\s\S]*where hash = \$1/.test(sql)) n++;
          return target.query(sql, params as never);
        };
      return Reflect.get(target, prop, recv);
    },
  });
  return { db: wrapped, lookups: () => n };
}

describeEachBackend('API-key lookup cache', (get) => {
  it('caches verified keys only: made-up keys reach the database each time and never push real ones out', async () => {
    const { db, lookups } = counting(get().db);
    const keys = createKeyRepository(db, { cacheMax: 3 });
    const real = await keys.create('cached', ['scorer']);
    expect(await keys.verify(real.key)).toMatchObject({ id: real.id, scopes: ['scorer'] });
    expect(lookups()).toBe(1);
    for (let i = 0; i < 50; i++) expect(await keys.verify(`kpi_madeup_${i}`)).toBeNull();
    expect(lookups()).toBe(51);
    expect(keys.cached()).toBe(1);
    // the real key is still served from the cache after the flood
    expect(await keys.verify(real.key)).toMatchObject({ id: real.id });
    expect(lookups()).toBe(51);
    // an unknown key asked twice is asked twice
    await keys.verify('kpi_madeup_0');
    expect(lookups()).toBe(52);
  });

  it('marks a key used when it is verified from the database, at most once per cache time', async () => {
    let clock = 1_000_000;
    const keys = createKeyRepository(get().db, { cacheMs: 5000, now: () => clock });
    const k = await keys.create('used', ['scorer']);
    const lastUsed = async () => (await keys.list()).find((x) => x.id === k.id)!.last_used_at;
    expect(await lastUsed()).toBeNull();
    const before = Date.now();
    await keys.verify(k.key);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    expect(first!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    // from the cache: not written again
    await new Promise((r) => setTimeout(r, 20));
    await keys.verify(k.key);
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
    // past the cache time the next use is written
    clock += 6000;
    await keys.verify(k.key);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(first!.getTime());
    // a made-up key marks nothing
    expect(await keys.verify('kpi_madeup_x')).toBeNull();
  });

  it('is a bounded LRU: past its size the least recently used key goes', async () => {
    const { db, lookups } = counting(get().db);
    const keys = createKeyRepository(db, { cacheMax: 2 });
    const [a, b, c] = [await keys.create('a', ['hr']), await keys.create('b', ['hr']), await keys.create('c', ['hr'])];
    await keys.verify(a.key);
    await keys.verify(b.key);
    await keys.verify(a.key); // a is now the most recent
    await keys.verify(c.key); // b goes
    expect(keys.cached()).toBe(2);
    const before = lookups();
    await keys.verify(a.key);
    expect(lookups()).toBe(before);
    await keys.verify(b.key);
    expect(lookups()).toBe(before + 1);
  });

  it('a revocation takes effect at once in the revoking process and within the cache time in another', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const here = createKeyRepository(get().db, { cacheMs: 5000, now });
    const other = createKeyRepository(get().db, { cacheMs: 5000, now });
    const k = await here.create('revoked soon', ['scorer']);
    expect(await here.verify(k.key)).not.toBeNull();
    expect(await other.verify(k.key)).not.toBeNull();
    await here.revoke(k.id);
    expect(await here.verify(k.key)).toBeNull();
    // the other process still trusts its cached entry until the cache time has passed
    clock += 4000;
    expect(await other.verify(k.key)).not.toBeNull();
    clock += 1001;
    expect(await other.verify(k.key)).toBeNull();
    // and a revoked key is not cached as unknown either: it stays refused
    expect(await other.verify(k.key)).toBeNull();
  });
});
