import { expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('migrations', (get) => {
  it('are recorded once and a second run applies nothing', async () => {
    const { db } = get();
    const versions = (
      await db.query<{ version: number }>('select version from schema_migrations order by version')
    ).rows.map((r) => r.version);
    expect(versions).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    // the catalogue seed ran too
    const metrics = await db.query<{ id: string; direction: string }>(
      `select id, direction from metrics where id in ('order_handling_time', 'gmv') order by id`,
    );
    expect(metrics.rows).toEqual([
      { id: 'gmv', direction: 'higher' },
      { id: 'order_handling_time', direction: 'lower' },
    ]);
  });

  it('roll back a transaction that throws', async () => {
    const { db } = get();
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`insert into roles (id, name) values ('temp_role', 'Temp')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.query(`select 1 from roles where id = 'temp_role'`)).rows).toEqual([]);
  });
});
