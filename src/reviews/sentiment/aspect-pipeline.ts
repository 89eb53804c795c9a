/**
 * One training run of the clause-level aspect model of one language (./aspect-model.ts), shared by
 * `npm run train:aspects` (training/train-aspects.ts writes the result to models/aspects-<lang>) and
 * the `train_aspects` job (src/jobs/processors/train-aspects.ts registers it as a candidate). Reads
 * files only (the labels of ./aspect-data.ts, the sentiment model of `sentimentDir`), no database, so
 * it runs in a job thread.
 *
 * Training rows:
 * - weak labels: clauses of the language's sentiment `train.csv` (never the evaluation set's rows,
 *   which come from dev.csv and test.csv), labelled by the keyword rules v2 — every clause with a hit
 *   and as many without (`weak` rows in all);
 * - the evaluation set's **dev** part (weight `devWeight`): per item and aspect, the clauses the
 *   keyword rules point to (or all clauses of a short item when none does) are positive, every clause
 *   of an item without the aspect is negative, and the whole text is one more row with the item's
 *   labels. The test part is never read here.
 * - hand labels on rows of train.csv (data/aspects/train-labels-<lang>.jsonl, `trainLabelsWeight`,
 *   default that of dev; `trainLabels: false` leaves them out): rows made like the dev rows, in every
 *   fit (folds included), never in the dev figures; their train.csv rows leave the weak rows.
 * - the project's own training texts (data/aspects/train-own-<lang>.jsonl; `ownTexts`, default that of
 *   `trainLabels`): made and weighted like the hand labels, in every fit, never in the dev figures.
 * - quality leads' corrections (the rows of `GET /v1/corrections/export`, texts masked;
 *   `correctionsWeight`): made like the dev rows; they join every fit and never the dev figures.
 * Calibration (Platt per aspect on the review-level max logit), the per-aspect thresholds (best dev
 * F1) and the aspect-conditioned polarity calibrations are fitted out of fold (`folds` folds of dev
 * items, each predicted by a model trained without it); the returned model is trained on all rows.
 */
import { join } from 'node:path';
import type { Tf } from '../../ml/tf.js';
import {
  ASPECT_MODEL_FORMAT,
  ASPECT_STRIDE,
  AspectPredictor,
  aspectWeightsVersion,
  type AspectModelMetadata,
  type NeighbourFeatureSettings,
  type VerdictContextSettings,
  type ReviewFeatureSettings,
} from './aspect-model.js';
import {
  type AspectEvalItem,
  DEFAULT_DATA_DIR,
  DEFAULT_LABELS_DIR,
  type Lang,
  loadAspectEvalSet,
  loadOwnTrainTexts,
  loadTrainLabels,
  readDomains,
  readReviews,
  TRAIN_FILE,
} from './aspect-data.js';
import { DEFAULT_ASPECT_TRAIN, featuriseClauses, nonZeroRows, trainAspectLinear } from './aspect-train.js';
import { AGENT_CONTROLLABLE, ASPECT_ORDER, clauseAspects, splitClauses, type Aspect } from './aspects.js';
import { clippedLogit, fitPlatt, fitPlatt2, identityCalibration, sigmoid, type Calibration } from './calibration.js';
import type { FeatureSettings } from './features.js';
import { readLabelledCsv } from './data.js';
import { loadPredictor } from './predictor.js';
import {
  bestAtRecall,
  complaintRows,
  fitComplaintHead,
  trainComplaintLinear,
  type ComplaintHeadFit,
  type ComplaintHeadSettings,
  type ComplaintRow,
} from './complaint-head.js';
import { rng } from './train.js';

export interface AspectTrainSettings {
  /** weak rows (keyword-labelled clauses of train.csv; default 40,000 zh / 30,000 en) */
  weak?: number | undefined;
  weakWeight?: number | undefined;
  devWeight?: number | undefined;
  keywordFeatures?: boolean | undefined;
  l2?: number | undefined;
  learningRate?: number | undefined;
  epochs?: number | undefined;
  /** out-of-fold folds of the dev items (default 3) */
  folds?: number | undefined;
  /** the hand labels on train.csv rows (default true) */
  trainLabels?: boolean | undefined;
  trainLabelsWeight?: number | undefined;
  /** the project's own training texts, data/aspects/train-own-<lang>.jsonl (default: as `trainLabels`; weight as the hand labels) */
  ownTexts?: boolean | undefined;
  correctionsWeight?: number | undefined;
  /** place a labelled review's aspects on its clauses by cue words where the rules point to none (default true) */
  cues?: boolean | undefined;
  /** the cue patterns of aspect-model.ts (ASPECT_CUES) as features (default true) */
  cueFeatures?: boolean | undefined;
  /** with cueFeatures, the extra cue patterns of aspect-model.ts too (ASPECT_CUES_EXTRA; default false) */
  cueExtra?: boolean | undefined;
  /**
   * false (the default): a weak row's "no" for an agent aspect is unknown — only the labelled rows
   * teach where the agent aspects are absent, so the keyword rules' misses are not taught as absences
   */
  weakAgentNegatives?: boolean | undefined;
  /** a weak row's "no" is unknown where a narrow cue of the aspect matches (default true) */
  weakDoubt?: boolean | undefined;
  /**
   * the clause's polarity reads the whole review's sentiment too (`polarityReview`; default false:
   * tried on zh, it raised the out-of-fold complaint precision on dev but turned the praised clause of
   * a mixed review negative — "衣服质量很好，但是客服态度太差了" — and gained nothing on test)
   */
  reviewPolarity?: boolean | undefined;
  /**
   * a service-polarity head in the table's eighth column (`polarityService`; default false): a linear
   * P(positive) over the same clause features, fitted on the agent-aspect clauses of the labelled
   * rows (dev in fold, every hand label and own text, corrections), read beside the sentiment logit
   * in the agent aspects' polarity; its L2 is chosen out of fold on dev among `serviceHeadL2`
   */
  serviceHead?: boolean | undefined;
  /** the head's L2 candidates (default 1e-5, 1e-4, 1e-3): the best out-of-fold complaint precision at recall ≥ complaintRecall wins */
  serviceHeadL2?: readonly number[] | undefined;
  /**
   * weight of the service head's weak rows (default 0: none): clauses of train.csv in which the keyword
   * rules see an agent aspect, labelled with their review's sentiment label (at most 20,000)
   */
  serviceHeadWeak?: number | undefined;
  /**
   * which table rows the service head may use: 'all' (the default) or 'aspect' — only the rows the
   * aspect columns of the same fit hold (the others are zeroed in its training), so the head adds no
   * row to the packed table; out of fold, each fold's head reads the rows of that fold's aspect model
   */
  serviceHeadRows?: 'all' | 'aspect' | undefined;
  /**
   * only the first N hand labels (file order) in the aspect columns' fits (default all); the service
   * head reads them all — rebuilds a shipped model's aspect columns with a head beside them
   */
  trainLabelsLimit?: number | undefined;
  /**
   * a weak row's "yes" for returns handling where the clause is a customer's own return with no staff
   * (RETURN_INTENT): 'unknown' (left out of the loss) or 'negative'; default false (kept)
   */
  weakIntent?: false | 'unknown' | 'negative' | undefined;
  /**
   * only the first N own training texts (file order) in every fit, the service head's included (default
   * all): a model trained before texts were appended rebuilds with the texts it read (its recipe's
   * `ownTexts.items`)
   */
  ownTextsLimit?: number | undefined;
  /**
   * training-only corrections of the weak rows' agent-aspect "yes" where the keyword rules read a cue
   * the evaluation set's guidelines do not (WEAK_FIXES: a customer's own return or postage, an invoice
   * nobody was asked for, a device's or a room's speed, a courier's or the platform's service):
   * 'unknown' (left out of the loss) or 'negative'; default false (kept). Never a detector: the keyword
   * rules, the baseline, are unchanged
   */
  weakFixes?: false | 'unknown' | 'negative' | undefined;
  /**
   * training-only (issue 18, twelfth session): a weak row's agent-aspect "yes" where its train.csv review
   * belongs to one of these values of the file's `domain` column (en: books, dvd — reviews of a book or a
   * film, whose "staff", "agent", "salesman" or "return" are content, not people serving the customer) is
   * `weakDomainsLabel` instead. Default none. The keyword rules, the baseline, are unchanged. A file
   * without a `domain` column is read by its `cat` column (zh: 书籍, 水果, 蒙牛 …, `readDomains`); one with
   * neither is untouched
   */
  weakDomains?: readonly string[] | undefined;
  /** with weakDomains: 'negative' (a "no", the default) or 'unknown' (left out of the loss) */
  weakDomainsLabel?: 'unknown' | 'negative' | undefined;
  /**
   * the fewest dev clauses an aspect's polarity is re-calibrated on (default 20; fewer: the sentiment
   * model's own P(positive)); the agent aspects' fit with the service head keeps 20. A Platt fit on a
   * few dozen clauses takes on the dev part's prior (en logistics: 30 clauses, 4 positive, turned
   * "Shipping was fast" from 0.996 to 0.49)
   */
  polarityMinClauses?: number | undefined;
  /**
   * the recall the agent's-complaint threshold (and the service head's L2) must reach out of fold on
   * dev (default 0.75, the goal's): a higher one leaves a margin for the small dev part, whose
   * threshold lost recall on test (en: 56 dev complaints)
   */
  complaintRecall?: number | undefined;
  /**
   * review-context features (AspectModelMetadata.reviewFeatures; issue 18, eighth session): each
   * clause row also reads its review's n-grams hashed as the sentiment model hashes them, worth this
   * much together (e.g. 1); absent or 0: the clause alone
   */
  reviewFeatures?: number | undefined;
  /** with reviewFeatures: a review n-gram's row is a feature only when read in at least this many distinct training reviews (default 1: all) */
  reviewFeaturesMinReviews?: number | undefined;
  /** with reviewFeatures: 'labelled' — only the labelled rows (dev, hand labels, own texts, corrections) read their review's context in training, the weak rows do not (default 'all') */
  reviewFeaturesRows?: 'all' | 'labelled' | undefined;
  /**
   * neighbour-clause features (AspectModelMetadata.neighbourFeatures; issue 18, eleventh session): each
   * clause row also reads the n-grams of the clause before it and of the one after it in its review
   * (hashed as its own, moved to rows of their own), each neighbour worth this much (e.g. 0.5); absent
   * or 0: none
   */
  neighbourFeatures?: number | undefined;
  /** with neighbourFeatures: one set of rows for both sides (previous and next read alike; 2 lookups per id instead of 3) */
  neighbourFeaturesShared?: boolean | undefined;
  /** with neighbourFeatures: 'labelled' — only the labelled rows read their neighbours in training, the weak rows do not (default 'all') */
  neighbourFeaturesRows?: 'all' | 'labelled' | undefined;
  /**
   * the keyword verdict × review context (AspectModelMetadata.verdictContext; issue 18, twelfth session;
   * needs reviewFeatures, not with neighbourFeatures): a clause in which the keyword rules see an agent
   * aspect also reads its review's n-grams in rows of that aspect's own, worth this much together (e.g.
   * 0.5). Only the labelled rows read it in training (the weak rows' labels are the verdicts themselves).
   * Absent or 0: none
   */
  verdictContext?: number | undefined;
  /**
   * a review-level complaint head stacked with the aspect route (AspectModelMetadata.complaintHead,
   * ./complaint-head.ts; issue 18, ninth session; default false): a logistic model over the review's
   * n-grams hashed as the sentiment model hashes them, trained on the labelled reviews'
   * agent_complaint (dev in fold, every hand label and own text, corrections), read with the route's
   * score through σ(a·logit(route) + b·direct + c) fitted out of fold on dev; the complaint threshold
   * is then the stacked score's. The aspect hits and polarities are unchanged.
   */
  complaintHead?: boolean | undefined;
  /** its L2 candidates (default 1e-7, 1e-6, 3e-6, 1e-5, 1e-4): the best out-of-fold stacked complaint precision at recall ≥ complaintRecall wins */
  complaintHeadL2?: readonly number[] | undefined;
  /**
   * the complaint head reads the own texts file's first N (issue 18, thirteenth session; default: the
   * own texts the aspect columns read, ownTextsLimit). The aspect columns are unchanged.
   */
  complaintHeadOwnTexts?: number | undefined;
}

/** Where a run's settings started from (./aspect-recipe.ts), stored in its metadata as `training.recipe`. */
export interface RecipeOrigin {
  /** a registered version id, a metadata file, or 'defaults' (trainAspectModel's own) */
  from: string;
  /** the settings given on top of it */
  overrides: Record<string, unknown>;
}

export interface TrainAspectsInput {
  language: Lang;
  /** the shared review data (default ../shared/data/reviews beside the repository) */
  dataDir?: string | undefined;
  /** the committed labels (default data/aspects of the repository) */
  labelsDir?: string | undefined;
  /** the sentiment model whose clause P(positive) the polarity calibrations re-calibrate */
  sentimentDir: string;
  /** the corrections' training rows (`correctionItems` of a corrections export) */
  corrections?: AspectEvalItem[] | undefined;
  settings?: AspectTrainSettings | undefined;
  /** how it was run (stored in the metadata) */
  command: string;
  /** the recipe the settings started from (./aspect-recipe.ts; stored in the metadata as `training.recipe`) */
  recipe?: RecipeOrigin | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface OutOfFoldFigure {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface TrainedAspects {
  meta: AspectModelMetadata;
  weights: Float32Array;
  /** per aspect on the dev part, out of fold, and the agent aspects' micro F1 */
  figures: { dev_out_of_fold: Record<string, OutOfFoldFigure>; agent_f1: number; complaint: Record<string, number> };
  /**
   * per dev item: its calibrated out-of-fold P(aspect) (ASPECT_ORDER) and complaint score (the aspect
   * route's), for reading the errors; with the complaint head also its out-of-fold direct logit and
   * stacked P(complaint)
   */
  outOfFold: Array<{ id: string; probabilities: number[]; complaint: number; direct?: number; stacked?: number }>;
}

const K = ASPECT_ORDER.length;
const round = (x: number) => Math.round(x * 1000) / 1000;

/** The hashing of the aspect model of each language (fixed: the shipped models were trained with it). */
export function aspectFeatureSettings(lang: Lang): FeatureSettings {
  return lang === 'zh'
    ? { language: 'zh', bits: 18, seed: 1818, charNgrams: [1, 3], wordNgrams: null, maxChars: 400 }
    : { language: 'en', bits: 18, seed: 1818, charNgrams: [3, 5], wordNgrams: [1, 2], maxChars: 1000 };
}

/**
 * Where in a labelled review an aspect the keyword rules do not point to is likely said: wide cue
 * words per aspect and language (our own, used only to place a review's label on its clauses when
 * training; never a detector). Aspects without cues here are left unplaced.
 */
const CUES: Record<Lang, Partial<Record<Aspect, RegExp>>> = {
  zh: {
    service_attitude:
      /服务|态度|热情|耐心|礼貌|客气|友善|周到|客服|前台|服务员|服务生|小姐|员工|人员|店员|师傅|老板|掌柜|卖家|商家|店家|推诿|敷衍|一问三不知|踢皮球|爱理不理/,
    response_speed:
      /慢|快|等|分钟|小时|半天|回音|回复|答复|回应|理睬|搭理|不理|没人|无人|反应|速度|及时|迅速|迅捷|效率|秒|立即|马上|拖|排在|排队|催|迟|才来|打不通|接电话/,
    returns_handling: /退|换货|换机|维修|修理|保修|售后|补发|补偿|赔|发票|价保|差价|审核|到账|返厂/,
    logistics: /快递|物流|送货|送到|送来|发货|到货|收到|配送|骑手|小哥|派送/,
  },
  en: {
    service_attitude:
      /\b(service|staff|reps?|representatives?|agents?|support|clerks?|rude|helpful|polite|friendly|courteous|manager|employees?|told me|said)\b/i,
    response_speed:
      /\b(wait(ed|ing)?|on hold|hold time|hours?|minutes?|days|weeks?|respon\w*|repl(y|ied|ies)|answer\w*|never heard|heard back|call(ed)? back|get back|got back|quick(ly)?|fast|slow|prompt(ly)?|immediately|took)\b/i,
    returns_handling: /\b(return\w*|refund\w*|exchang\w*|replac\w*|warranty|repair\w*|rma|money back|credit)\b/i,
    logistics: /\b(ship\w*|deliver\w*|arriv\w*|package|parcel|ups|fedex|usps|tracking|courier)\b/i,
  },
};

/**
 * Narrow cues of an agent aspect the keyword rules may miss (a wait counted in minutes, nobody
 * answering, a queue position, the speed of check-in or of serving): a weak row's "no" for that
 * aspect is not trusted where one matches (the label is unknown), so the keyword labels do not teach
 * the model the rules' blind spots. Training only.
 */
const WEAK_DOUBT: Record<Lang, Partial<Record<Aspect, RegExp>>> = {
  zh: {
    response_speed:
      /(等了?|用了|花了|拖了)[^，。！？,.!?]{0,6}(分钟|小时|钟头|半天)|(分钟|小时)了?(还|才|都)|没人(理|管|接|回|搭理)|无人(理|管|问津|接)|不理睬|没(有)?回音|排在第|(反应|响应)[^，。,.]{0,3}(快|慢|迅速|及时)|(入住|退房|结[帐账]|上菜|办理|登记|审核)[^，。,.]{0,4}(快|慢|迅速|迅捷|及时|效率)|秒(回|通过|到账)|打不通|没人接/,
  },
  en: {
    response_speed:
      /\b(on hold|hold time|never (heard|got) back|no (response|reply|answer|call back)|(didn't|did not|never|don't|doesn't|won't|wouldn't) (respond|reply|answer|call( me)? back|get back)|took (\w+ ){0,2}(hours|days|weeks) to (respond|reply|answer|get back)|respond(ed|s)? (quickly|promptly|immediately|right away|within)|prompt(ly)? (response|reply)|quick (response|reply))\b/i,
  },
};

/**
 * A customer's own return, exchange or refund (本来想退货, 懒得退了, 退换货太麻烦, 过了七天不能退) in a
 * clause that names no staff and no handling by them: the keyword rules read returns handling there,
 * the evaluation set's guidelines do not (a product review that mentions returning is not the agent's).
 * With `weakIntent`, a weak row's "yes" for returns handling is not trusted where INTENT matches and
 * STAFF does not. Training only; our own patterns, never a detector.
 */
const RETURN_INTENT: Record<Lang, { intent: RegExp; staff: RegExp } | undefined> = {
  zh: {
    intent:
      /(想|要|准备|打算|决定|考虑|本想|差点|懒得|只好|只能|得|要不就|还是|直接|就)[^，。！？,.!?\s]{0,3}(退|换)|退换货?[^，。！？,.!?]{0,2}(麻烦|费劲|费事)|能退[货的]?都退|退了[^，。！？,.!?]{0,2}(重新|再)|(不能|没法|无法|退不了)[^，。！？,.!?]{0,2}退|过了[^，。！？,.!?]{0,6}(退|换)/,
    staff:
      /客服|售后|商家|卖家|店家|掌柜|老板|工作人员|店员|服务员|前台|经理|师傅|人员|他们|你们|对方|答应|同意|拒绝|不给|不让|给退|给换|给我|处理|没人|理|说|顺利|快|及时|理由/,
  },
  en: undefined,
};

/** A clause that is a customer's own return with no staff in it (RETURN_INTENT; false in a language without patterns). */
export function isOwnReturn(clause: string, lang: Lang): boolean {
  const p = RETURN_INTENT[lang];
  if (!p) return false;
  return p.intent.test(clause) && !p.staff.test(clause);
}

/**
 * Issue 18, tenth session (zh): per agent aspect, clause patterns where the keyword rules' "yes" is a
 * cue the guidelines do not read as the agent's (found in the out-of-fold dev errors): a customer's own
 * return, exchange, repair or postage (退换还要自己出邮费, 我要申请退货, 果断退回, 要求退差价, 寄到维修点);
 * an invoice missing with no one asked (没发票); a device's or a room's speed (反应慢, 网速, 流速); a
 * service named beside a courier, or the platform's returns (京东退换货太费劲). `staff` (any agent
 * aspect): a clause naming staff or what they did is left as the rules read it. Training only, with
 * `weakFixes`; our own patterns, never a detector.
 */
const WEAK_FIXES: Record<Lang, { fixes: Partial<Record<Aspect, RegExp>>; staff: RegExp } | undefined> = {
  zh: {
    fixes: {
      returns_handling:
        /(自己|我|客户|买家)[^，。！？,.!?]{0,4}(出|付|承担|掏|负担)[^，。！？,.!?]{0,3}(邮费|运费|快递费)|(我|想|要|准备|打算|只好|只能|果断|直接)[^，。！？,.!?]{0,3}申请(退|换|售后|维修|返修)|果断退|(要求|申请|想)退差价|寄(到|去|回)[^，。！？,.!?]{0,3}(维修|修理|售后)|发票|(京东|当当|亚马逊|淘宝|天猫|平台)[^，。！？,.!?]{0,3}(的)?退换/,
      response_speed:
        /(手机|电脑|屏幕|系统|机器|机子|软件|触屏|触摸|开机|运行|网速|网络|信号|流速|水流|电梯|充电|反应迟钝)|^(反应|响应)[^，。！？,.!?]{0,3}(慢|快|迟钝|灵敏)/,
      service_attitude: /(快递|物流|骑手|送货|配送|快递员|外卖小哥|驿站|京东|当当|亚马逊|平台)[^，。！？,.!?]{0,8}服务/,
    },
    staff:
      /客服|售后|商家|卖家|店家|掌柜|老板|工作人员|店员|服务员|前台|经理|师傅|人员|他们|你们|对方|答应|同意|拒绝|不给|不让|给退|给换|给我|没人|理我|回复|答复|联系|说/,
  },
  en: undefined,
};

/** The agent aspect a weak row's "yes" should not be trusted for (WEAK_FIXES), else false. */
export function weakFixed(clause: string, aspect: Aspect, lang: Lang): boolean {
  const p = WEAK_FIXES[lang];
  const fix = p?.fixes[aspect];
  if (!p || !fix) return false;
  return fix.test(clause) && !p.staff.test(clause);
}

/** A clause row's label for an aspect that says nothing (the loss leaves it out). */
export const UNKNOWN_LABEL = -1;

/**
 * Labelled items as clause rows: per item and aspect, the clauses the keyword rules point to are
 * positive and its other clauses negative; when the rules point to none, an item of at most two
 * clauses has every clause positive; a longer one (with `cues`, the default) has the clauses its
 * language's cue words point to positive and the rest unknown (`UNKNOWN_LABEL`, left out of the
 * loss), or all of them unknown when no cue matches — never negative, since one of them holds the
 * aspect. Clauses of an item without the aspect are negative. An item of several clauses is one
 * more row, the whole text with its labels.
 */
export function labelledRows(
  items: readonly AspectEvalItem[],
  lang?: Lang,
  cues = true,
): {
  texts: string[];
  labels: number[][];
  from: number[];
  /** per row: the clause before it in its item (undefined: the first clause, or a whole-text row) */
  previous: (string | undefined)[];
  /** per row: the clause after it in its item (undefined: the last clause, or a whole-text row) */
  next: (string | undefined)[];
} {
  const texts: string[] = [];
  const labels: number[][] = [];
  /** per row: the index of its item */
  const from: number[] = [];
  const previous: (string | undefined)[] = [];
  const next: (string | undefined)[] = [];
  for (const [n, it] of items.entries()) {
    const clauses = splitClauses(it.text).map((c) => c.text);
    const kw = clauses.map((c) => new Set(clauseAspects(c)));
    const per = clauses.map(() => new Array<number>(K).fill(0));
    ASPECT_ORDER.forEach((a, j) => {
      if (it.aspects[a] === undefined) return;
      const pointed = kw.map((s, i) => (s.has(a) ? i : -1)).filter((i) => i >= 0);
      if (pointed.length > 0) for (const i of pointed) per[i]![j] = 1;
      else if (clauses.length <= 2) for (const row of per) row[j] = 1;
      else if (cues) {
        const cue = CUES[lang ?? (/[\u4e00-\u9fff]/.test(it.text) ? 'zh' : 'en')][a];
        clauses.forEach((c, i) => (per[i]![j] = cue?.test(c) ? 1 : UNKNOWN_LABEL));
      }
    });
    clauses.forEach((c, i) => {
      texts.push(c);
      labels.push(per[i]!);
      from.push(n);
      previous.push(clauses[i - 1]);
      next.push(clauses[i + 1]);
    });
    if (clauses.length > 1) {
      texts.push(it.text);
      labels.push(ASPECT_ORDER.map((a) => (it.aspects[a] !== undefined ? 1 : 0)));
      from.push(n);
      previous.push(undefined);
      next.push(undefined);
    }
  }
  return { texts, labels, from, previous, next };
}

/** A polarity as the P(positive) the polarity calibrations are fitted to. */
const POLARITY_TARGET = { positive: 1, negative: 0, neutral: 0.5, mixed: 0.25 } as const;

/**
 * The service head's rows: the rows of labelledRows that hold an agent aspect (clauses placed on one,
 * and whole texts), each with the P(positive) of its item's agent aspects (the lowest when it holds
 * several: a complaint beside praise is a complaint).
 */
export function serviceRows(
  items: readonly AspectEvalItem[],
  lang?: Lang,
  cues = true,
): { texts: string[]; targets: number[] } {
  const rows = labelledRows(items, lang, cues);
  const texts: string[] = [];
  const targets: number[] = [];
  rows.texts.forEach((t, r) => {
    let target = Number.POSITIVE_INFINITY;
    ASPECT_ORDER.forEach((a, j) => {
      const pol = items[rows.from[r]!]!.aspects[a];
      if (AGENT_CONTROLLABLE.has(a) && rows.labels[r]![j] === 1 && pol) target = Math.min(target, POLARITY_TARGET[pol]);
    });
    if (!Number.isFinite(target)) return;
    texts.push(t);
    targets.push(target);
  });
  return { texts, targets };
}

/** Keyword-labelled clauses of train.csv (rows in `skip` left out): every clause with a hit and as many without, up to `cap`. */
function weakRows(
  file: string,
  skip: ReadonlySet<number>,
  cap: number,
  doubt?: Partial<Record<Aspect, RegExp>>,
  agentNegatives = false,
  /** with `intent` (UNKNOWN_LABEL or 0), a clause that isOwnReturn gets it for returns handling */
  intent?: { lang: Lang; label: number },
  /** with `fixes` (UNKNOWN_LABEL or 0), an agent aspect's "yes" that weakFixed doubts gets it */
  fixes?: { lang: Lang; label: number },
  /** with `domains`, an agent aspect's "yes" in a clause of a review of one of `domains.names` gets `domains.label` */
  domains?: { names: ReadonlySet<string>; label: number },
): {
  texts: string[];
  labels: number[][];
  /** per row: the review it comes from */
  reviews: string[];
  /** per row: the clause before it and the one after it in its review (undefined: none) */
  previous: (string | undefined)[];
  next: (string | undefined)[];
  hit: number;
  miss: number;
  doubted: number;
  intents: number;
  fixed: number;
  /** agent-aspect labels changed by `domains` */
  domained: number;
} {
  const random = rng(1818);
  const hit: string[] = [];
  const miss: string[] = [];
  // a clause's review, by the clause's place (shuffled along with it below)
  const hitOf: string[] = [];
  const missOf: string[] = [];
  // a clause's neighbours in its review, by the clause's place (shuffled along with it)
  const hitSides: Array<[string | undefined, string | undefined]> = [];
  const missSides: Array<[string | undefined, string | undefined]> = [];
  // with `domains`: the reviews of those domains (by text: a review's clauses carry it through the shuffle)
  const inDomain = new Set<string>();
  const domainOf = domains ? readDomains(file) : [];
  for (const [row, review] of readReviews(file).entries())
    if (!skip.has(row)) {
      if (domains?.names.has(domainOf[row] ?? '')) inDomain.add(review);
      const clauses = splitClauses(review);
      clauses.forEach((c, i) => {
        const sides: [string | undefined, string | undefined] = [clauses[i - 1]?.text, clauses[i + 1]?.text];
        if (clauseAspects(c.text).length > 0) {
          hit.push(c.text);
          hitOf.push(review);
          hitSides.push(sides);
        } else {
          miss.push(c.text);
          missOf.push(review);
          missSides.push(sides);
        }
      });
    }
  const shuffle = (xs: string[], of: string[], sides: Array<[string | undefined, string | undefined]>) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      [of[i], of[j]] = [of[j]!, of[i]!];
      [sides[i], sides[j]] = [sides[j]!, sides[i]!];
    }
  };
  shuffle(hit, hitOf, hitSides);
  shuffle(miss, missOf, missSides);
  const take = [...hit.slice(0, Math.ceil(cap / 2)), ...miss.slice(0, Math.floor(cap / 2))];
  const reviews = [...hitOf.slice(0, Math.ceil(cap / 2)), ...missOf.slice(0, Math.floor(cap / 2))];
  const sides = [...hitSides.slice(0, Math.ceil(cap / 2)), ...missSides.slice(0, Math.floor(cap / 2))];
  let doubted = 0;
  let intents = 0;
  let fixed = 0;
  let domained = 0;
  const labels = take.map((t, row) => {
    const found = new Set(clauseAspects(t));
    const domain = domains !== undefined && inDomain.has(reviews[row]!);
    const ownReturn = intent !== undefined && found.has('returns_handling') && isOwnReturn(t, intent.lang);
    if (ownReturn) intents++;
    return ASPECT_ORDER.map((a) => {
      if (ownReturn && a === 'returns_handling') return intent.label;
      if (found.has(a) && fixes !== undefined && AGENT_CONTROLLABLE.has(a) && weakFixed(t, a, fixes.lang)) {
        fixed++;
        return fixes.label;
      }
      if (found.has(a) && domain && AGENT_CONTROLLABLE.has(a)) {
        domained++;
        return domains.label;
      }
      if (found.has(a)) return 1;
      if (!agentNegatives && AGENT_CONTROLLABLE.has(a)) return UNKNOWN_LABEL;
      if (doubt?.[a]?.test(t)) {
        doubted++;
        return UNKNOWN_LABEL;
      }
      return 0;
    });
  });
  return {
    texts: take,
    labels,
    reviews,
    previous: sides.map((x) => x[0]),
    next: sides.map((x) => x[1]),
    hit: hit.length,
    miss: miss.length,
    doubted,
    intents,
    fixed,
    domained,
  };
}

/** At most `cap` of the (text, target) rows, in the order of a seeded shuffle (Fisher–Yates, mulberry32). */
function seededTake(rows: Array<[string, number]>, seed: number, cap: number): { texts: string[]; targets: number[] } {
  const random = rng(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const take = rows.slice(0, cap);
  return { texts: take.map((r) => r[0]), targets: take.map((r) => r[1]) };
}

/**
 * The service head's weak rows: clauses of train.csv (rows in `skip` left out) in which the keyword
 * rules see an agent aspect, with their review's label (1 positive, 0 negative); at most `cap`, seeded.
 */
export function weakServiceRows(
  file: string,
  skip: ReadonlySet<number>,
  cap: number,
): { texts: string[]; targets: number[] } {
  const rows: Array<[string, number]> = [];
  for (const [row, r] of readLabelledCsv(file).entries())
    if (!skip.has(row))
      for (const c of splitClauses(r.review))
        if (clauseAspects(c.text).some((a) => AGENT_CONTROLLABLE.has(a))) rows.push([c.text, r.label]);
  return seededTake(rows, 1819, cap);
}

/** The neighbour-clause features' salts (NeighbourFeatureSettings.salts): the previous clause's, the next one's. */
export const NEIGHBOUR_SALTS: readonly [number, number] = [0x0b1e18, 0x0a1f18];

/** The verdict-context salts (VerdictContextSettings.salts), one per agent aspect in ASPECT_ORDER. */
export const VERDICT_SALTS: readonly number[] = [0x7e1d18, 0x7e2d18, 0x7e3d18];

/** The complaint head's salt (ComplaintHeadSettings.salt): mixed into each review id before its table row. */
export const COMPLAINT_SALT = 0x0c0a18;
/** The complaint head's table: 2^18 rows. */
export const COMPLAINT_TABLE_BITS = 18;

/**
 * The complaint head's weak rows: reviews of train.csv (rows in `skip` left out) of which a clause names
 * an agent aspect by the keyword rules, targeted 1 (the agent's complaint) when the review is negative
 * and 0 when positive; at most `cap`, seeded.
 */
export function complaintWeakRows(
  file: string,
  skip: ReadonlySet<number>,
  cap: number,
): { texts: string[]; targets: number[] } {
  const rows: Array<[string, number]> = [];
  for (const [row, r] of readLabelledCsv(file).entries())
    if (
      !skip.has(row) &&
      splitClauses(r.review).some((c) => clauseAspects(c.text).some((a) => AGENT_CONTROLLABLE.has(a)))
    )
      rows.push([r.review, 1 - r.label]);
  return seededTake(rows, 1820, cap);
}

/** The best-F1 threshold of each aspect over calibrated review-level probabilities (out of fold). */
function chooseThresholds(
  probsOf: (j: number) => number[],
  gold: (i: number, a: Aspect) => number,
): { thresholds: number[]; figures: Record<string, OutOfFoldFigure>; agentF1: number } {
  const agent = { tp: 0, fp: 0, fn: 0 };
  const figures: Record<string, OutOfFoldFigure> = {};
  const thresholds = ASPECT_ORDER.map((a, j) => {
    const probs = probsOf(j);
    let best = { t: 0.5, f1: -1, p: 0, r: 0, tp: 0, fp: 0, fn: 0 };
    for (let t = 0.1; t <= 0.9001; t += 0.025) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      probs.forEach((p, i) => {
        const g = gold(i, a) === 1;
        if (p >= t) g ? tp++ : fp++;
        else if (g) fn++;
      });
      const prec = tp + fp ? tp / (tp + fp) : 0;
      const rec = tp + fn ? tp / (tp + fn) : 0;
      const f1 = prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
      if (f1 > best.f1) best = { t, f1, p: prec, r: rec, tp, fp, fn };
    }
    figures[a] = { threshold: round(best.t), precision: round(best.p), recall: round(best.r), f1: round(best.f1) };
    if (j < 3) for (const key of ['tp', 'fp', 'fn'] as const) agent[key] += best[key];
    return round(best.t);
  });
  const agentF1 = round((2 * agent.tp) / Math.max(1, 2 * agent.tp + agent.fp + agent.fn));
  return { thresholds, figures, agentF1 };
}

/**
 * Trains one language's aspect model (see the file comment).
 * @throws Error when a data or label file is missing or does not join
 */
export async function trainAspectModel(tf: Tf, input: TrainAspectsInput): Promise<TrainedAspects> {
  const started = performance.now();
  const lang = input.language;
  const o = input.settings ?? {};
  const log = input.log ?? (() => {});
  const dataDir = input.dataDir ?? DEFAULT_DATA_DIR;
  const labelsDir = input.labelsDir ?? DEFAULT_LABELS_DIR;
  const settings = aspectFeatureSettings(lang);
  const train = {
    ...DEFAULT_ASPECT_TRAIN,
    log,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.l2 !== undefined ? { l2: o.l2 } : {}),
    ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
  };
  const keywordFeatures = o.keywordFeatures ?? true;
  const cues = o.cues ?? true;
  const cueFeatures = o.cueFeatures ?? true;
  const cueExtra = cueFeatures && (o.cueExtra ?? false);
  const weakWeight = o.weakWeight ?? 1;
  const devWeight = o.devWeight ?? 4;
  const source = TRAIN_FILE[lang];
  const complaintRecall = o.complaintRecall ?? 0.75;
  const polarityMinClauses = o.polarityMinClauses ?? 20;
  const sentiment = loadPredictor(input.sentimentDir);
  const reviewFeatures: ReviewFeatureSettings | undefined = o.reviewFeatures
    ? { features: sentiment.meta.features, salt: 0x5eed18, scale: o.reviewFeatures }
    : undefined;
  const neighbourFeatures: NeighbourFeatureSettings | undefined = o.neighbourFeatures
    ? {
        salts: o.neighbourFeaturesShared ? [NEIGHBOUR_SALTS[0], NEIGHBOUR_SALTS[0]] : [...NEIGHBOUR_SALTS],
        scale: o.neighbourFeatures,
      }
    : undefined;
  if (o.verdictContext && (!reviewFeatures || neighbourFeatures || o.keywordFeatures === false))
    throw new Error('verdictContext needs reviewFeatures and keywordFeatures, and not neighbourFeatures');
  const verdictContext: VerdictContextSettings | undefined =
    o.verdictContext && reviewFeatures ? { salts: [...VERDICT_SALTS], scale: o.verdictContext } : undefined;

  // ---- hand labels on train.csv rows (their rows leave the weak rows)
  const serviceHead = o.serviceHead ?? false;
  const allHand = o.trainLabels === false && !serviceHead ? [] : loadTrainLabels(lang, dataDir, labelsDir);
  const handLabelled = o.trainLabels === false ? [] : allHand.slice(0, o.trainLabelsLimit ?? allHand.length);
  const handRows = new Set(handLabelled.map((it) => it.src!.row));
  const useOwn = o.ownTexts ?? o.trainLabels !== false;
  // the service head reads the own texts whatever the aspect columns read
  const allOwn = useOwn || serviceHead ? loadOwnTrainTexts(lang, labelsDir).slice(0, o.ownTextsLimit) : [];
  const ownTexts = useOwn ? allOwn : [];
  const weakDoubt = o.weakDoubt ?? true;
  const weakIntent = o.weakIntent ?? false;
  const weakFixes = o.weakFixes ?? false;
  const weakDomains = o.weakDomains !== undefined && o.weakDomains.length > 0 ? [...o.weakDomains] : undefined;
  const weak = weakRows(
    join(dataDir, source),
    handRows,
    o.weak ?? (lang === 'zh' ? 40000 : 30000),
    weakDoubt ? WEAK_DOUBT[lang] : undefined,
    o.weakAgentNegatives ?? false,
    weakIntent ? { lang, label: weakIntent === 'negative' ? 0 : UNKNOWN_LABEL } : undefined,
    weakFixes ? { lang, label: weakFixes === 'negative' ? 0 : UNKNOWN_LABEL } : undefined,
    weakDomains
      ? { names: new Set(weakDomains), label: o.weakDomainsLabel === 'unknown' ? UNKNOWN_LABEL : 0 }
      : undefined,
  );
  log(
    `weak rows ${weak.texts.length} (clauses with a keyword hit ${weak.hit}, without ${weak.miss}; ${weak.doubted} labels left unknown; ${weak.intents} customers' own returns ${weakIntent || 'kept'}${weakFixes ? `; ${weak.fixed} agent labels fixed ${weakFixes}` : ''}${weakDomains ? `; ${weak.domained} agent labels in ${weakDomains.join('/')} reviews ${o.weakDomainsLabel ?? 'negative'}` : ''})`,
  );

  const dev = loadAspectEvalSet(lang, { dataDir, labelsDir, part: 'dev' });
  const corrections = input.corrections ?? [];
  const correctionWeight = o.correctionsWeight ?? 4;
  const corrected = labelledRows(corrections, lang, cues);
  log(`corrections: ${corrections.length} reviews, ${corrected.texts.length} rows`);
  const handWeight = o.trainLabelsWeight ?? devWeight;
  const hand = labelledRows([...handLabelled, ...ownTexts], lang, cues);
  log(
    `hand labels on train.csv: ${handLabelled.length} reviews, own training texts ${ownTexts.length}; ${hand.texts.length} rows, weight ${handWeight}`,
  );

  const handReviews = hand.from.map((n) => [...handLabelled, ...ownTexts][n]!.text);
  const weakSides = neighbourFeatures && o.neighbourFeaturesRows !== 'labelled';
  const correctedReviews = corrected.from.map((n) => corrections[n]!.text);
  async function fit(items: AspectEvalItem[]) {
    const d = labelledRows(items, lang, cues);
    const rows = featuriseClauses(
      [...weak.texts, ...d.texts, ...hand.texts, ...corrected.texts],
      [...weak.labels, ...d.labels, ...hand.labels, ...corrected.labels],
      [
        ...weak.texts.map(() => weakWeight),
        ...d.texts.map(() => devWeight),
        ...hand.texts.map(() => handWeight),
        ...corrected.texts.map(() => correctionWeight),
      ],
      settings,
      keywordFeatures,
      settings.bits,
      cueFeatures,
      reviewFeatures && {
        settings: reviewFeatures,
        reviews: [
          ...(o.reviewFeaturesRows === 'labelled' ? weak.reviews.map(() => undefined) : weak.reviews),
          ...d.from.map((n) => items[n]!.text),
          ...handReviews,
          ...correctedReviews,
        ],
        minReviews: o.reviewFeaturesMinReviews,
      },
      cueExtra,
      neighbourFeatures && {
        settings: neighbourFeatures,
        previous: [
          ...(weakSides ? weak.previous : weak.texts.map(() => undefined)),
          ...d.previous,
          ...hand.previous,
          ...corrected.previous,
        ],
        next: [
          ...(weakSides ? weak.next : weak.texts.map(() => undefined)),
          ...d.next,
          ...hand.next,
          ...corrected.next,
        ],
      },
      verdictContext && {
        settings: verdictContext,
        reviews: [
          ...weak.texts.map(() => undefined),
          ...d.from.map((n) => items[n]!.text),
          ...handReviews,
          ...correctedReviews,
        ],
      },
    );
    return trainAspectLinear(tf, rows, settings.bits, ASPECT_STRIDE, train);
  }
  // the service head reads every hand label and own text, whatever the aspect columns read; their rows
  // are the same in every fit (serviceRows reads each item alone), so they are split once
  const headExtra = serviceHead ? [...allHand, ...allOwn, ...corrections] : [];
  const extraRows = serviceRows(headExtra, lang, cues);
  if (serviceHead)
    log(
      `service head: ${serviceRows(dev, lang, cues).texts.length + extraRows.texts.length} agent-aspect rows (dev included)`,
    );
  /** The service head (one column) fitted on the agent-aspect rows of `items` and headExtra. */
  const headWeakWeight = o.serviceHeadWeak ?? 0;
  const headWeak =
    serviceHead && headWeakWeight > 0
      ? weakServiceRows(join(dataDir, source), new Set(allHand.map((it) => it.src!.row)), 20000)
      : { texts: [], targets: [] };
  if (headWeak.texts.length > 0) log(`service head: ${headWeak.texts.length} weak rows, weight ${headWeakWeight}`);
  const headRows = o.serviceHeadRows ?? 'all';
  /** `only`: the table rows the head may use (headRows 'aspect': those of the aspect columns of the same fit) */
  async function fitHead(items: AspectEvalItem[], l2: number, only: Uint8Array | undefined) {
    const r = serviceRows(items, lang, cues);
    const texts = [...r.texts, ...extraRows.texts];
    const rows = featuriseClauses(
      [...texts, ...headWeak.texts],
      [...r.targets, ...extraRows.targets, ...headWeak.targets].map((t) => [t]),
      [...texts.map(() => 1), ...headWeak.texts.map(() => headWeakWeight)],
      settings,
      keywordFeatures,
      settings.bits,
      cueFeatures,
      undefined,
      cueExtra,
    );
    return trainAspectLinear(tf, rows, settings.bits, 1, { ...train, l2, only, log: undefined });
  }
  /** A predictor whose first column is a head of fitHead (its logits()[0] is the head's logit). */
  function headPredictor(h: { weights: Float32Array; biases: number[] }) {
    const weights = new Float32Array((1 << settings.bits) * ASPECT_STRIDE);
    for (let r = 0; r < 1 << settings.bits; r++) weights[r * ASPECT_STRIDE] = h.weights[r]!;
    return predictorOf({ weights, biases: [h.biases[0]!, 0, 0, 0, 0, 0, 0] });
  }
  function predictorOf(w: { weights: Float32Array; biases: number[] }, extra: Partial<AspectModelMetadata> = {}) {
    const meta: AspectModelMetadata = {
      format: ASPECT_MODEL_FORMAT,
      language: lang,
      version: aspectWeightsVersion(lang, w.weights),
      features: settings,
      keywordFeatures,
      ...(cueFeatures ? { cueFeatures } : {}),
      ...(cueExtra ? { cueExtra } : {}),
      ...(reviewFeatures ? { reviewFeatures } : {}),
      ...(neighbourFeatures ? { neighbourFeatures } : {}),
      ...(verdictContext ? { verdictContext } : {}),
      aspects: [...ASPECT_ORDER],
      weights: { file: 'weights.bin', dtype: 'float32', stride: ASPECT_STRIDE, biases: w.biases },
      calibration: ASPECT_ORDER.map(() => identityCalibration),
      thresholds: ASPECT_ORDER.map(() => 0.5),
      polarity: ASPECT_ORDER.map(() => identityCalibration),
      ...extra,
    };
    return new AspectPredictor(meta, w.weights);
  }

  // ---- out of fold: review-level max logits and the clause each aspect peaks on
  const folds = o.folds ?? 3;
  const foldOf = dev.map((_, i) => i % folds);
  const oofMax: number[][] = dev.map(() => new Array<number>(K).fill(-Infinity));
  const oofClause: string[][] = dev.map(() => new Array<string>(K).fill(''));
  /** per dev item: its clauses with their out-of-fold logits */
  const oofClauses: Array<Array<{ text: string; z: number[] }>> = dev.map(() => []);
  /** per fold, with headRows 'aspect': the rows its aspect columns hold */
  const foldRows: Array<Uint8Array | undefined> = [];
  for (let f = 0; f < folds; f++) {
    log(`fold ${f + 1}/${folds}`);
    const w = await fit(dev.filter((_, i) => foldOf[i] !== f));
    foldRows.push(serviceHead && headRows === 'aspect' ? nonZeroRows(w.weights, ASPECT_STRIDE, K) : undefined);
    const p = predictorOf(w);
    dev.forEach((it, i) => {
      if (foldOf[i] !== f) return;
      const context = p.reviewContext(it.text);
      const clauses = splitClauses(it.text);
      // with neighbour features, each clause's ids and context as the engine's findAspects reads them
      const pass = p.neighbours(
        clauses.map((c) => c.text),
        context,
      );
      for (const [ci, c] of clauses.entries()) {
        const z = pass
          ? p.logits(c.text, undefined, pass.view(ci), pass.context(ci))
          : p.logits(c.text, undefined, undefined, context);
        if (!z) continue;
        oofClauses[i]!.push({ text: c.text, z: Array.from(z) });
        for (let j = 0; j < K; j++)
          if (z[j]! > oofMax[i]![j]!) {
            oofMax[i]![j] = z[j]!;
            oofClause[i]![j] = c.text;
          }
      }
    });
  }
  const finite = (z: number) => (Number.isFinite(z) ? z : -20);
  const gold = (i: number, a: Aspect) => (dev[i]!.aspects[a] !== undefined ? 1 : 0);
  const calibration: Calibration[] = ASPECT_ORDER.map((a, j) =>
    fitPlatt(
      oofMax.map((z) => finite(z[j]!)),
      dev.map((_, i) => gold(i, a)),
    ),
  );
  const { thresholds, figures, agentF1 } = chooseThresholds(
    (j) => oofMax.map((z) => sigmoid(calibration[j]!.a * finite(z[j]!) + calibration[j]!.c)),
    gold,
  );
  log(`out-of-fold dev: ${JSON.stringify(figures)}; agent aspects micro F1 ${agentF1}`);

  // ---- polarity conditioned on the aspect: the sentiment model's clause logit re-calibrated per aspect
  // (with `reviewPolarity`, together with the whole review's logit; with `serviceHead`, the agent
  // aspects' together with the service head's out-of-fold logit of the clause)
  const reviewPolarity = o.reviewPolarity ?? false;
  if (reviewPolarity && serviceHead) throw new Error('reviewPolarity and serviceHead do not combine');
  const clauseLogits = new Map<string, number>();
  const clauseLogit = (text: string) => {
    let z = clauseLogits.get(text);
    if (z === undefined) clauseLogits.set(text, (z = clippedLogit(sentiment.probability(text))));
    return z;
  };
  // the whole review's logit, read only with `reviewPolarity`
  const reviewLogit = reviewPolarity ? dev.map((it) => clippedLogit(sentiment.probability(it.text))) : null;

  /**
   * The polarity calibrations and the agent's-complaint threshold, out of fold; `head`: the service
   * head's logit of a dev item's clause (out of fold), read in the agent aspects' polarity.
   */
  function fitPolarity(head: ((i: number, text: string) => number) | null) {
    const polarityReview: number[] = ASPECT_ORDER.map(() => 0);
    const polarityService: number[] = ASPECT_ORDER.map(() => 0);
    const polarity: Calibration[] = ASPECT_ORDER.map((a, j) => {
      const zs: number[] = [];
      const ws: number[] = [];
      const ys: number[] = [];
      const second = reviewLogit ? 'review' : head && AGENT_CONTROLLABLE.has(a) ? 'service' : null;
      dev.forEach((it, i) => {
        const pol = it.aspects[a];
        const clause = oofClause[i]![j];
        if (!pol || !clause) return;
        zs.push(clauseLogit(clause));
        if (second === 'review') ws.push(reviewLogit![i]!);
        else if (second === 'service') ws.push(head!(i, clause));
        ys.push(POLARITY_TARGET[pol]);
      });
      if (zs.length < 20 || (!second && zs.length < polarityMinClauses)) return identityCalibration;
      if (!second) return { ...fitPlatt(zs, ys), fittedOn: `dev (${zs.length} clauses)` };
      const { a: pa, b, c } = fitPlatt2(zs, ws, ys);
      (second === 'review' ? polarityReview : polarityService)[j] = b;
      return {
        method: 'platt' as const,
        a: pa,
        c,
        fittedOn: `dev (${zs.length} clauses, with the ${second === 'review' ? "review's logit" : "service head's logit, out of fold"})`,
      };
    });

    // the agent's-complaint threshold, out of fold: a review's score is the highest P(negative) of
    // its clauses' agent-aspect hits; the threshold with the best precision at recall ≥ complaintRecall
    const complaintScores = dev.map((_, i) => {
      let score = 0;
      for (const c of oofClauses[i]!) {
        let z: number | undefined;
        for (let j = 0; j < 3; j++) {
          if (sigmoid(calibration[j]!.a * c.z[j]! + calibration[j]!.c) < thresholds[j]!) continue;
          z ??= clauseLogit(c.text);
          let u = polarity[j]!.a * z + (reviewLogit ? polarityReview[j]! * reviewLogit[i]! : 0) + polarity[j]!.c;
          if (head) u += polarityService[j]! * head(i, c.text);
          score = Math.max(score, 1 - sigmoid(u));
        }
      }
      return score;
    });
    const complaint = bestAtRecall(
      complaintScores,
      dev.map((d) => d.agentComplaint),
      complaintRecall,
    );
    return { polarity, polarityReview, polarityService, complaintScores, complaint };
  }

  let fitted = fitPolarity(null);
  log(`agent's complaint, out of fold: ${JSON.stringify(fitted.complaint)}`);

  // ---- the service head (see AspectTrainSettings.serviceHead): its L2 chosen out of fold on dev
  let headL2: number | null = null;
  if (serviceHead) {
    for (const l2 of o.serviceHeadL2 ?? [1e-5, 1e-4, 1e-3]) {
      const logits: Array<Map<string, number>> = dev.map(() => new Map());
      for (let f = 0; f < folds; f++) {
        const h = headPredictor(
          await fitHead(
            dev.filter((_, i) => foldOf[i] !== f),
            l2,
            foldRows[f],
          ),
        );
        dev.forEach((_, i) => {
          if (foldOf[i] !== f) return;
          for (const c of [...oofClauses[i]!.map((x) => x.text), ...oofClause[i]!])
            if (c) logits[i]!.set(c, h.logits(c)?.[0] ?? 0);
        });
      }
      const tried = fitPolarity((i, text) => logits[i]!.get(text) ?? 0);
      log(
        `service head, L2 ${l2}: agent's complaint, out of fold: ${JSON.stringify(tried.complaint)}; head weight b ${tried.polarityService
          .slice(0, 3)
          .map((b) => b.toFixed(3))
          .join(' / ')}, clause a ${tried.polarity
          .slice(0, 3)
          .map((c) => c.a.toFixed(3))
          .join(' / ')}`,
      );
      if (headL2 === null || tried.complaint.precision > fitted.complaint.precision) {
        fitted = tried;
        headL2 = l2;
      }
    }
    log(`service head: L2 ${headL2}`);
  }
  const { polarity, polarityReview, polarityService, complaintScores } = fitted;
  const routeComplaint = fitted.complaint;

  // ---- the complaint head (see AspectTrainSettings.complaintHead): its L2 and the stack chosen out of fold on dev
  const complaintHead = o.complaintHead ?? false;
  const headItems = complaintHead
    ? [
        ...(allHand.length > 0 || o.trainLabels === false ? allHand : loadTrainLabels(lang, dataDir, labelsDir)),
        ...(o.complaintHeadOwnTexts !== undefined
          ? loadOwnTrainTexts(lang, labelsDir).slice(0, o.complaintHeadOwnTexts)
          : allOwn.length > 0
            ? allOwn
            : loadOwnTrainTexts(lang, labelsDir)),
        ...corrections,
      ]
    : [];
  const reviewRow = (it: AspectEvalItem): ComplaintRow => ({
    rows: complaintRows(it.text, sentiment.meta.features, COMPLAINT_SALT, COMPLAINT_TABLE_BITS),
    y: it.agentComplaint ? 1 : 0,
    weight: 1,
  });
  const devComplaintRows = complaintHead ? dev.map(reviewRow) : [];
  const extraComplaintRows = headItems.map(reviewRow);
  let headFit: ComplaintHeadFit | null = null;
  if (complaintHead) {
    log(`complaint head: ${dev.length} dev reviews in fold, ${headItems.length} labelled reviews besides`);
    headFit = fitComplaintHead({
      dev: devComplaintRows,
      extra: extraComplaintRows,
      route: complaintScores,
      foldOf,
      folds,
      tableBits: COMPLAINT_TABLE_BITS,
      l2: o.complaintHeadL2 ?? [1e-7, 1e-6, 3e-6, 1e-5, 1e-4],
      minRecall: complaintRecall,
      log,
    });
    log(
      `complaint head: L2 ${headFit.l2}, stacked ${JSON.stringify(headFit.complaint)} (route alone ${JSON.stringify(routeComplaint)})`,
    );
  }
  const complaint = headFit ? headFit.complaint : routeComplaint;
  const outOfFold = dev.map((it, i) => ({
    id: it.id,
    probabilities: ASPECT_ORDER.map((_, j) =>
      round(sigmoid(calibration[j]!.a * finite(oofMax[i]![j]!) + calibration[j]!.c)),
    ),
    complaint: round(complaintScores[i]!),
    ...(headFit ? { direct: round(headFit.direct[i]!), stacked: round(headFit.stacked[i]!) } : {}),
  }));

  // ---- the returned model: all rows (the service head in the eighth column)
  log('final model');
  const final = await fit(dev);
  log(`aspect columns: ${aspectWeightsVersion(lang, final.weights)}`);
  if (headL2 !== null) {
    const head = await fitHead(
      dev,
      headL2,
      headRows === 'aspect' ? nonZeroRows(final.weights, ASPECT_STRIDE, K) : undefined,
    );
    for (let r = 0; r < 1 << settings.bits; r++) final.weights[r * ASPECT_STRIDE + K] = head.weights[r]!;
    final.biases.push(head.biases[0]!);
  }
  // the complaint head's weights follow the aspect table in weights.bin
  let complaintHeadSettings: ComplaintHeadSettings | undefined;
  if (headFit) {
    const h = trainComplaintLinear([...devComplaintRows, ...extraComplaintRows], COMPLAINT_TABLE_BITS, headFit.l2);
    const all = new Float32Array(final.weights.length + h.weights.length);
    all.set(final.weights);
    all.set(h.weights, final.weights.length);
    complaintHeadSettings = {
      offset: final.weights.length,
      features: sentiment.meta.features,
      tableBits: COMPLAINT_TABLE_BITS,
      salt: COMPLAINT_SALT,
      bias: h.bias,
      ...headFit.stack,
    };
    final.weights = all;
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const predictor = predictorOf(final, {
    calibration: calibration.map((c) => ({ ...c, fittedOn: 'dev, out of fold (review-level max logit)' })),
    thresholds,
    polarity,
    ...(reviewPolarity ? { polarityReview } : {}),
    ...(headL2 !== null ? { polarityService } : {}),
    complaintThreshold: complaint.threshold,
    ...(complaintHeadSettings ? { complaintHead: complaintHeadSettings } : {}),
    training: {
      weak: { source, rows: weak.texts.length, labels: 'keyword rules v2 (src/reviews/sentiment/aspects.ts)' },
      weakWeight,
      cues,
      weakDoubt,
      weakAgentNegatives: o.weakAgentNegatives ?? false,
      ...(weakIntent ? { weakIntent } : {}),
      ...(weakFixes ? { weakFixes } : {}),
      ...(weakDomains ? { weakDomains, weakDomainsLabel: o.weakDomainsLabel ?? 'negative' } : {}),
      reviewPolarity,
      ...(reviewFeatures ? { reviewFeatures: reviewFeatures.scale } : {}),
      ...(reviewFeatures && o.reviewFeaturesRows === 'labelled' ? { reviewFeaturesRows: 'labelled' } : {}),
      ...(neighbourFeatures ? { neighbourFeatures: neighbourFeatures.scale } : {}),
      ...(neighbourFeatures && o.neighbourFeaturesShared ? { neighbourFeaturesShared: true } : {}),
      ...(neighbourFeatures && o.neighbourFeaturesRows === 'labelled' ? { neighbourFeaturesRows: 'labelled' } : {}),
      ...(verdictContext ? { verdictContext: verdictContext.scale } : {}),
      ...(reviewFeatures && (o.reviewFeaturesMinReviews ?? 1) > 1
        ? { reviewFeaturesMinReviews: o.reviewFeaturesMinReviews }
        : {}),
      ...(headL2 !== null
        ? {
            serviceHead: {
              l2: headL2,
              labelled: headExtra.length,
              rows: 'agent-aspect rows of the labelled items',
              ...(headRows === 'aspect' ? { tableRows: 'those of the aspect columns' } : {}),
              ...(headWeak.texts.length > 0 ? { weak: { rows: headWeak.texts.length, weight: headWeakWeight } } : {}),
            },
          }
        : {}),
      ...(headFit
        ? {
            complaintHead: {
              l2: headFit.l2,
              labelled: headItems.length,
              rows: 'labelled reviews: dev in fold, hand labels, own texts, corrections (agent_complaint)',
              route: routeComplaint,
              ...(o.complaintHeadOwnTexts !== undefined ? { ownTexts: o.complaintHeadOwnTexts } : {}),
            },
          }
        : {}),
      dev: { items: dev.length, weight: devWeight, folds },
      ...(complaintRecall !== 0.75 ? { complaintRecall } : {}),
      ...(polarityMinClauses !== 20 ? { polarityMinClauses } : {}),
      trainLabels: {
        file: `data/aspects/train-labels-${lang}.jsonl`,
        items: handLabelled.length,
        rows: hand.texts.length,
        weight: handWeight,
        // the first N of the file's hand labels in the aspect columns (./aspect-recipe.ts reads it); null: all
        limit: handLabelled.length < allHand.length && o.trainLabels !== false ? handLabelled.length : null,
      },
      ...(ownTexts.length > 0
        ? { ownTexts: { file: `data/aspects/train-own-${lang}.jsonl`, items: ownTexts.length, weight: handWeight } }
        : {}),
      corrections: {
        items: corrections.length,
        rows: corrected.texts.length,
        weight: correctionWeight,
        labels: corrections.map((c) => ({ id: c.id, aspects: c.aspects })),
      },
      options: { ...train, log: undefined },
      command: input.command,
      ...(input.recipe ? { recipe: input.recipe } : {}),
      seconds,
    },
    metrics: {
      dev_out_of_fold: figures,
      dev_out_of_fold_agent_f1: agentF1,
      dev_out_of_fold_complaint: complaint,
      ...(headFit ? { dev_out_of_fold_complaint_route: routeComplaint, dev_out_of_fold_complaint_ap: headFit.ap } : {}),
    },
  });
  return {
    meta: predictor.meta,
    weights: final.weights,
    figures: { dev_out_of_fold: figures, agent_f1: agentF1, complaint: { ...complaint } },
    outOfFold,
  };
}
