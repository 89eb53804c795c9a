/**
 * The web console's reads and its sessions (src/web calls these, never SQL): sign-in with an API
 * key and server-side sessions; the leaderboard of a period with the change against the previous
 * one (sorted by score, by the interval's low end or by the biggest decline); an agent's history,
 * the reviews behind one of its ratings and its SLA; the reviews search; the SLA board. Every
 * rating comes from the same functions the API answers with, so the numbers on screen are the API's.
 */
import type { KeyRepository, Scope } from '../auth/keys.js';
import { closeSession, findSession, openSession, type Session } from '../auth/sessions-store.js';
import type { Db } from '../db/types.js';
import { maskStoredReview } from '../privacy/answers.js';
import { createMasker, type Masker } from '../privacy/mask.js';
import { parsePeriod, shiftPeriod } from '../history/period.js';
import { BadRequestError } from '../lib/errors.js';
import { isYear } from '../lib/time.js';
import { overdueByTeam, ratedPeriods, teamsOf } from '../ratings/console-store.js';
import type { Rating, RatingKind } from '../ratings/repository.js';
import { type FoundReview, type ReviewSearch, searchReviews } from '../reviews/search-store.js';
import type { CatalogueService } from './catalogue.js';
import { createStoredReads } from './results.js';
import { RATINGS_READS, type ReviewService } from './reviews.js';

export type { Session } from '../auth/sessions-store.js';
export type { FoundReview, ReviewSearch } from '../reviews/search-store.js';

export type LeaderSort = 'score' | 'ci_low' | 'decline';

export interface LeaderboardQuery {
  period: string;
  role?: string | undefined;
  team?: string | undefined;
  sort: LeaderSort;
  limit: number;
  offset: number;
}

export interface LeaderRow extends Rating {
  /** the same agent's score in the previous period of the same kind (null: no rating then) */
  previous_score: number | null;
  /** score − previous_score, one decimal */
  change: number | null;
}

/** One team on the SLA board: overdue reviews now, and the 24 h / 48 h rates of the period's ratings. */
export interface TeamCard {
  team: string | null;
  overdue: number;
  oldest_hours: number | null;
  negative_reviews: number;
  replied_within_24h: number;
  late: number;
  response_rate: number | null;
  returns: number;
  closed_within_48h: number;
  returns_rate: number | null;
}

export interface ConsoleService {
  /** Opens a session for an API key; null for an unknown or revoked key. */
  signIn(key: string): Promise<{ token: string; csrf: string; expiresAt: Date; scopes: Scope[] } | null>;
  session(token: string): Promise<Session | null>;
  signOut(token: string): Promise<void>;
  periods(): Promise<Record<RatingKind, string[]>>;
  teams(role?: string): Promise<string[]>;
  roles(): Promise<{ id: string; name: string }[]>;
  leaderboard(
    q: LeaderboardQuery,
  ): Promise<{ period: string; previous: string | null; total: number; items: LeaderRow[] }>;
  agent(id: string, kind: Exclude<RatingKind, 'year'>): ReturnType<ReviewService['agentRatings']>;
  reviewsBehind: ReviewService['reviewsBehindRating'];
  searchReviews(q: ReviewSearch): Promise<{ total: number; items: FoundReview[] }>;
  slaBoard(q: {
    role?: string | undefined;
    team?: string | undefined;
    /** only reviews that arrived at or after this time (ISO 8601); all when absent */
    since?: string | undefined;
    period: string | null;
    limit: number;
    offset: number;
  }): Promise<{
    overdue: Awaited<ReturnType<ReviewService['overdueReviews']>>;
    teams: TeamCard[];
  }>;
  scoreText: ReviewService['scoreTexts'];
}

/** The period before `period` of the same kind (a year: the year before). */
export function previousPeriod(period: string): string | null {
  if (isYear(period)) return String(Number(period) - 1);
  const p = parsePeriod(period);
  return p ? shiftPeriod(p, -1).id : null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const ALL = 100_000;

export function createConsoleService(deps: {
  db: Db;
  keys: KeyRepository;
  reviews: ReviewService;
  catalogue: CatalogueService;
  sessionTtlMs: number;
  /** masks the review text of the search (default: every class masked) */
  masker?: Masker;
}): ConsoleService {
  const { db, keys, reviews, catalogue, sessionTtlMs } = deps;
  const masker = deps.masker ?? createMasker();
  // the pickers' periods and a period's whole board (with the previous period's scores) are stored
  // answers (src/services/results.ts): kept in the database while the data version holds
  const stored = createStoredReads(db);
  const storedJson = async <T>(
    key: readonly (string | null | undefined)[],
    compute: () => Promise<T>,
    reads?: readonly string[],
  ): Promise<T> => JSON.parse((await stored(['console', ...key], compute, JSON.stringify, reads)).json) as T;

  /** Every rating of the period (filtered), with the change against the previous period, unsorted. */
  async function board(
    q: Pick<LeaderboardQuery, 'period' | 'role' | 'team'>,
  ): Promise<{ previous: string | null; rows: LeaderRow[] }> {
    return storedJson(
      ['board', q.period, q.role ?? null, q.team ?? null],
      async () => {
        const filter = { role: q.role, team: q.team };
        const clean = <T extends object>(o: T) =>
          Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
        const now = await reviews.listRatings(clean({ period: q.period, ...filter, limit: ALL, offset: 0 }));
        const previous = previousPeriod(q.period);
        const before = previous
          ? await reviews.listRatings(clean({ period: previous, ...filter, limit: ALL, offset: 0 }))
          : { items: [] as Rating[] };
        const prev = new Map(before.items.map((r) => [r.agent_id, r.score]));
        const rows: LeaderRow[] = now.items.map((r) => {
          const p = prev.get(r.agent_id) ?? null;
          return { ...r, previous_score: p, change: p !== null && r.score !== null ? round1(r.score - p) : null };
        });
        return { previous, rows };
      },
      RATINGS_READS,
    );
  }

  return {
    async signIn(key) {
      const info = await keys.verify(key.trim());
      if (!info) return null;
      return { ...(await openSession(db, info.id, sessionTtlMs)), scopes: info.scopes };
    },
    session: (token) => findSession(db, token, sessionTtlMs),
    signOut: (token) => closeSession(db, token),
    periods: () => storedJson(['periods'], () => ratedPeriods(db)),
    teams: (role) => teamsOf(db, role),
    async roles() {
      return (await catalogue.roles()).map((r) => ({ id: r.id, name: r.name }));
    },

    async leaderboard(q) {
      const { previous, rows } = await board(q);
      const key = (r: LeaderRow): number | null =>
        q.sort === 'score' ? r.score : q.sort === 'ci_low' ? r.interval.low : r.change === null ? null : -r.change;
      rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        if (x === y) return a.agent_id < b.agent_id ? -1 : 1;
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      });
      return { period: q.period, previous, total: rows.length, items: rows.slice(q.offset, q.offset + q.limit) };
    },

    agent: (id, kind) => reviews.agentRatings(id, { kind }),
    reviewsBehind: (q) => reviews.reviewsBehindRating(q),
    async searchReviews(q) {
      if (q.from && q.to && q.to < q.from) throw new BadRequestError('`to` is before `from`');
      const found = await searchReviews(db, q);
      return { ...found, items: found.items.map((r) => maskStoredReview(masker, r)) };
    },

    async slaBoard(q) {
      const strip = <T extends object>(o: T) =>
        Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
      const overdue = await reviews.overdueReviews(
        strip({ role: q.role, team: q.team, since: q.since, limit: q.limit, offset: q.offset }),
      );
      const counts = await overdueByTeam(db, { role: q.role, since: q.since });
      const rated = q.period
        ? (await reviews.listRatings(strip({ period: q.period, role: q.role, limit: ALL, offset: 0 }))).items
        : [];
      const teams = new Map<string | null, TeamCard & { returns_late: number }>();
      const card = (team: string | null) => {
        let c = teams.get(team);
        if (!c) {
          c = {
            team,
            overdue: 0,
            oldest_hours: null,
            negative_reviews: 0,
            replied_within_24h: 0,
            late: 0,
            response_rate: null,
            returns: 0,
            closed_within_48h: 0,
            returns_late: 0,
            returns_rate: null,
          };
          teams.set(team, c);
        }
        return c;
      };
      for (const c of counts) Object.assign(card(c.team), { overdue: c.overdue, oldest_hours: c.oldest_hours });
      for (const r of rated) {
        const c = card(r.team);
        const n = r.sla.negative_response_24h;
        const t = r.sla.returns_48h;
        c.negative_reviews += n.negative_reviews;
        c.replied_within_24h += n.replied_within_24h;
        c.late += n.late;
        c.returns += t.returns;
        c.closed_within_48h += t.closed_within_48h;
        c.returns_late += t.late;
      }
      const out = [...teams.values()]
        .filter((c) => q.team === undefined || c.team === q.team)
        .map(({ returns_late, ...c }) => ({
          ...c,
          response_rate:
            c.replied_within_24h + c.late > 0 ? c.replied_within_24h / (c.replied_within_24h + c.late) : null,
          returns_rate:
            c.closed_within_48h + returns_late > 0 ? c.closed_within_48h / (c.closed_within_48h + returns_late) : null,
        }))
        .sort((a, b) => b.overdue - a.overdue || String(a.team).localeCompare(String(b.team)));
      return { overdue, teams: out };
    },
    scoreText: (texts, opts) => reviews.scoreTexts(texts, opts),
  };
}
