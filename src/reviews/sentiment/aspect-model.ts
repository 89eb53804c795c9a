/**
 * The learned clause-level aspect model (issue 18): a multi-label linear model over hashed n-grams
 * of one clause (zh: characters 1–3, no segmentation; en: words 1–2 and characters 3–5, which
 * reads hashtags and plurals), one logit per aspect, each with its own Platt calibration, so a
 * clause gets a calibrated P(aspect) for the seven aspects at once. A clause holds an aspect when
 * that probability reaches the aspect's threshold (chosen on the evaluation set's dev part,
 * out of fold). The clause's polarity for an aspect is the sentiment model's P(positive) of the
 * clause re-calibrated per aspect (σ(a_k · logit + c_k)): a short factual clause that only names
 * staff reads as neutral, not negative.
 *
 * Inference is plain JS: weights (float32 on disk, one row of `stride` values per hash bucket)
 * are quantised to int16 in a SharedArrayBuffer that scoring threads read in place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyCalibration, clippedLogit, sigmoid, type Calibration } from './calibration.js';
import { FeatureBuffer, featurise, type FeatureSettings } from './features.js';
import { hashBytes, hashString, saltedRow } from './hash.js';
import { ASPECT_ORDER, clauseAspects, type Aspect } from './aspects.js';
import { detectLanguage } from './language.js';
import { ComplaintHead, type ComplaintHeadSettings, type ComplaintQuantised } from './complaint-head.js';

export const ASPECT_MODEL_FORMAT = 'kpi-aspects-linear/1';
/** bucket row width in the weight table (7 aspects + 1 pad: one 16-byte int16 row per bucket) */
export const ASPECT_STRIDE = 8;

export interface AspectModelMetadata {
  format: typeof ASPECT_MODEL_FORMAT;
  language: 'zh' | 'en';
  /** `aspects-<lang>@<hash of weights.bin>` */
  version: string;
  features: FeatureSettings;
  /**
   * the weight table has 2^tableBits rows (default `features.bits`): a feature's row is its bucket id
   * (hashed with `features.bits`) masked to tableBits. A model whose `features` equal the sentiment
   * model's reads the very ids the clause's sentiment is computed from (one featurisation per clause).
   */
  tableBits?: number;
  /** the keyword rules' verdicts on the clause are features too (one bucket per aspect they name) */
  keywordFeatures: boolean;
  /** the cue patterns of the model's language (ASPECT_CUES) are features too, one bucket each (default false) */
  cueFeatures?: boolean;
  /**
   * with `cueFeatures`, the extra cue patterns too (ASPECT_CUES_EXTRA: a staff member late, staff words
   * the keyword rules lack, a refused return; issue 18, tenth session); absent: the five of ASPECT_CUES
   */
  cueExtra?: boolean;
  aspects: Aspect[];
  weights: { file: string; dtype: 'float32'; stride: number; biases: number[] };
  /** per aspect: P(aspect) = σ(a · logit + c) */
  calibration: Calibration[];
  /** per aspect: the clause holds the aspect when P(aspect) ≥ threshold */
  thresholds: number[];
  /** per aspect: P(positive | clause, aspect) = σ(a · logit(P_sentiment(clause)) + c) */
  polarity: Calibration[];
  /**
   * per aspect (zh models since issue 18's fifth session): the weight b of the whole review's logit in
   * the clause's polarity, P(positive | clause, aspect) = σ(a · logit(P_sentiment(clause)) + b ·
   * logit(P_sentiment(review)) + c); absent: the clause alone (b = 0)
   */
  polarityReview?: number[];
  /**
   * per aspect (issue 18, sixth session): the weight b of the service-polarity head in the clause's
   * polarity, P(positive | clause, aspect) = σ(a · logit(P_sentiment(clause)) + b · h + c), where h is
   * the eighth column of the weight table — a logit of P(positive) learned from the labelled agent
   * clauses over the same features (it reads service language: "客服秒回", "answered in under a minute").
   * Present: the table's eighth column holds the head (0 for aspects that do not read it); absent: no head.
   */
  polarityService?: number[];
  /**
   * a review is an agent's complaint when one of its agent-aspect hits has P(negative) at least this
   * (best precision at recall ≥ 0.75 on dev, out of fold)
   */
  complaintThreshold?: number;
  /**
   * review-context features (issue 18, eighth session): besides its own n-grams, each clause reads the
   * whole review's hashed n-grams — hashed with `features` (the sentiment model's settings, so the
   * engine reuses the ids the review's sentiment was computed from), each id moved to another table
   * row (contextRow with `salt`) and worth `scale`/√n — a prior shared by the review's clauses that
   * lets the model learn "a book, film or product review" against "a service story". Absent: the
   * clause alone (the models before it).
   */
  reviewFeatures?: ReviewFeatureSettings;
  /**
   * a review-level complaint head stacked with the aspect route (issue 18, ninth session;
   * ./complaint-head.ts): its weights follow the aspect table in weights.bin, and a review is the
   * agent's complaint when its stacked P(complaint) reaches `complaintThreshold`. Absent: the aspect
   * route alone (the highest P(negative) of the agent-aspect hits against `complaintThreshold`).
   */
  complaintHead?: ComplaintHeadSettings;
  /**
   * neighbour-clause features (issue 18, eleventh session): each clause also reads the hashed n-grams of
   * the clause before it and of the one after it in its review (hashed with `features`, as its own), each
   * id moved to another table row (saltedRow with the side's salt) and worth `scale`/√n of that
   * neighbour — a narrower context than `reviewFeatures`. The scorer hashes each clause once and reads
   * its ids three times (its own, as a previous and as a next clause: AspectPredictor.neighbours).
   * Absent: no neighbour (the models before it).
   */
  neighbourFeatures?: NeighbourFeatureSettings;
  /**
   * the keyword verdict × review context interaction (issue 18, twelfth session; needs `reviewFeatures`):
   * a clause in which the keyword rules see an agent aspect also reads its review's ids (those of
   * `reviewFeatures`) moved to rows of that aspect's own (saltedRow with `salts[j]`, j the aspect's place
   * in ASPECT_ORDER), worth `scale`/√n — so that "staff" or "return" can mean one thing in a service story
   * and nothing in a book or film review. Computed once per review and agent aspect, only for a review
   * with such a clause. Absent: none (the models before it).
   */
  verdictContext?: VerdictContextSettings;
  [extra: string]: unknown;
}

export interface VerdictContextSettings {
  /** per agent aspect (ASPECT_ORDER's first three): mixed into the review's ids before their table rows */
  salts: number[];
  /** the review's ids together weigh this much (each `scale`/√n) */
  scale: number;
}

export interface NeighbourFeatureSettings {
  /** mixed into the previous clause's ids and into the next clause's before their table rows (equal: one side-blind feature set) */
  salts: [previous: number, next: number];
  /** a neighbour's ids together weigh this much (each `scale`/√n) */
  scale: number;
}

export interface ReviewFeatureSettings {
  /** the hashing of the review (the sentiment model's `features` of the language) */
  features: FeatureSettings;
  /** mixed into each review id before it is moved to its table row */
  salt: number;
  /** the review's ids together weigh this much (each `scale`/√n) */
  scale: number;
}

/** The table row of a review-context id (an id of `ReviewFeatureSettings.features`): hash.ts's saltedRow. */
export { saltedRow as contextRow };

/** True when two hashings give the same ids (same settings). */
export function sameFeatures(a: FeatureSettings, b: FeatureSettings): boolean {
  return (
    a.language === b.language &&
    a.bits === b.bits &&
    a.seed === b.seed &&
    a.maxChars === b.maxChars &&
    JSON.stringify(a.charNgrams) === JSON.stringify(b.charNgrams) &&
    JSON.stringify(a.wordNgrams) === JSON.stringify(b.wordNgrams) &&
    (a.charSkipMax ?? 0) === (b.charSkipMax ?? 0) &&
    (a.jiebaHmm ?? true) === (b.jiebaHmm ?? true)
  );
}

/** The packed weights (see AspectPredictor), shareable with worker threads. */
export interface AspectQuantised {
  /** a bit per table row: kept (it has a non-zero weight) */
  present: Uint32Array;
  /** kept rows before each 32-row word */
  rank: Int32Array;
  /** kept rows, `stride` int8 values each */
  rows: Int8Array;
  /** per aspect: the weight of one int8 step */
  steps: Float64Array;
  /** the complaint head's table (models with `complaintHead`) */
  complaint?: ComplaintQuantised;
}

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A clause's features already computed (distinct bucket ids, `features.bits` wide). */
export interface FeatureView {
  ids: Int32Array;
  n: number;
}

export interface ClauseAspect {
  aspect: Aspect;
  /** calibrated P(the clause is about this aspect) */
  confidence: number;
  /** the service-polarity head's logit of the clause (models with `polarityService`), for `polarity` */
  service?: number;
}

/**
 * The features of one clause: its hashed n-grams in `buf` (each worth 1/√n) and, with
 * `keywordFeatures`, the returned bucket ids of the aspects the keyword rules give it (each worth 1,
 * so the model learns where the rules are right and where they are not).
 */
export function aspectFeatures(
  clause: string,
  s: FeatureSettings,
  keywordFeatures: boolean,
  buf: FeatureBuffer,
  keywords?: readonly Aspect[],
  tableBits = s.bits,
  words?: string[],
  cueFeatures = false,
  cueExtra = false,
): number[] {
  featurise(clause, s, buf, false, words);
  const ids = keywordIds(clause, s, keywordFeatures, tableBits, keywords);
  if (cueFeatures && (s.language === 'zh' || s.language === 'en'))
    ids.push(...cueIds(clause, s.language, cueRows(s.language, s.seed, tableBits, cueExtra), cueExtra));
  return ids;
}

/**
 * Patterns of waits, replies and their speed that hashed n-grams of a clause read poorly (a wait
 * counted in minutes, nobody answering, a queue position, the speed of check-in or serving; on hold,
 * no reply, a prompt answer). Each that matches is one more feature of weight 1 (like the keyword
 * verdicts); the model learns from the labelled rows what each means. Not the keyword rules: they
 * name no aspect.
 */
export const ASPECT_CUES: Record<'zh' | 'en', ReadonlyArray<readonly [string, RegExp]>> = {
  zh: [
    ['wait', /(等了?|用了|花了|拖了|排了)[^，。！？,.!?]{0,6}(分钟|小时|钟头|半天)|(分钟|小时|钟头)了?(还|才|都)/],
    [
      'unanswered',
      /没人(理|管|接|回|搭理|服务)|无人(理|管|问津|接)|不理睬|不搭理|没(有)?回音|没(有)?答复|不回(复|消息|信息)|打不通|联系不上/,
    ],
    ['queue', /排在第|排队|第\d+位/],
    [
      'service-speed',
      /(反应|响应|处理|入住|退房|结[帐账]|上菜|办理|登记|审核|手续|服务)[^，。,.]{0,4}(快|慢|迅速|迅捷|及时|效率|高效|拖拉)/,
    ],
    ['at-once', /秒(回|通过|到账|批|退)|马上|立即|立刻/],
  ],
  en: [
    ['hold', /\b(on hold|hold time|hold for)\b/i],
    [
      'unanswered',
      /\b(never|didn't|did not|don't|doesn't|won't|haven't|hasn't|no one|nobody)\s+(\w+\s+){0,2}(respond|reply|replied|answer|answered|call(ed)? back|get back|got back|returned? (my )?(calls?|e-?mails?))\b|\bno (response|reply|answer)\b|\bnever heard\b/i,
    ],
    [
      'wait',
      /\bwait(ed|ing)?\s+(\w+\s+){0,3}(minutes|hours)\b|\b(\d+|several|many) (minutes|hours) (on|to|for|before)\b/i,
    ],
    [
      'prompt',
      /\b(respond\w*|replied|answered|got back|called back)\s+(\w+\s+){0,2}(quickly|promptly|immediately|right away|within)\b|\b(quick|prompt|fast|speedy) (response|reply|answer)\b/i,
    ],
    [
      'person',
      /\b(reps?|representatives?|agents?|customer service|support staff|staff|clerks?|employees?|manager|cashier|waiter|waitress|technicians?|receptionist)\b/i,
    ],
  ],
};

/**
 * More cue patterns (models with `cueExtra`; issue 18, tenth session, from the out-of-fold dev errors):
 * a staff member or a turn that comes late (师傅下午四点才来, 等到三点才轮到我), staff words the keyword
 * rules lack (师傅, 行李员, 门童, 收银, 商家 …), a return, exchange or repair refused (不给退, 说…不能退).
 * zh only; each one more weight-1 feature, read after ASPECT_CUES'.
 */
export const ASPECT_CUES_EXTRA: Record<'zh' | 'en', ReadonlyArray<readonly [string, RegExp]>> = {
  zh: [
    [
      'late',
      /(才|终于)(来|到|上门|过来|轮到|处理)|迟到|晚到|晚来|还没(来|到|上门|轮到)|没(有)?(按时|准时)|放鸽子|爽约|(等|拖)到[^，。！？,.!?]{0,6}(才|还)/,
    ],
    [
      'staff',
      /师傅|行李员|门童|礼宾|保洁|阿姨|收银|导购|柜员|营业员|管家|大堂|司机|店里|商家|店家|卖家|掌柜|老板|销售/,
    ],
    [
      'refuse',
      /不(给|让|肯|同意|予|能|可以)(退|换|修|保修|处理|开)|拒(绝|不)[^，。！？,.!?]{0,2}(退|换|修|处理)|不(退|换)[的了]?$|说[^，。！？,.!?]{0,8}不(能|给|可以)?(退|换)/,
    ],
  ],
  en: [],
};

/** Words of which every ASPECT_CUES_EXTRA pattern needs one (its own gate). */
const CUE_EXTRA_GATE: Record<'zh' | 'en', RegExp> = {
  zh: /才|终于|迟|晚|还没|准时|按时|鸽|爽约|到|师傅|员|门童|礼宾|保洁|阿姨|收银|管家|大堂|司机|店|商家|卖家|掌柜|老板|销售|不|拒/,
  en: /(?!)/,
};

/**
 * Per language, words of which every cue pattern needs one (a clause without any matches none of
 * them): one test instead of five for the ≈ 85 % of clauses that name no wait, reply or staff.
 */
const CUE_GATE: Record<'zh' | 'en', RegExp> = {
  zh: /分钟|小时|钟头|半天|没人|无人|不理|不搭|回音|答复|不回|打不通|联系不上|排|第|快|慢|迅|及时|效率|高效|拖拉|秒|马上|立即|立刻/,
  en: /hold|respon|repl|answer|back|heard|return|wait|minute|hour|quick|prompt|fast|speedy|rep|agent|service|staff|clerk|employee|manager|cashier|technician|receptionist/i,
};
const NO_CUES: number[] = [];

/** Per cue pattern (ASPECT_CUES order, then with `extra` ASPECT_CUES_EXTRA's), its table row. */
function cueRows(language: 'zh' | 'en', seed: number, tableBits: number, extra = false): Int32Array {
  const mask = (1 << tableBits) - 1;
  const names = [...ASPECT_CUES[language], ...(extra ? ASPECT_CUES_EXTRA[language] : [])].map(([name]) => name);
  return Int32Array.from(names, (name) => hashString(`cue:${name}`, seed) & mask);
}

/** The table rows (of `rows`, from cueRows) of the cue patterns a clause matches (see ASPECT_CUES). */
function cueIds(clause: string, language: 'zh' | 'en', rows: Int32Array, extra = false): number[] {
  const cues = ASPECT_CUES[language];
  let out = NO_CUES;
  if (CUE_GATE[language].test(clause))
    for (let i = 0; i < cues.length; i++)
      if (cues[i]![1].test(clause)) {
        if (out === NO_CUES) out = [];
        out.push(rows[i]!);
      }
  if (!extra || !CUE_EXTRA_GATE[language].test(clause)) return out;
  const more = ASPECT_CUES_EXTRA[language];
  for (let i = 0; i < more.length; i++)
    if (more[i]![1].test(clause)) {
      if (out === NO_CUES) out = [];
      out.push(rows[cues.length + i]!);
    }
  return out;
}

/** The table rows of the keyword rules' verdicts on a clause (see aspectFeatures). */
function keywordIds(
  clause: string,
  s: FeatureSettings,
  keywordFeatures: boolean,
  tableBits: number,
  keywords?: readonly Aspect[],
): number[] {
  if (!keywordFeatures) return [];
  const rows = keywordRows(s.seed, tableBits);
  return (keywords ?? clauseAspects(clause)).map((a) => rows[ASPECT_ORDER.indexOf(a)]!);
}

const KW_ROWS = new Map<string, Int32Array>();
/** Per aspect (ASPECT_ORDER), the table row of "the keyword rules name this aspect". */
function keywordRows(seed: number, tableBits: number): Int32Array {
  const key = `${seed}:${tableBits}`;
  let rows = KW_ROWS.get(key);
  if (!rows) {
    const mask = (1 << tableBits) - 1;
    rows = Int32Array.from(ASPECT_ORDER, (a) => hashString(`kw:${a}`, seed) & mask);
    KW_ROWS.set(key, rows);
  }
  return rows;
}

/**
 * A review's clauses as AspectPredictor.neighbours left them: each clause's ids (copied, back to back)
 * and, per clause, the sums it gives its neighbours; `context(i)` is clause i's sum of the review's
 * context, its previous clause's `asPrevious` and its next clause's `asNext`. Reused review after review.
 */
export class NeighbourPass {
  /** row width of asPrevious / asNext (the aspect columns) */
  readonly k: number;
  asPrevious = new Float64Array(0);
  asNext = new Float64Array(0);
  private ids = new Int32Array(1 << 10);
  private offsets = new Int32Array(64);
  private contexts = new Float64Array(0);
  private m = 0;
  private readonly one: { ids: Int32Array; n: number } = { ids: new Int32Array(0), n: 0 };
  private readonly ctx: Float64Array;

  constructor(
    /** the table columns a clause's logits sum (aspects, then the service head's) */
    readonly columns: number,
    aspects: number,
  ) {
    this.k = aspects;
    this.ctx = new Float64Array(columns);
  }

  reset(m: number): void {
    this.m = m;
    if (this.offsets.length < m + 1) this.offsets = new Int32Array(2 * (m + 1));
    if (this.asPrevious.length < m * this.k) {
      this.asPrevious = new Float64Array(2 * m * this.k);
      this.asNext = new Float64Array(2 * m * this.k);
      this.contexts = new Float64Array(2 * m * this.columns);
    }
    this.asPrevious.fill(0, 0, m * this.k);
    this.asNext.fill(0, 0, m * this.k);
    this.offsets[0] = 0;
  }

  /** Keeps clause i's ids (clauses are stored in order). */
  store(i: number, view: FeatureView): void {
    const at = this.offsets[i]!;
    if (this.ids.length < at + view.n) {
      const grown = new Int32Array(2 * (at + view.n));
      grown.set(this.ids.subarray(0, at));
      this.ids = grown;
    }
    this.ids.set(view.ids.subarray(0, view.n), at);
    this.offsets[i + 1] = at + view.n;
  }

  /** Each clause's context: the review's, its previous clause's asPrevious and its next clause's asNext. */
  finish(review: Float64Array | null): void {
    const { k, columns, m } = this;
    for (let i = 0; i < m; i++) {
      const at = i * columns;
      for (let j = 0; j < columns; j++) {
        let v = review ? review[j]! : 0;
        if (j < k) {
          if (i > 0) v += this.asPrevious[(i - 1) * k + j]!;
          if (i < m - 1) v += this.asNext[(i + 1) * k + j]!;
        }
        this.contexts[at + j] = v;
      }
    }
  }

  /** Clause i's ids (the `pre` of logits/detect); the same object each call. */
  view(i: number): FeatureView {
    const lo = this.offsets[i]!;
    const n = this.offsets[i + 1]! - lo;
    this.one.ids = this.ids.subarray(lo, lo + n);
    this.one.n = n;
    return this.one;
  }

  /** Clause i's context sums (the `context` of logits/detect); the same array each call. */
  context(i: number): Float64Array {
    this.ctx.set(this.contexts.subarray(i * this.columns, (i + 1) * this.columns));
    return this.ctx;
  }
}

export class AspectPredictor {
  private readonly buf: FeatureBuffer;
  private readonly present: Uint32Array;
  private readonly rank: Int32Array;
  private readonly rows: Int8Array;
  private readonly steps: Float64Array;
  private readonly sums: Float64Array;
  private readonly acc = new Float64Array(ASPECT_STRIDE);
  private readonly tableBits: number;
  private readonly kwRows: Int32Array;
  /** the cue patterns' table rows when the model reads cues, else null */
  private readonly cueRows: Int32Array | null;
  /** the model reads ASPECT_CUES_EXTRA too (`cueExtra`) */
  private readonly cueExtra: boolean;
  /** per aspect: logit(threshold) − 1e-6; a calibrated logit under it cannot reach the threshold */
  private readonly below: Float64Array;
  /** a review's context sums (reviewContext), reused review after review */
  private readonly context: Float64Array;
  /** the buffer reviewContext featurises a review into when the caller has not (created on first use) */
  private reviewBuf: FeatureBuffer | undefined;
  /** the review-level complaint head (models with `complaintHead`), else null */
  readonly complaintHead: ComplaintHead | null = null;
  /** a review's clauses with their neighbours' sums (models with `neighbourFeatures`; created on first use) */
  private pass: NeighbourPass | undefined;
  /** models with `verdictContext`: the last reviewContext's ids (copied: the caller's buffer moves on) */
  private reviewIds = new Int32Array(0);
  private reviewN = 0;
  /** …and per agent aspect its verdict-context sums, computed on first use (bit j of verdictDone) */
  private readonly verdictSums: Float64Array;
  private verdictDone = 0;

  /**
   * Float32 `weights` (2^tableBits rows of `stride`) are packed for scoring: only rows with a
   * non-zero weight are kept, as int8 steps of a per-aspect `step`, in row order; a bit per table
   * row says whether it is kept, and a row's place is the count of kept rows before it (a running
   * count per 32 rows plus a popcount). That table is a few hundred KB where the float one is 8 MB:
   * the lookups of a clause's n-grams stay in the core's cache. A thread gets the packed arrays
   * (`quantised`) without a copy.
   */
  constructor(
    readonly meta: AspectModelMetadata,
    weights: Float32Array | AspectQuantised,
  ) {
    this.tableBits = meta.tableBits ?? meta.features.bits;
    this.kwRows = keywordRows(meta.features.seed, this.tableBits);
    this.cueExtra = meta.cueFeatures === true && meta.cueExtra === true;
    this.cueRows =
      meta.cueFeatures === true ? cueRows(meta.language, meta.features.seed, this.tableBits, this.cueExtra) : null;
    this.below = Float64Array.from(meta.thresholds, (t) =>
      t > 0 && t < 1 ? Math.log(t / (1 - t)) - 1e-6 : Number.NEGATIVE_INFINITY,
    );
    const stride = meta.weights.stride;
    if (stride !== ASPECT_STRIDE || meta.aspects.length > stride)
      throw new Error(
        `${meta.version}: stride ${stride} with ${meta.aspects.length} aspects, expected ${ASPECT_STRIDE}`,
      );
    this.buf = new FeatureBuffer(meta.features.bits);
    // the aspects' columns, and the service head's after them when the model has one
    const columns = meta.aspects.length + (meta.polarityService ? 1 : 0);
    if (columns > stride) throw new Error(`${meta.version}: ${columns} columns in a stride of ${stride}`);
    this.sums = new Float64Array(columns);
    this.context = new Float64Array(columns);
    this.verdictSums = new Float64Array(meta.verdictContext ? meta.verdictContext.salts.length * columns : 0);
    const head = meta.complaintHead;
    if (!(weights instanceof Float32Array)) {
      if (head) {
        if (!weights.complaint) throw new Error(`${meta.version}: packed weights without the complaint head`);
        this.complaintHead = new ComplaintHead(head, weights.complaint);
      }
      if (weights.present.length !== (1 << this.tableBits) >>> 5)
        throw new Error(
          `${meta.version}: packed table of ${weights.present.length * 32} rows, expected 2^${this.tableBits}`,
        );
      ({ present: this.present, rank: this.rank, rows: this.rows, steps: this.steps } = weights);
      return;
    }
    const table = (1 << this.tableBits) * stride;
    if (head) {
      if (head.offset !== table || weights.length !== table + (1 << head.tableBits))
        throw new Error(
          `${meta.version}: weights hold ${weights.length} values, expected 2^${this.tableBits}·stride + 2^${head.tableBits} (complaint head at ${head.offset})`,
        );
      this.complaintHead = new ComplaintHead(head, weights.subarray(table));
    }
    const aspectWeights = head ? weights.subarray(0, table) : weights;
    if (aspectWeights.length !== table)
      throw new Error(
        `${meta.version}: weights hold ${aspectWeights.length} values, expected 2^${this.tableBits}·stride`,
      );
    const k = columns;
    this.steps = new Float64Array(stride).fill(1);
    const max = new Float64Array(stride);
    const words = (1 << this.tableBits) >>> 5;
    this.present = new Uint32Array(new SharedArrayBuffer(words * 4));
    this.rank = new Int32Array(new SharedArrayBuffer(words * 4));
    let kept = 0;
    for (let r = 0; r < 1 << this.tableBits; r++) {
      let any = false;
      for (let j = 0; j < k; j++) {
        const w = Math.abs(aspectWeights[r * stride + j]!);
        if (w > 0) any = true;
        if (w > max[j]!) max[j] = w;
      }
      if (any) {
        this.present[r >>> 5]! |= 1 << (r & 31);
        kept++;
      }
    }
    for (let j = 0; j < k; j++) if (max[j]! > 0) this.steps[j] = max[j]! / 127;
    this.rows = new Int8Array(new SharedArrayBuffer(Math.max(1, kept) * stride));
    let at = 0;
    for (let w = 0; w < words; w++) {
      this.rank[w] = at;
      for (let b = 0; b < 32; b++) {
        if ((this.present[w]! & (1 << b)) === 0) continue;
        const r = (w << 5) | b;
        for (let j = 0; j < k; j++)
          this.rows[at * stride + j] = Math.round(aspectWeights[r * stride + j]! / this.steps[j]!);
        at++;
      }
    }
  }

  /** Rows kept in the packed table (those with a non-zero weight). */
  get keptRows(): number {
    return this.rows.length / ASPECT_STRIDE;
  }

  get version(): string {
    return this.meta.version;
  }

  /** The model reads its neighbour clauses' n-grams (`neighbourFeatures`; see `neighbours`). */
  get readsNeighbours(): boolean {
    return this.meta.neighbourFeatures !== undefined;
  }

  get language(): 'zh' | 'en' {
    return this.meta.language;
  }

  get quantised(): { meta: AspectModelMetadata; weights: AspectQuantised } {
    return {
      meta: this.meta,
      weights: {
        present: this.present,
        rank: this.rank,
        rows: this.rows,
        steps: this.steps,
        ...(this.complaintHead ? { complaint: this.complaintHead.quantised } : {}),
      },
    };
  }

  /**
   * Raw logits of one clause, one per aspect (in `meta.aspects` order), then the service head's (models
   * with `polarityService`); null when no feature is known.
   * `pre`: the clause's features when the caller computed them with `meta.features` already;
   * `context`: its review's context sums (reviewContext; models with `reviewFeatures`).
   */
  logits(
    clause: string,
    keywords?: readonly Aspect[],
    pre?: FeatureView,
    context?: Float64Array | null,
  ): Float64Array | null {
    const { features, keywordFeatures } = this.meta;
    let view: FeatureView = this.buf;
    if (pre) view = pre;
    else featurise(clause, features, this.buf);
    const kw: readonly Aspect[] = keywordFeatures ? (keywords ?? clauseAspects(clause)) : [];
    const { ids, n } = view;
    if (n === 0) return null;
    const mask = (1 << this.tableBits) - 1;
    const { present, rank, rows } = this;
    // eight running sums (the row width): no inner loop, no array writes per n-gram
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]! & mask;
      const w = id >>> 5;
      const word = present[w]!;
      const bit = 1 << (id & 31);
      if ((word & bit) === 0) continue;
      const b = (rank[w]! + popcount(word & (bit - 1))) << 3;
      s0 += rows[b]!;
      s1 += rows[b + 1]!;
      s2 += rows[b + 2]!;
      s3 += rows[b + 3]!;
      s4 += rows[b + 4]!;
      s5 += rows[b + 5]!;
      s6 += rows[b + 6]!;
      s7 += rows[b + 7]!;
    }
    const sums = this.sums;
    const k = sums.length;
    const scale = 1 / Math.sqrt(n);
    const acc = this.acc;
    acc[0] = s0;
    acc[1] = s1;
    acc[2] = s2;
    acc[3] = s3;
    acc[4] = s4;
    acc[5] = s5;
    acc[6] = s6;
    acc[7] = s7;
    for (let j = 0; j < k; j++) sums[j] = acc[j]! * scale;
    if (context) for (let j = 0; j < k; j++) sums[j]! += context[j]!;
    for (const a of kw) {
      const kwId = this.kwRows[ASPECT_ORDER.indexOf(a)]!;
      const w = kwId >>> 5;
      const word = present[w]!;
      const bit = 1 << (kwId & 31);
      if ((word & bit) === 0) continue;
      const b = (rank[w]! + popcount(word & (bit - 1))) << 3;
      for (let j = 0; j < k; j++) sums[j]! += rows[b + j]!;
    }
    // the verdict × review context: only with the review's own context (reviewContext's array)
    if (this.verdictSums.length > 0 && context === this.context && this.reviewN > 0)
      for (const a of kw) {
        const v = ASPECT_ORDER.indexOf(a);
        if (v < 0 || v * k >= this.verdictSums.length) continue;
        const at = this.verdictOf(v, k);
        for (let j = 0; j < k; j++) sums[j]! += this.verdictSums[at + j]!;
      }
    if (this.cueRows)
      for (const id of cueIds(clause, this.meta.language, this.cueRows, this.cueExtra)) {
        const w = id >>> 5;
        const word = present[w]!;
        const bit = 1 << (id & 31);
        if ((word & bit) === 0) continue;
        const b = (rank[w]! + popcount(word & (bit - 1))) << 3;
        for (let j = 0; j < k; j++) sums[j]! += rows[b + j]!;
      }
    const biases = this.meta.weights.biases;
    const steps = this.steps;
    for (let j = 0; j < k; j++) sums[j] = biases[j]! + sums[j]! * steps[j]!;
    return sums;
  }

  /**
   * The review-context sums of a review (models with `reviewFeatures`, else null), in the table's int
   * steps, for `logits`/`detect` of each of its clauses; valid until the next call. `pre`: the review's
   * ids when the caller computed them with `reviewFeatures.features` (the sentiment model's buffer
   * right after it scored the review); `words`: its words, segmented already (zh).
   */
  reviewContext(review: string, pre?: FeatureView, words?: string[]): Float64Array | null {
    const rf = this.meta.reviewFeatures;
    if (!rf) return null;
    let view: FeatureView | undefined = pre;
    if (!view) {
      this.reviewBuf ??= new FeatureBuffer(rf.features.bits);
      featurise(review, rf.features, this.reviewBuf, false, words);
      view = this.reviewBuf;
    }
    const { ids, n } = view;
    const out = this.context;
    out.fill(0);
    if (this.verdictSums.length > 0) {
      if (this.reviewIds.length < n) this.reviewIds = new Int32Array(Math.max(n, 2 * this.reviewIds.length));
      this.reviewIds.set(ids.subarray(0, n));
      this.reviewN = n;
      this.verdictDone = 0;
    }
    if (n === 0) return out;
    const acc = this.saltedRowSums(ids, n, rf.salt);
    const scale = rf.scale / Math.sqrt(n);
    for (let j = 0; j < out.length; j++) out[j] = acc[j]! * scale;
    return out;
  }

  /**
   * Models with `neighbourFeatures` (else null): hashes each of a review's clauses once (`clauses`, in
   * order; `pre(i)`: clause i's ids when the caller hashed it with `meta.features` already) and sums, in
   * the table's int steps, what each gives its next clause (as the previous one) and its previous clause
   * (as the next one). The pass's `view(i)` and `context(i)` are then clause i's `pre` and `context` for
   * `logits`/`detect` (`context(i)` includes `review`, the review's context sums, when given); valid
   * until the next call.
   */
  neighbours(
    clauses: readonly string[],
    review?: Float64Array | null,
    pre?: (i: number) => FeatureView | undefined,
  ): NeighbourPass | null {
    const nf = this.meta.neighbourFeatures;
    if (!nf) return null;
    const pass = (this.pass ??= new NeighbourPass(this.sums.length, this.meta.aspects.length));
    const m = clauses.length;
    pass.reset(m);
    const [prevSalt, nextSalt] = nf.salts;
    for (let i = 0; i < m; i++) {
      let view = pre?.(i);
      if (!view) {
        featurise(clauses[i]!, this.meta.features, this.buf);
        view = this.buf;
      }
      pass.store(i, view);
      const { ids, n } = view;
      if (n === 0 || m === 1) continue;
      const scale = nf.scale / Math.sqrt(n);
      // the last clause is no one's previous, the first no one's next
      if (i < m - 1) this.saltedSums(ids, n, prevSalt, pass.asPrevious, i * pass.k, scale);
      if (i > 0) {
        if (nextSalt === prevSalt && i < m - 1)
          pass.asNext.set(pass.asPrevious.subarray(i * pass.k, (i + 1) * pass.k), i * pass.k);
        else this.saltedSums(ids, n, nextSalt, pass.asNext, i * pass.k, scale);
      }
    }
    pass.finish(review ?? null);
    return pass;
  }

  /**
   * The eight int sums of the table rows of `ids` moved by `salt` (ids whose row holds no weight skip),
   * in `this.acc`: the review's context and each neighbour clause's. Unrolled: it is on the scoring path.
   */
  private saltedRowSums(ids: Int32Array, n: number, salt: number): Float64Array {
    const { present, rank, rows } = this;
    const shift = 32 - this.tableBits;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < n; i++) {
      const id = Math.imul(ids[i]! ^ salt, 0x9e3779b1) >>> shift;
      const w = id >>> 5;
      const word = present[w]!;
      const bit = 1 << (id & 31);
      if ((word & bit) === 0) continue;
      const b = (rank[w]! + popcount(word & (bit - 1))) << 3;
      s0 += rows[b]!;
      s1 += rows[b + 1]!;
      s2 += rows[b + 2]!;
      s3 += rows[b + 3]!;
      s4 += rows[b + 4]!;
      s5 += rows[b + 5]!;
      s6 += rows[b + 6]!;
      s7 += rows[b + 7]!;
    }
    const acc = this.acc;
    acc[0] = s0;
    acc[1] = s1;
    acc[2] = s2;
    acc[3] = s3;
    acc[4] = s4;
    acc[5] = s5;
    acc[6] = s6;
    acc[7] = s7;
    return acc;
  }

  /** Where agent aspect v's verdict-context sums of the current review start in verdictSums (computed once per review). */
  private verdictOf(v: number, k: number): number {
    const at = v * k;
    if ((this.verdictDone & (1 << v)) === 0) {
      const vc = this.meta.verdictContext!;
      const acc = this.saltedRowSums(this.reviewIds, this.reviewN, vc.salts[v]!);
      const scale = vc.scale / Math.sqrt(this.reviewN);
      for (let j = 0; j < k; j++) this.verdictSums[at + j] = acc[j]! * scale;
      this.verdictDone |= 1 << v;
    }
    return at;
  }

  /** out[at..at+k) = scale · Σ of the table rows of `ids` moved by `salt` (the first k columns, int steps). */
  private saltedSums(ids: Int32Array, n: number, salt: number, out: Float64Array, at: number, scale: number): void {
    const acc = this.saltedRowSums(ids, n, salt);
    const k = Math.min(7, this.meta.aspects.length);
    for (let j = 0; j < k; j++) out[at + j] = acc[j]! * scale;
  }

  /** Calibrated P(aspect) of one clause for every aspect (meta.aspects order). */
  probabilities(clause: string): number[] {
    const z = this.logits(clause);
    return this.meta.aspects.map((_, j) => (z ? applyCalibration(this.meta.calibration[j]!, z[j]!) : 0));
  }

  /** The aspects a clause holds (P(aspect) ≥ its threshold), with their probability. */
  detect(
    clause: string,
    keywords?: readonly Aspect[],
    pre?: FeatureView,
    context?: Float64Array | null,
  ): ClauseAspect[] {
    const z = this.logits(clause, keywords, pre, context);
    if (!z) return [];
    const out: ClauseAspect[] = [];
    const { aspects, calibration, thresholds } = this.meta;
    const below = this.below;
    const service = this.meta.polarityService ? z[aspects.length] : undefined;
    for (let j = 0; j < aspects.length; j++) {
      const cal = calibration[j]!;
      // clearly under the threshold's logit: σ of it is under the threshold, no exp needed
      if (cal.a * z[j]! + cal.c < below[j]!) continue;
      const p = applyCalibration(cal, z[j]!);
      if (p < thresholds[j]!) continue;
      out.push(
        service === undefined
          ? { aspect: aspects[j]!, confidence: p }
          : { aspect: aspects[j]!, confidence: p, service },
      );
    }
    return out;
  }

  /**
   * P(positive | clause, aspect) from the sentiment model's calibrated P(positive) of the clause (and,
   * in a model with `polarityReview`, of the whole review: `review`; in a model with
   * `polarityService`, the clause's service-head logit `service` that `detect` gave); a clause in
   * another language than the model's was scored by another sentiment model: `p` stands.
   */
  polarity(aspect: Aspect, p: number, clause?: string, review?: number, service?: number): number {
    const j = this.meta.aspects.indexOf(aspect);
    const cal = this.meta.polarity[j];
    if (!cal || (clause !== undefined && detectLanguage(clause) !== this.meta.language)) return p;
    let u = cal.a * clippedLogit(p) + cal.c;
    const b = this.meta.polarityReview?.[j];
    if (b !== undefined && review !== undefined) u += b * clippedLogit(review);
    const h = this.meta.polarityService?.[j];
    if (h !== undefined && service !== undefined) u += h * service;
    return sigmoid(u);
  }
}

/** True when the aspect model hashes clauses exactly as `sentiment` does (the engine featurises once). */
export function sharesFeatures(meta: AspectModelMetadata, sentiment: FeatureSettings): boolean {
  return sameFeatures(meta.features, sentiment);
}

export function aspectWeightsVersion(language: string, weights: Float32Array): string {
  return `aspects-${language}@${hashBytes(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))}`;
}

/**
 * Reads a model directory written by `npm run train:aspects` (metadata.json + weights.bin).
 * @throws Error when a file is missing or inconsistent
 */
export function loadAspectModel(dir: string): AspectPredictor {
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as AspectModelMetadata;
  if (meta.format !== ASPECT_MODEL_FORMAT)
    throw new Error(`${dir}: unknown aspect model format ${String(meta.format)}`);
  const raw = readFileSync(join(dir, meta.weights.file));
  const weights = new Float32Array(raw.byteLength / 4);
  new Uint8Array(weights.buffer).set(raw);
  return new AspectPredictor(meta, weights);
}
