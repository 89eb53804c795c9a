/**
 * Growth points (运营成长树): HR declares tasks worth experience (XP) and points, levels by XP, and
 * rewards that cost points. Completing a task adds its XP (never spent; decides the level) and its
 * points (spendable) to the person's account; redeeming a reward spends points. Every change is one
 * append-only ledger entry carrying the balances after it, and:
 *  - the points balance never goes below 0 (spending or revoking more → `insufficient_points`);
 *  - every entry has an id chosen by the caller (completion id, redemption id, …): the same id with the
 *    same content returns the first entry (a retry), with other content → `conflict`;
 *  - an entry keeps the XP and points the task had when it was recorded, so later catalogue edits never
 *    rewrite history.
 * The decisions are pure functions of (catalogue, the person's account, what the ledger already holds);
 * `GrowthLedger` keeps them in memory. The storage step runs the same decisions in one transaction per
 * entry with the account row locked.
 */
import { z } from 'zod';
import { timestamp } from '../ingest/fields.js';
import { DomainError } from '../lib/errors.js';
import { textFault } from '../lib/text.js';

/** Text the database can hold (no NUL, no lone surrogate): the service's one text rule (src/lib/text.ts). */
const storable = (s: z.ZodString) =>
  s.superRefine((v, ctx) => {
    const fault = textFault(v);
    if (fault) ctx.addIssue({ code: 'custom', message: fault });
  });
const id = storable(z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters'));
const count = z.number().int('expected a whole number');

export const catalogueSchema = z
  .object({
    version: count.positive(),
    tasks: z.array(
      z
        .object({
          id,
          name: storable(z.string().min(1).max(200)),
          xp: count.min(1).max(1_000_000),
          /** Spendable points a completion earns (default: the XP). */
          points: count.min(0).max(1_000_000).optional(),
          /** Completions allowed per person (default unlimited). */
          max_per_person: count.positive().nullish(),
          active: z.boolean().default(true),
        })
        .strict(),
    ),
    levels: z
      .array(
        z
          .object({ level: count.positive(), name: storable(z.string().min(1).max(100)), min_xp: count.min(0) })
          .strict(),
      )
      .min(1, 'expected at least one level'),
    rewards: z.array(
      z
        .object({
          id,
          name: storable(z.string().min(1).max(200)),
          cost: count.min(1).max(1_000_000_000),
          min_level: count.positive().default(1),
          /** Redemptions allowed in all (default unlimited). */
          stock: count.min(0).nullish(),
          active: z.boolean().default(true),
        })
        .strict(),
    ),
  })
  .strict();

export type CatalogueInput = z.input<typeof catalogueSchema>;
export type Catalogue = z.output<typeof catalogueSchema>;

const issuesOf = (e: z.ZodError) => e.issues.map((i) => ({ field: i.path.join('.') || 'input', reason: i.message }));

/**
 * Validates a catalogue: ids unique, levels numbered 1, 2, 3… with min_xp starting at 0 and rising.
 * @throws DomainError `invalid_catalogue` with `errors: [{ field, reason }]`
 */
export function parseCatalogue(input: unknown): Catalogue {
  const r = catalogueSchema.safeParse(input);
  if (!r.success) throw new DomainError('invalid_catalogue', 'the catalogue is invalid', { errors: issuesOf(r.error) });
  const c = r.data;
  const errors: { field: string; reason: string }[] = [];
  for (const list of ['tasks', 'rewards'] as const) {
    const seen = new Set<string>();
    c[list].forEach((x, i) => {
      if (seen.has(x.id)) errors.push({ field: `${list}.${i}.id`, reason: `'${x.id}' is used twice` });
      seen.add(x.id);
    });
  }
  c.levels.forEach((l, i) => {
    if (l.level !== i + 1)
      errors.push({ field: `levels.${i}.level`, reason: `expected level ${i + 1} (levels in order)` });
    if (i === 0 && l.min_xp !== 0) errors.push({ field: 'levels.0.min_xp', reason: 'the first level starts at 0 XP' });
    if (i > 0 && l.min_xp <= c.levels[i - 1]!.min_xp)
      errors.push({ field: `levels.${i}.min_xp`, reason: `must be above level ${i}'s ${c.levels[i - 1]!.min_xp} XP` });
  });
  const top = c.levels.length;
  c.rewards.forEach((w, i) => {
    if (w.min_level > top)
      errors.push({
        field: `rewards.${i}.min_level`,
        reason: top === 1 ? 'there is only 1 level' : `there are only ${top} levels`,
      });
  });
  if (errors.length > 0) throw new DomainError('invalid_catalogue', 'the catalogue is invalid', { errors });
  return c;
}

export interface LevelInfo {
  level: number;
  name: string;
  min_xp: number;
  /** The next level and the XP still needed, or null at the top. */
  next: { level: number; name: string; min_xp: number; xp_to_go: number } | null;
}

/** The level reached with `xp` experience: the highest whose min_xp ≤ xp. */
export function levelOf(xp: number, levels: Catalogue['levels']): LevelInfo {
  let i = 0;
  while (i + 1 < levels.length && levels[i + 1]!.min_xp <= xp) i++;
  const cur = levels[i]!;
  const nxt = levels[i + 1];
  return {
    level: cur.level,
    name: cur.name,
    min_xp: cur.min_xp,
    next: nxt ? { level: nxt.level, name: nxt.name, min_xp: nxt.min_xp, xp_to_go: nxt.min_xp - xp } : null,
  };
}

export type EntryKind = 'earn' | 'spend' | 'adjust' | 'revoke';

export interface LedgerEntry {
  /** The caller's id of this change (completion, redemption, adjustment or revocation id). */
  id: string;
  employee_id: string;
  kind: EntryKind;
  /** 1, 2, 3… per person. */
  seq: number;
  task_id: string | null;
  reward_id: string | null;
  /** For a revocation: the completion it undoes. */
  revokes: string | null;
  xp: number;
  points: number;
  xp_after: number;
  balance_after: number;
  at: string;
  by: string | null;
  source: 'hr' | 'import' | null;
  reason: string | null;
}

export interface Account {
  employee_id: string;
  xp: number;
  balance: number;
  entries: number;
}

export const emptyAccount = (employee_id: string): Account => ({ employee_id, xp: 0, balance: 0, entries: 0 });

export const completionSchema = z
  .object({
    id,
    employee_id: id,
    task_id: id,
    completed_at: timestamp,
    by: id.nullish(),
    source: z.enum(['hr', 'import']).default('hr'),
  })
  .strict();
export const redemptionSchema = z
  .object({ id, employee_id: id, reward_id: id, at: timestamp, by: id.nullish() })
  .strict();
export const adjustmentSchema = z
  .object({
    id,
    employee_id: id,
    points: count.refine((x) => x !== 0, 'must not be 0'),
    reason: storable(z.string().trim().min(3, 'say why (at least 3 characters)').max(500)),
    at: timestamp,
    by: id,
  })
  .strict();
export const revocationSchema = z
  .object({ id, completion_id: id, reason: storable(z.string().trim().min(3).max(500)), at: timestamp, by: id })
  .strict();

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const errors = issuesOf(r.error);
    throw new DomainError('unprocessable', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
      field: errors[0]!.field,
      errors,
    });
  }
  return r.data;
}

/** What the ledger already holds that a decision needs. */
export interface LedgerView {
  /** The entry with this id, if any (any person). */
  existing: LedgerEntry | undefined;
  /** The person's account (emptyAccount when new). */
  account: Account;
}

export type Decision = { entry: LedgerEntry; duplicate: false } | { entry: LedgerEntry; duplicate: true };

/** Same id: the same change again is a retry (returns the first entry); anything else is a conflict. */
function replay(existing: LedgerEntry, same: (e: LedgerEntry) => boolean): Decision {
  if (same(existing)) return { entry: existing, duplicate: true };
  throw new DomainError('conflict', `id '${existing.id}' was already used for another change`, { field: 'id' });
}

function entry(a: Account, base: Omit<LedgerEntry, 'seq' | 'xp_after' | 'balance_after'>): LedgerEntry {
  const balance = a.balance + base.points;
  if (balance < 0)
    throw new DomainError(
      'insufficient_points',
      `${a.employee_id} has ${a.balance} points; this needs ${-base.points}`,
      {
        field: base.reward_id ? 'reward_id' : 'points',
        balance: a.balance,
        needed: -base.points,
      },
    );
  return { ...base, seq: a.entries + 1, xp_after: a.xp + base.xp, balance_after: balance };
}

/**
 * Records a completion: +XP and +points of the task as it is now.
 * @param completionsOfTask how many completions of this task the person already has (for max_per_person)
 * @throws DomainError `unprocessable` (field named), `not_found` (task_id), `limit_reached` (task_id), `conflict` (id)
 */
export function decideCompletion(c: Catalogue, view: LedgerView, input: unknown, completionsOfTask: number): Decision {
  const x = parseInput(completionSchema, input);
  if (view.existing)
    return replay(
      view.existing,
      (e) => e.kind === 'earn' && e.employee_id === x.employee_id && e.task_id === x.task_id,
    );
  const task = c.tasks.find((t) => t.id === x.task_id);
  if (!task) throw new DomainError('not_found', `no task '${x.task_id}'`, { field: 'task_id' });
  if (!task.active) throw new DomainError('unprocessable', `task '${task.id}' is not active`, { field: 'task_id' });
  if (task.max_per_person != null && completionsOfTask >= task.max_per_person)
    throw new DomainError('limit_reached', `'${task.id}' counts at most ${task.max_per_person} times per person`, {
      field: 'task_id',
    });
  return {
    duplicate: false,
    entry: entry(view.account, {
      id: x.id,
      employee_id: x.employee_id,
      kind: 'earn',
      task_id: task.id,
      reward_id: null,
      revokes: null,
      xp: task.xp,
      points: task.points ?? task.xp,
      at: new Date(x.completed_at).toISOString(),
      by: x.by ?? null,
      source: x.source,
      reason: null,
    }),
  };
}

/**
 * Spends points on a reward.
 * @param redeemedOfReward redemptions of this reward so far, everyone together (for stock)
 * @throws DomainError `insufficient_points`, `level_too_low`, `out_of_stock`, `not_found` (reward_id),
 *   `conflict` (id), `unprocessable`
 */
export function decideRedemption(c: Catalogue, view: LedgerView, input: unknown, redeemedOfReward: number): Decision {
  const x = parseInput(redemptionSchema, input);
  if (view.existing)
    return replay(
      view.existing,
      (e) => e.kind === 'spend' && e.employee_id === x.employee_id && e.reward_id === x.reward_id,
    );
  const reward = c.rewards.find((r) => r.id === x.reward_id);
  if (!reward) throw new DomainError('not_found', `no reward '${x.reward_id}'`, { field: 'reward_id' });
  if (!reward.active)
    throw new DomainError('unprocessable', `reward '${reward.id}' is not offered`, { field: 'reward_id' });
  const level = levelOf(view.account.xp, c.levels).level;
  if (level < reward.min_level)
    throw new DomainError(
      'level_too_low',
      `'${reward.id}' needs level ${reward.min_level}; ${x.employee_id} is ${level}`,
      {
        field: 'reward_id',
        level,
        min_level: reward.min_level,
      },
    );
  if (reward.stock != null && redeemedOfReward >= reward.stock)
    throw new DomainError('out_of_stock', `'${reward.id}' is out of stock`, { field: 'reward_id' });
  return {
    duplicate: false,
    entry: entry(view.account, {
      id: x.id,
      employee_id: x.employee_id,
      kind: 'spend',
      task_id: null,
      reward_id: reward.id,
      revokes: null,
      xp: 0,
      points: -reward.cost,
      at: new Date(x.at).toISOString(),
      by: x.by ?? null,
      source: null,
      reason: null,
    }),
  };
}

/** An HR correction of points (±), with a reason; never below 0. */
export function decideAdjustment(view: LedgerView, input: unknown): Decision {
  const x = parseInput(adjustmentSchema, input);
  if (view.existing)
    return replay(
      view.existing,
      (e) => e.kind === 'adjust' && e.employee_id === x.employee_id && e.points === x.points,
    );
  return {
    duplicate: false,
    entry: entry(view.account, {
      id: x.id,
      employee_id: x.employee_id,
      kind: 'adjust',
      task_id: null,
      reward_id: null,
      revokes: null,
      xp: 0,
      points: x.points,
      at: new Date(x.at).toISOString(),
      by: x.by,
      source: null,
      reason: x.reason,
    }),
  };
}

/**
 * Undoes a completion recorded in error: −its XP and −its points (as recorded). Refused when the points
 * were spent already (`insufficient_points`) or the completion was revoked before (`conflict`).
 * @param completion the earn entry named by `completion_id` (undefined → not_found)
 * @param revokedBy the revocation entry already pointing at that completion, if any
 */
export function decideRevocation(
  view: LedgerView,
  input: unknown,
  completion: LedgerEntry | undefined,
  revokedBy: LedgerEntry | undefined,
): Decision {
  const x = parseInput(revocationSchema, input);
  if (view.existing) return replay(view.existing, (e) => e.kind === 'revoke' && e.revokes === x.completion_id);
  if (completion?.kind !== 'earn')
    throw new DomainError('not_found', `no completion '${x.completion_id}'`, { field: 'completion_id' });
  if (revokedBy)
    throw new DomainError('conflict', `completion '${x.completion_id}' was revoked by '${revokedBy.id}'`, {
      field: 'completion_id',
    });
  return {
    duplicate: false,
    entry: entry(view.account, {
      id: x.id,
      employee_id: completion.employee_id,
      kind: 'revoke',
      task_id: completion.task_id,
      reward_id: null,
      revokes: completion.id,
      xp: -completion.xp,
      points: -completion.points,
      at: new Date(x.at).toISOString(),
      by: x.by,
      source: null,
      reason: x.reason,
    }),
  };
}

/**
 * Audits a ledger: per person, seq runs 1, 2, 3…, each entry's balances follow from the one before,
 * neither goes below 0, and ids are unique. Returns the problems found (empty when sound).
 */
export function verifyLedger(entries: readonly LedgerEntry[]): string[] {
  const problems: string[] = [];
  const acc = new Map<string, Account>();
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) problems.push(`${e.id}: id used twice`);
    ids.add(e.id);
    const a = acc.get(e.employee_id) ?? emptyAccount(e.employee_id);
    if (e.seq !== a.entries + 1) problems.push(`${e.id}: seq ${e.seq}, expected ${a.entries + 1}`);
    if (e.balance_after !== a.balance + e.points) problems.push(`${e.id}: balance_after does not follow`);
    if (e.xp_after !== a.xp + e.xp) problems.push(`${e.id}: xp_after does not follow`);
    if (e.balance_after < 0) problems.push(`${e.id}: balance below 0`);
    if (e.xp_after < 0) problems.push(`${e.id}: XP below 0`);
    acc.set(e.employee_id, { employee_id: e.employee_id, xp: e.xp_after, balance: e.balance_after, entries: e.seq });
  }
  return problems;
}

export interface LeaderboardRow {
  rank: number;
  employee_id: string;
  team: string | null;
  xp: number;
  level: number;
  balance: number;
}

/**
 * XP leaderboard, optionally of one team: highest XP first, ties share a rank (1, 1, 3), then by id.
 */
export function leaderboard(
  accounts: Iterable<Account>,
  levels: Catalogue['levels'],
  teamOf: ReadonlyMap<string, string>,
  team?: string,
): LeaderboardRow[] {
  const rows = [...accounts]
    .map((a) => ({ a, team: teamOf.get(a.employee_id) ?? null }))
    .filter((r) => team === undefined || r.team === team)
    .sort((p, q) => q.a.xp - p.a.xp || (p.a.employee_id < q.a.employee_id ? -1 : 1));
  let rank = 0;
  return rows.map((r, i) => {
    if (i === 0 || rows[i - 1]!.a.xp !== r.a.xp) rank = i + 1;
    return {
      rank,
      employee_id: r.a.employee_id,
      team: r.team,
      xp: r.a.xp,
      level: levelOf(r.a.xp, levels).level,
      balance: r.a.balance,
    };
  });
}

/** The decisions over an in-memory ledger (tests, previews; the reference the store must match). */
export class GrowthLedger {
  readonly entries: LedgerEntry[] = [];
  private readonly byId = new Map<string, LedgerEntry>();
  private readonly accounts = new Map<string, Account>();

  constructor(public catalogue: Catalogue) {}

  account(employee_id: string): Account {
    return this.accounts.get(employee_id) ?? emptyAccount(employee_id);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  private view(id: unknown, employee_id: unknown): LedgerView {
    return {
      existing: typeof id === 'string' ? this.byId.get(id.trim()) : undefined,
      account: this.account(typeof employee_id === 'string' ? employee_id.trim() : ''),
    };
  }

  private apply(d: Decision): Decision {
    if (d.duplicate) return d;
    const e = d.entry;
    this.entries.push(e);
    this.byId.set(e.id, e);
    this.accounts.set(e.employee_id, {
      employee_id: e.employee_id,
      xp: e.xp_after,
      balance: e.balance_after,
      entries: e.seq,
    });
    return d;
  }

  private count(pred: (e: LedgerEntry) => boolean): number {
    return this.entries.filter(pred).length;
  }

  private revoked(completionId: string): LedgerEntry | undefined {
    return this.entries.find((e) => e.kind === 'revoke' && e.revokes === completionId);
  }

  complete(input: {
    id: string;
    employee_id: string;
    task_id: string;
    completed_at: string;
    by?: string;
    source?: 'hr' | 'import';
  }): Decision {
    const done = this.count(
      (e) =>
        e.kind === 'earn' && e.employee_id === input.employee_id && e.task_id === input.task_id && !this.revoked(e.id),
    );
    return this.apply(decideCompletion(this.catalogue, this.view(input?.id, input?.employee_id), input, done));
  }

  redeem(input: { id: string; employee_id: string; reward_id: string; at: string; by?: string }): Decision {
    const used = this.count((e) => e.kind === 'spend' && e.reward_id === input.reward_id);
    return this.apply(decideRedemption(this.catalogue, this.view(input?.id, input?.employee_id), input, used));
  }

  adjust(input: { id: string; employee_id: string; points: number; reason: string; at: string; by: string }): Decision {
    return this.apply(decideAdjustment(this.view(input?.id, input?.employee_id), input));
  }

  revoke(input: { id: string; completion_id: string; reason: string; at: string; by: string }): Decision {
    const completion = this.byId.get(input.completion_id);
    return this.apply(
      decideRevocation(
        this.view(input?.id, completion?.employee_id),
        input,
        completion,
        this.revoked(input.completion_id),
      ),
    );
  }
}
