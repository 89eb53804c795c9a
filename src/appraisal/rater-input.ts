/**
 * 360° ratings as they enter the rater model: validation (every bad row named with its field) and the
 * indexed design the model fits (people, raters, rater–ratee pairs, items, relations).
 */
import type { RowError } from '../history/types.js';
import { DomainError } from '../lib/errors.js';

/** One rating: `rater` scored `ratee` on `item`, on the stated scale. */
export interface RatingInput {
  ratee: string;
  rater: string;
  /** The rater's relation to the ratee: `manager`, `peer`, `direct_report`, `customer`, `self`, … */
  relation: string;
  item: string;
  score: number;
  /** The scale the score was given on, e.g. { min: 1, max: 5 }; scores are normalised to 0–1 by it. */
  scale: { min: number; max: number };
}

/** Lowercase identifier for a relation: a letter, then letters, digits or `_` (at most 32). */
export const RELATION = /^[a-z][a-z0-9_]{0,31}$/;
export const SELF = 'self';
/** At most this many row errors are listed in a refusal (`total` gives the count). */
export const MAX_LISTED_ERRORS = 100;

const isId = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= 128;

/**
 * Checks every rating and throws one `invalid_rows` DomainError listing the bad rows (1-based) with the
 * field and reason: identifiers present, a known-shaped relation, a finite scale with min < max, a finite
 * score within it, `self` exactly when rater = ratee, one rating per (ratee, rater, item) and one relation
 * per (ratee, rater).
 * @throws DomainError `unprocessable` (field `ratings`) on an empty list, `invalid_rows` otherwise
 */
export function validateRatings(ratings: readonly RatingInput[]): void {
  if (!Array.isArray(ratings) || ratings.length === 0)
    throw new DomainError('unprocessable', 'no ratings to calibrate', { field: 'ratings' });
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  const relationOf = new Map<string, { relation: string; row: number }>();
  ratings.forEach((r, i) => {
    const row = i + 1;
    const bad = (field: string, reason: string) => errors.push({ row, field, reason });
    if (r === null || typeof r !== 'object') return bad('rating', 'expected an object');
    if (!isId(r.ratee)) bad('ratee', 'expected a non-empty identifier of at most 128 characters');
    if (!isId(r.rater)) bad('rater', 'expected a non-empty identifier of at most 128 characters');
    if (!isId(r.item)) bad('item', 'expected a non-empty identifier of at most 128 characters');
    if (typeof r.relation !== 'string' || !RELATION.test(r.relation))
      bad('relation', `expected a lowercase relation such as 'manager', 'peer', 'customer' or 'self'`);
    const min = r.scale?.min;
    const max = r.scale?.max;
    const scaleOk = Number.isFinite(min) && Number.isFinite(max) && (min as number) < (max as number);
    if (!Number.isFinite(min)) bad('scale.min', 'expected a finite number');
    else if (!Number.isFinite(max)) bad('scale.max', 'expected a finite number');
    else if (!scaleOk) bad('scale.max', `must be greater than scale.min (${min})`);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) bad('score', 'expected a finite number');
    else if (scaleOk && (r.score < (min as number) || r.score > (max as number)))
      bad('score', `${r.score} is outside the stated scale ${min}–${max}`);
    if (!isId(r.ratee) || !isId(r.rater) || typeof r.relation !== 'string') return;
    if (r.relation === SELF && r.rater !== r.ratee) bad('relation', `'self' needs rater = ratee`);
    if (r.relation !== SELF && r.rater === r.ratee) bad('relation', `a rating of oneself must have relation 'self'`);
    const pair = JSON.stringify([r.ratee, r.rater]);
    const key = JSON.stringify([r.ratee, r.rater, r.item]);
    const first = seen.get(key);
    if (first !== undefined) bad('item', `duplicate of row ${first} (same ratee, rater and item)`);
    else seen.set(key, row);
    const rel = relationOf.get(pair);
    if (rel === undefined) relationOf.set(pair, { relation: r.relation, row });
    else if (rel.relation !== r.relation)
      bad('relation', `'${r.relation}' differs from '${rel.relation}' in row ${rel.row} for the same rater and ratee`);
  });
  if (errors.length > 0)
    throw new DomainError('invalid_rows', `${new Set(errors.map((e) => e.row)).size} ratings invalid`, {
      errors: errors.slice(0, MAX_LISTED_ERRORS),
      total: errors.length,
    });
}

/** The fitted ratings, indexed. Observations are sorted by pair; pairs by ratee then rater. */
export interface Design {
  people: string[];
  raters: string[];
  items: string[];
  relations: string[];
  /** Per observation: score normalised to 0–1, and its indices. */
  y: Float64Array;
  obsItem: Int32Array;
  /** Per rater–ratee pair: its person, rater, relation and observations [start, end). */
  pairPerson: Int32Array;
  pairRater: Int32Array;
  pairRelation: Int32Array;
  pairStart: Int32Array;
  pairEnd: Int32Array;
  /** The one scale every fitted rating used, or null when they differ. */
  scale: { min: number; max: number } | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Indexes validated ratings (the caller has already removed any it does not fit). */
export function buildDesign(ratings: readonly RatingInput[]): Design {
  const rows = [...ratings].sort(
    (p, q) => byText(p.ratee, q.ratee) || byText(p.rater, q.rater) || byText(p.item, q.item),
  );
  const people = [...new Set(rows.map((r) => r.ratee))].sort(byText);
  const raters = [...new Set(rows.map((r) => r.rater))].sort(byText);
  const items = [...new Set(rows.map((r) => r.item))].sort(byText);
  const relations = [...new Set(rows.map((r) => r.relation))].sort(byText);
  const index = (xs: string[]) => new Map(xs.map((x, i) => [x, i]));
  const [pi, ri, ii, li] = [index(people), index(raters), index(items), index(relations)];
  const n = rows.length;
  const y = new Float64Array(n);
  const obsItem = new Int32Array(n);
  const pairs: { person: number; rater: number; relation: number; start: number; end: number }[] = [];
  let scale: Design['scale'] = rows[0] ? { ...rows[0].scale } : null;
  rows.forEach((r, o) => {
    y[o] = (r.score - r.scale.min) / (r.scale.max - r.scale.min);
    obsItem[o] = ii.get(r.item)!;
    if (scale && (scale.min !== r.scale.min || scale.max !== r.scale.max)) scale = null;
    const person = pi.get(r.ratee)!;
    const rater = ri.get(r.rater)!;
    const last = pairs.at(-1);
    if (last && last.person === person && last.rater === rater) last.end = o + 1;
    else pairs.push({ person, rater, relation: li.get(r.relation)!, start: o, end: o + 1 });
  });
  return {
    people,
    raters,
    items,
    relations,
    y,
    obsItem,
    pairPerson: Int32Array.from(pairs, (p) => p.person),
    pairRater: Int32Array.from(pairs, (p) => p.rater),
    pairRelation: Int32Array.from(pairs, (p) => p.relation),
    pairStart: Int32Array.from(pairs, (p) => p.start),
    pairEnd: Int32Array.from(pairs, (p) => p.end),
    scale,
  };
}
