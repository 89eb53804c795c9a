import pg from 'pg';
import { copyInto } from './copy.js';
import type { Db, QueryResult, Queryable } from './types.js';

const { Pool, types } = pg;
// Align with PGlite: dates stay calendar strings, bigints and numerics become numbers.
types.setTypeParser(types.builtins.DATE, (v) => v);
types.setTypeParser(types.builtins.INT8, (v) => Number(v));
types.setTypeParser(types.builtins.NUMERIC, (v) => Number(v));

function wrap(conn: pg.Pool | pg.PoolClient, client?: pg.PoolClient): Queryable {
  return {
    ...(client
      ? { copyFrom: (sql: string, lines: Iterable<string> | AsyncIterable<string>) => copyInto(client, sql, lines) }
      : {}),
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await conn.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await conn.query(sql);
    },
  };
}

export interface PostgresOptions {
  url: string;
  /** Schema for every connection's search_path; created when missing. */
  schema?: string;
  max?: number;
}

/** Connects a pool to PostgreSQL. Connections are (re)made lazily, so a restarted server is picked up. */
export async function openPostgres({ url, schema = 'public', max = 10 }: PostgresOptions): Promise<Db> {
  const pool = new Pool({
    connectionString: url,
    max,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5000,
  });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  if (schema !== 'public') {
    // several processes starting together: `create schema if not exists` alone can collide, so one at a time
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('kpi-create-schema:' || $1))`, [schema]);
      await client.query(`create schema if not exists ${schema}`);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
  const base = wrap(pool);
  return {
    kind: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const out = await fn(wrap(client, client));
        await client.query('commit');
        return out;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
