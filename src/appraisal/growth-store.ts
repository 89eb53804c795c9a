/**
 * Growth points in the database: catalogue versions, and the ledger with the accounts it leads to. Each
 * change runs the pure decisions of growth.ts in one transaction with the person's account row locked,
 * so two changes of one person never interleave and the balance can never go below 0 (the table checks
 * it too).
 */
import { recordAudit } from '../audit/store.js';
import type { Queryable } from '../db/types.js';
import { DomainError, NotFoundError } from '../lib/errors.js';
import {
  type Account,
  adjustmentSchema,
  type Catalogue,
  completionSchema,
  type Decision,
  decideAdjustment,
  decideCompletion,
  decideRedemption,
  decideRevocation,
  type LedgerEntry,
  parseInput,
  redemptionSchema,
  revocationSchema,
} from './growth.js';

export interface StoredCatalogue {
  version: number;
  catalogue: Catalogue;
  actor: string | null;
  created_at: Date;
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

/** Stores a catalogue version: the same again is a retry (`created: false`), other content a conflict. */
export async function saveCatalogue(
  db: Queryable,
  catalogue: Catalogue,
  actor: string | null,
): Promise<{ catalogue: StoredCatalogue; created: boolean }> {
  const ins = await db.query<StoredCatalogue>(
    `insert into growth_catalogues (version, catalogue, actor) values ($1, $2::jsonb, $3) on conflict (version) do nothing
     returning version, catalogue, actor, created_at`,
    [catalogue.version, JSON.stringify(catalogue), actor],
  );
  if (ins.rows[0]) {
    await recordAudit(db, {
      actor,
      action: 'growth_catalogue.save',
      subject: { type: 'growth_catalogue', id: String(catalogue.version) },
      after: catalogue,
    });
    return { catalogue: ins.rows[0], created: true };
  }
  const stored = (
    await db.query<StoredCatalogue>(
      `select version, catalogue, actor, created_at from growth_catalogues where version = $1`,
      [catalogue.version],
    )
  ).rows[0]!;
  if (canonical(stored.catalogue) !== canonical(catalogue)) {
    const top = await db.query<{ v: number }>(`select max(version)::int8 as v from growth_catalogues`);
    throw new DomainError(
      'conflict',
      `catalogue version ${catalogue.version} exists with other content; save the change as version ${(top.rows[0]?.v ?? 0) + 1}`,
      { field: 'version' },
    );
  }
  return { catalogue: stored, created: false };
}

/** The latest catalogue version, or null before HR declared one. */
export async function currentCatalogue(db: Queryable): Promise<StoredCatalogue | null> {
  const r = await db.query<StoredCatalogue>(
    `select version, catalogue, actor, created_at from growth_catalogues order by version desc limit 1`,
  );
  return r.rows[0] ?? null;
}

interface EntryRow extends Omit<LedgerEntry, 'at'> {
  at: Date;
  catalogue_version: number | null;
  actor: string | null;
  recorded_at: Date;
}

export type StoredEntry = LedgerEntry & { catalogue_version: number | null; actor: string | null; recorded_at: Date };

const ENTRY_COLUMNS =
  'id, employee_id, seq, kind, task_id, reward_id, revokes, xp, points, xp_after, balance_after, catalogue_version, at, by, source, reason, actor, recorded_at';

const entryOf = (r: EntryRow): StoredEntry => ({ ...r, at: r.at.toISOString() });

async function entryById(tx: Queryable, id: string): Promise<StoredEntry | undefined> {
  const r = await tx.query<EntryRow>(`select ${ENTRY_COLUMNS} from growth_ledger where id = $1`, [id]);
  return r.rows[0] ? entryOf(r.rows[0]) : undefined;
}

/** Creates the account row if needed and locks it for the rest of the transaction. */
async function lockAccount(tx: Queryable, employeeId: string): Promise<Account> {
  const known = await tx.query('select 1 from employees where id = $1', [employeeId]);
  if (known.rows.length === 0)
    throw new DomainError('not_found', `no employee '${employeeId}' (register it with POST /v1/employees)`, {
      field: 'employee_id',
    });
  await tx.query(
    `insert into growth_accounts (employee_id, xp, balance, entries) values ($1, 0, 0, 0) on conflict (employee_id) do nothing`,
    [employeeId],
  );
  const r = await tx.query<Account>(
    `select employee_id, xp, balance, entries from growth_accounts where employee_id = $1 for update`,
    [employeeId],
  );
  return r.rows[0]!;
}

async function apply(
  tx: Queryable,
  d: Decision,
  catalogueVersion: number | null,
  actor: string | null,
): Promise<{ entry: StoredEntry; duplicate: boolean }> {
  if (d.duplicate) return { entry: d.entry as StoredEntry, duplicate: true };
  const e = d.entry;
  const r = await tx.query<EntryRow>(
    `insert into growth_ledger (id, employee_id, seq, kind, task_id, reward_id, revokes, xp, points, xp_after, balance_after,
       catalogue_version, at, by, source, reason, actor, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, clock_timestamp()) returning ${ENTRY_COLUMNS}`,
    [
      e.id,
      e.employee_id,
      e.seq,
      e.kind,
      e.task_id,
      e.reward_id,
      e.revokes,
      e.xp,
      e.points,
      e.xp_after,
      e.balance_after,
      catalogueVersion,
      e.at,
      e.by,
      e.source,
      e.reason,
      actor,
    ],
  );
  await tx.query(
    `update growth_accounts set xp = $2, balance = $3, entries = $4, updated_at = now() where employee_id = $1`,
    [e.employee_id, e.xp_after, e.balance_after, e.seq],
  );
  const entry = entryOf(r.rows[0]!);
  // the one audit store, in the same transaction (the ledger keeps its own actor column too)
  await recordAudit(tx, {
    actor,
    action: `growth.${e.kind}`,
    subject: { type: 'growth_ledger', id: e.id },
    employeeId: e.employee_id,
    before: { xp: e.xp_after - e.xp, balance: e.balance_after - e.points },
    after: entry,
    reason: e.reason,
    detail: { catalogue_version: catalogueVersion },
  });
  return { entry, duplicate: false };
}

const needCatalogue = (c: StoredCatalogue | null): StoredCatalogue => {
  if (!c)
    throw new DomainError('unprocessable', 'no growth catalogue yet: declare tasks, levels and rewards first', {
      field: 'catalogue',
    });
  return c;
};

export type Change = 'completion' | 'redemption' | 'adjustment' | 'revocation';

/**
 * Records one change in `tx` (the caller's transaction): the person's account locked, the decision of
 * growth.ts made on what the ledger holds, the entry appended. A retry with the same id and content
 * answers the first entry (`duplicate: true`).
 */
export async function recordChange(
  tx: Queryable,
  change: Change,
  input: unknown,
  actor: string | null,
): Promise<{ entry: StoredEntry; duplicate: boolean }> {
  if (change === 'revocation') {
    const x = parseInput(revocationSchema, input);
    const existing = await entryById(tx, x.id);
    const completion = await entryById(tx, x.completion_id);
    const account = completion ? await lockAccount(tx, completion.employee_id) : null;
    const revokedBy = (
      await tx.query<EntryRow>(`select ${ENTRY_COLUMNS} from growth_ledger where kind = 'revoke' and revokes = $1`, [
        x.completion_id,
      ])
    ).rows[0];
    const d = decideRevocation(
      { existing, account: account ?? { employee_id: '', xp: 0, balance: 0, entries: 0 } },
      x,
      completion,
      revokedBy ? entryOf(revokedBy) : undefined,
    );
    return apply(tx, d, null, actor);
  }
  if (change === 'adjustment') {
    const x = parseInput(adjustmentSchema, input);
    const existing = await entryById(tx, x.id);
    const account = await lockAccount(tx, x.employee_id);
    return apply(tx, decideAdjustment({ existing, account }, x), null, actor);
  }
  // the input first (each field named), then whether there is a catalogue to decide on
  if (change === 'completion') {
    const x = parseInput(completionSchema, input);
    const catalogue = needCatalogue(await currentCatalogue(tx));
    const existing = await entryById(tx, x.id);
    const account = await lockAccount(tx, x.employee_id);
    const done = await tx.query<{ n: number }>(
      `select count(*)::int8 as n from growth_ledger e where e.kind = 'earn' and e.employee_id = $1 and e.task_id = $2
         and not exists (select 1 from growth_ledger r where r.kind = 'revoke' and r.revokes = e.id)`,
      [x.employee_id, x.task_id],
    );
    const d = decideCompletion(catalogue.catalogue, { existing, account }, x, done.rows[0]?.n ?? 0);
    return apply(tx, d, catalogue.version, actor);
  }
  const x = parseInput(redemptionSchema, input);
  const catalogue = needCatalogue(await currentCatalogue(tx));
  const existing = await entryById(tx, x.id);
  const account = await lockAccount(tx, x.employee_id);
  const used = await tx.query<{ n: number }>(
    `select count(*)::int8 as n from growth_ledger where kind = 'spend' and reward_id = $1`,
    [x.reward_id],
  );
  const d = decideRedemption(catalogue.catalogue, { existing, account }, x, used.rows[0]?.n ?? 0);
  return apply(tx, d, catalogue.version, actor);
}

export async function listEntries(
  db: Queryable,
  q: { employee_id?: string | undefined; limit: number; offset: number },
): Promise<StoredEntry[]> {
  const r = await db.query<EntryRow>(
    `select ${ENTRY_COLUMNS} from growth_ledger where ($1::text is null or employee_id = $1)
     order by recorded_at, seq, employee_id limit $2 offset $3`,
    [q.employee_id ?? null, q.limit, q.offset],
  );
  return r.rows.map(entryOf);
}

/** Every entry in ledger order (per person by seq), for the audit. */
export async function allEntries(db: Queryable): Promise<StoredEntry[]> {
  const r = await db.query<EntryRow>(`select ${ENTRY_COLUMNS} from growth_ledger order by employee_id, seq`);
  return r.rows.map(entryOf);
}

export async function getAccount(db: Queryable, employeeId: string): Promise<Account> {
  const r = await db.query<Account>(
    `select employee_id, xp, balance, entries from growth_accounts where employee_id = $1`,
    [employeeId],
  );
  if (r.rows[0]) return r.rows[0];
  const known = await db.query('select 1 from employees where id = $1', [employeeId]);
  if (known.rows.length === 0) throw new NotFoundError(`employee ${employeeId}`);
  return { employee_id: employeeId, xp: 0, balance: 0, entries: 0 };
}

/** Accounts with their team (for the leaderboards), optionally of one team. */
export async function accountsWithTeams(
  db: Queryable,
  team?: string,
): Promise<{ accounts: Account[]; teamOf: Map<string, string> }> {
  const r = await db.query<Account & { team: string | null }>(
    `select a.employee_id, a.xp, a.balance, a.entries, e.team from growth_accounts a join employees e on e.id = a.employee_id
     where a.entries > 0 and ($1::text is null or e.team = $1)`,
    [team ?? null],
  );
  const teamOf = new Map<string, string>();
  for (const a of r.rows) if (a.team !== null) teamOf.set(a.employee_id, a.team);
  return {
    accounts: r.rows.map(({ employee_id, xp, balance, entries }) => ({ employee_id, xp, balance, entries })),
    teamOf,
  };
}
