/**
 * Clause-level aspects. A review is split into clauses on punctuation and contrast words
 * (但是/不过/but/however…); each clause is matched against per-aspect keyword lists in both
 * languages; every hit carries the clause's own sentiment (scored by the caller's model or
 * lexicon) and the clause's span as offsets into the original string.
 */

import { detectLanguage } from './language.js';

export type Aspect =
  | 'service_attitude'
  | 'response_speed'
  | 'returns_handling'
  | 'logistics'
  | 'product_quality'
  | 'price'
  | 'packaging';

export const AGENT_CONTROLLABLE: ReadonlySet<Aspect> = new Set([
  'service_attitude',
  'response_speed',
  'returns_handling',
]);

export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface AspectHit {
  aspect: Aspect;
  agentControllable: boolean;
  sentiment: 'positive' | 'negative' | 'neutral';
  /** calibrated P(positive) of the clause */
  probability: number;
  /** calibrated P(the clause is about this aspect) when a learned model found it; absent for keyword hits (1) */
  confidence?: number;
  span: Span;
}

/**
 * Keyword rules (v2, issue 18; tuned on the evaluation set's dev part only). An aspect hits a clause
 * when one of its rules matches and that rule's `unless` does not: generic words (服务, 态度, 速度,
 * 等了, service, waiting, refund…) are read by what else the clause names — a courier, a rider, a
 * parcel or a delivery sends them to logistics, never to the agent.
 */
interface Rule {
  aspect: Aspect;
  match: RegExp;
  unless?: RegExp;
}

const alt = (xs: readonly string[]) => xs.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
/** Chinese: plain substrings. */
const zh = (xs: readonly string[]) => new RegExp(alt(xs));
/** English: whole words (an optional plural s), case-insensitive; a `*` suffix matches any ending. */
const en = (xs: readonly string[]) =>
  new RegExp(
    `\\b(?:${xs.map((x) => (x.endsWith('*') ? `${alt([x.slice(0, -1)])}\\w*` : `${alt([x])}(?:s|es)?`)).join('|')})\\b`,
    'i',
  );

// people and things outside the agent's control that make a generic service/speed word theirs
const ZH_DELIVERY_PEOPLE = [
  '快递员',
  '快递小哥',
  '快递哥',
  '外卖小哥',
  '骑手',
  '送餐员',
  '送货员',
  '配送员',
  '派送员',
  '司机',
  '驿站',
  '快递',
  '物流',
  '外卖',
  '送餐',
  '配送',
  '派送',
  '送货',
  '发货',
  '到货',
  '收货',
];
const ZH_STAFF = [
  '客服',
  '店员',
  '店家',
  '卖家',
  '商家',
  '掌柜',
  '老板',
  '小二',
  '服务员',
  '前台',
  '迎宾',
  '导购',
  '营业员',
  '售货员',
  '工作人员',
  '收银',
  '经理',
  '大堂',
  '礼宾',
  '门童',
  '保安',
  '接待',
  '售后',
  '服务生',
  '服务人员',
  '技师',
  '师傅',
  '保洁',
  '阿姨',
  '小姐姐',
  '小妹',
  '美女',
  '帅哥',
  '人工',
];
const EN_DELIVERY = [
  'shipping',
  'shipped',
  'ship',
  'delivery',
  'deliveries',
  'delivered',
  'deliver',
  'courier',
  'driver',
  'postman',
  'mailman',
  'ups',
  'fedex',
  'usps',
  'dhl',
  'parcel',
  'package',
  'shipment',
  'tracking',
  'transit',
  'arrive',
  'arrived',
  'arrival',
  'dispatch',
  'dispatched',
  'carrier',
  'post office',
  'order',
  'cancelled',
  'canceled',
  'out of stock',
];
const EN_STAFF = [
  'customer service',
  'customer support',
  'support',
  'staff',
  'staffer',
  'seller',
  'rep',
  'representative',
  'agent',
  'employee',
  'clerk',
  'cashier',
  'waiter',
  'waitress',
  'server',
  'manager',
  'front desk',
  'receptionist',
  'concierge',
  'bartender',
  'associate',
  'salesman',
  'salesperson',
  'sales guy',
  'sales lady',
  'operator',
  'technician',
  'help desk',
  'helpdesk',
  'live chat',
  'hotline',
  'call center',
  'call centre',
  'nurse',
  'pharmacist',
  'host',
  'hostess',
  'housekeeping',
  'team',
  'they',
  'he',
  'she',
  'guy',
  'lady',
  'person',
];

const RULES: Record<'zh' | 'en', Rule[]> = {
  zh: [
    // service attitude: staff words always; generic service/manner words unless the clause is about delivery people
    {
      aspect: 'service_attitude',
      match: zh(ZH_STAFF.filter((w) => w !== '售后' && w !== '人工' && w !== '师傅')),
      unless: zh(['快递员', '外卖小哥', '快递小哥', '骑手', '送餐员', '配送员', '驿站老板']),
    },
    {
      aspect: 'service_attitude',
      match: zh([
        '服务',
        '态度',
        '热情',
        '耐心',
        '礼貌',
        '不理人',
        '爱理不理',
        '敷衍',
        '推诿',
        '推脱',
        '冷淡',
        '不耐烦',
        '一问三不知',
        '凶',
        '骂',
        '笑脸',
        '微笑',
        '周到',
        '贴心',
        '专业',
        '素质',
      ]),
      unless: zh(ZH_DELIVERY_PEOPLE),
    },
    // response speed: replies, answering, serving, check-in; waits only when they are not about a delivery
    {
      aspect: 'response_speed',
      match: zh([
        '回复',
        '回应',
        '响应',
        '回消息',
        '秒回',
        '不回',
        '答复',
        '没人理',
        '没人接',
        '没人回',
        '打不通',
        '回电',
        '上菜',
        '出菜',
        '处理速度',
        '处理效率',
        '办理入住',
        '入住办理',
        '办理退房',
        '排队',
        '排号',
        '在吗',
        '没回',
        '回得',
        '就回',
        '联系不上',
        '没人搭理',
        '有人吗',
        '上门',
        '服务速度',
        '办理速度',
        '反应很快',
        '反应慢',
        '人工客服',
      ]),
    },
    {
      aspect: 'response_speed',
      match: zh(['等了', '半天没', '半天才', '效率', '很久', '好久', '等到', '催了', '慢吞吞']),
      unless: zh([...ZH_DELIVERY_PEOPLE, '到了', '送到', '寄', '件', '包裹', '退款', '退货', '换货', '补发']),
    },
    // returns handling
    {
      aspect: 'returns_handling',
      match: zh([
        '退货',
        '退款',
        '换货',
        '退换',
        '售后',
        '退钱',
        '补发',
        '赔偿',
        '理赔',
        '退回',
        '换了一',
        '保修',
        '维修',
        '返修',
        '退差价',
        '价保',
        '补偿',
        '重新做',
        '重做',
        '换一',
        '给换',
        '退了',
      ]),
    },
    // logistics
    {
      aspect: 'logistics',
      match: zh([
        ...ZH_DELIVERY_PEOPLE,
        '运输',
        '顺丰',
        '送来',
        '送到',
        '送达',
        '寄到',
        '路上',
        '中转',
        '揽收',
        '签收',
        '丢件',
        '丢了',
        '包邮',
      ]),
    },
    {
      aspect: 'logistics',
      match: zh(['速度', '等了', '很快', '神速', '两天', '三天', '第二天', '隔天', '当天']),
      unless: zh([...ZH_STAFF, '上菜', '回复', '入住']),
    },
    // product, price, packaging
    {
      aspect: 'product_quality',
      match: zh([
        '质量',
        '做工',
        '品质',
        '效果',
        '材质',
        '面料',
        '性能',
        '屏幕',
        '电池',
        '味道',
        '口感',
        '正品',
        '假货',
        '手感',
        '音质',
        '用料',
        '好用',
        '耐用',
        '坏了',
        '故障',
        '质感',
        '东西',
        '产品',
        '商品',
        '宝贝',
        '衣服',
        '裤子',
        '鞋',
        '尺码',
        '颜色',
        '房间',
        '设施',
        '卫生',
        '干净',
        '早餐',
        '位置',
        '环境',
        '隔音',
        '床',
        '装修',
        '好吃',
        '难吃',
        '菜',
        '书',
        '内容',
        '故事',
        '作者',
        '系统',
        '电脑',
        '机器',
        '运行',
        '散热',
        '声音',
        '键盘',
        '好看',
        '漂亮',
        '舒服',
        '合身',
        '不符',
        '一般',
        '不错',
        '满意',
        '失望',
        '好评',
        '差评',
        '配置',
        '软件',
        '驱动',
        '外观',
        '外形',
        '样子',
        '大小',
        '分量',
        '新鲜',
        '口味',
        '设计',
      ]),
    },
    {
      aspect: 'price',
      match: zh([
        '价格',
        '价钱',
        '性价比',
        '便宜',
        '贵',
        '划算',
        '实惠',
        '超值',
        '优惠',
        '降价',
        '涨价',
        '价位',
        '物美价廉',
        '值这个价',
        '值得',
        '不值',
        '运费',
        '邮费',
        '赠品',
        '送的',
        '活动',
        '折扣',
        '打折',
        '元',
        '块钱',
        '花了',
        '钱',
      ]),
    },
    {
      aspect: 'packaging',
      match: zh([
        '包装',
        '盒子',
        '外包装',
        '箱子',
        '包裹',
        '封口',
        '泡沫',
        '纸箱',
        '压坏',
        '破损',
        '塑封',
        '包得',
        '包的',
        '打包',
        '漏了',
        '压扁',
        '瘪了',
      ]),
    },
  ],
  en: [
    {
      aspect: 'service_attitude',
      match: en(
        EN_STAFF.filter(
          (w) =>
            ![
              'they',
              'he',
              'she',
              'guy',
              'lady',
              'person',
              'team',
              'server',
              'host',
              'support',
              'technician',
              'operator',
              'live chat',
              'hotline',
            ].includes(w),
        ),
      ),
      unless: en(['driver', 'courier', 'delivery guy', 'delivery man', 'mailman', 'postman']),
    },
    {
      aspect: 'service_attitude',
      match: en([
        'rude',
        'polite',
        'helpful',
        'unhelpful',
        'friendly',
        'unfriendly',
        'attitude',
        'service',
        'courteous',
        'unprofessional',
        'dismissive',
        'ignored',
        'shouted',
        'shout',
        'yelled',
        'yell',
        'screamed',
        'hung up',
        'condescending',
        'impatient',
        'attentive',
        'lecture*',
        'eye roll',
        'rolled their eyes',
        'rolled her eyes',
        'rolled his eyes',
        'arrogant',
        'accommodating',
        'went above and beyond',
        'hotline',
      ]),
      unless: en(EN_DELIVERY),
    },
    {
      aspect: 'response_speed',
      match: en([
        'response',
        'respond',
        'responded',
        'responsive',
        'unresponsive',
        'reply',
        'replied',
        'got back to',
        'get back to',
        'never heard back',
        'heard back',
        'call back',
        'called back',
        'call me back',
        'calls back',
        'on hold',
        'hold music',
        'unanswered',
        'no answer',
        'no one answered',
        'nobody answered',
        'nobody answers',
        'nobody picks up',
        'no one picks up',
        'picked up',
        'pick up the phone',
        'answered',
        'answer the phone',
        'no show',
        'no-show',
        'came out fast',
        'within minutes',
        'in under a minute',
        'quick to',
        'slow to',
        'queue',
        'email*',
        'message*',
        'live chat',
        'hotline',
        'ticket*',
        'no call',
      ]),
    },
    {
      aspect: 'response_speed',
      match: en(['waited', 'waiting', 'took forever', 'still no']),
      unless: en([...EN_DELIVERY, 'refund', 'bank', 'paypal', 'credit card']),
    },
    {
      aspect: 'returns_handling',
      match: en([
        'return',
        'returned',
        'returning',
        'refund',
        'refunded',
        'exchange',
        'exchanged',
        'replacement',
        'replaced',
        'warranty',
        'rma',
        'money back',
        'repair',
        'repaired',
        'reimburse*',
        'compensat*',
        'price adjustment',
        'cancel',
        'cancellation',
      ]),
      unless: en([
        'order was cancelled',
        'order was canceled',
        'cancelled my order',
        'canceled my order',
        'out of stock',
        'return to',
        'will return',
        'would return',
        'returning customer',
      ]),
    },
    {
      aspect: 'logistics',
      match: en([
        ...EN_DELIVERY.filter((w) => !['order', 'they', 'cancelled', 'canceled'].includes(w)),
        'lost in the mail',
        'never received',
        'never came',
        'late',
        'delay',
        'delayed',
        'customs',
        'doorstep',
        'porch',
        'prime',
        'two-day',
        '2-day',
        'overnight',
      ]),
    },
    {
      aspect: 'product_quality',
      match: en([
        'quality',
        'works',
        'worked',
        'work',
        'working',
        'broke',
        'broken',
        'durable',
        'sturdy',
        'flimsy',
        'defective',
        'performance',
        'sound',
        'battery',
        'material',
        'stopped working',
        'well made',
        'poorly made',
        'product',
        'item',
        'book',
        'read',
        'reading',
        'story',
        'author',
        'novel',
        'movie',
        'film',
        'dvd',
        'album',
        'song',
        'music',
        'plot',
        'character',
        'recipe',
        'taste',
        'tastes',
        'fit',
        'fits',
        'size',
        'comfortable',
        'easy to use',
        'design',
        'screen',
        'picture',
        'room',
        'bed',
        'food',
        'pool',
        'breakfast',
        'clean',
        'dirty',
        'features',
        'love it',
        'loved it',
        'great',
        'excellent',
        'terrible',
        'awful',
        'disappointed',
        'disappointing',
        'useless',
        'junk',
        'crap',
        'waste',
        'recommend',
        'star',
        'stars',
        'fabulous',
        'wonderful',
        'boring',
        'interesting',
        'written',
        'writing',
        'pages',
        'volume',
        'cd',
        'video',
        'camera',
        'phone',
        'machine',
        'device',
        'unit',
        'blade',
        'pan',
        'knife',
        'coffee',
      ]),
    },
    {
      aspect: 'price',
      match: en([
        'price',
        'priced',
        'pricing',
        'cheap',
        'cheaper',
        'expensive',
        'value',
        'worth',
        'cost',
        'costs',
        'money',
        'bargain',
        'deal',
        'overpriced',
        'dollar',
        'bucks',
        'fee',
        'afford*',
        'paid',
        'pay',
        'sale',
        'discount',
        'coupon',
      ]),
    },
    {
      aspect: 'packaging',
      match: en([
        'packaging',
        'packaged',
        'box',
        'boxed',
        'wrapping',
        'wrapped',
        'packing',
        'packed',
        'bubble wrap',
        'double-boxed',
        'tin',
        'bag',
        'seal',
        'sealed',
        'dented',
        'crushed',
        'shrink wrap',
      ]),
      unless: en(['packed room', 'was packed', 'place was packed', 'packed waiting']),
    },
  ],
};

/** `#rudestaff` → ` rude staff`-like text: hashtag bodies are also matched without word boundaries. */
const HASHTAG = /#(\w+)/g;
const HASHTAG_WORDS = new RegExp(
  `(${alt(['customerservice', 'customersupport', 'staff', 'rude', 'service', 'support', 'refund', 'shipping', 'delivery', 'never', 'again', 'fail', 'worst', 'best', 'slow', 'helpful', 'thank', 'you', 'no', 'help'])})`,
  'gi',
);
function expandHashtags(clause: string): string {
  if (clause.indexOf('#') < 0) return clause;
  return clause.replace(HASHTAG, (_m, body: string) => ` ${body.replace(HASHTAG_WORDS, ' $1 ')} `);
}

/**
 * Clause split: Chinese and English sentence punctuation, 、, spaces that touch a Chinese
 * character, contrast words (但是/可是/不过/然而/就是/but/however/although/though/except); a full stop
 * between two digits (4.5分) does not split.
 */
const SPLIT =
  /[，。！？；：,!?;:\n\r~～…()（）【】[\]、|｜/]+|(?<!\d)\.|\.(?!\d)|(?<=[\u3000-\u9fff\uff00-\uffef])[ \t\u3000]+|[ \t\u3000]+(?=[\u3000-\u9fff\uff00-\uffef])|但是|可是|不过|然而|就是|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b/giu;

/**
 * Clauses of a text with their offsets (trimmed, empty ones dropped).
 * @example splitClauses('物流很快，但是包装破了') // [{start:0,end:4,…}, {start:7,end:11,…}]
 */
export function splitClauses(text: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  SPLIT.lastIndex = 0;
  for (let m = SPLIT.exec(text); m !== null; m = SPLIT.exec(text)) {
    pushClause(out, text, from, m.index);
    from = m.index + m[0].length;
  }
  pushClause(out, text, from, text.length);
  return out;
}

function isSpaceCode(c: number): boolean {
  // exactly what /\s/ matches
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function pushClause(out: Span[], text: string, from: number, to: number): void {
  let start = from;
  let end = to;
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  if (end > start) out.push({ start, end, text: text.slice(start, end) });
}

const HAN = /[\u4e00-\u9fff]/;
const LATIN = /[a-z]/i;

/** Aspects a clause mentions by the keyword rules (the rules of each script the clause holds). */
export function clauseAspects(clause: string): Aspect[] {
  let found = 0; // a bit per aspect, in ASPECT_ORDER (no Set, no closure: this runs for every clause)
  if (HAN.test(clause)) found = applyRules(RULES.zh, clause, found);
  if (LATIN.test(clause)) found = applyRules(RULES.en, expandHashtags(clause), found);
  const out: Aspect[] = [];
  for (let j = 0; j < ASPECT_ORDER.length; j++) if (found & (1 << j)) out.push(ASPECT_ORDER[j]!);
  return out;
}

function applyRules(rules: readonly Rule[], text: string, found: number): number {
  let out = found;
  for (const r of rules) {
    const bit = 1 << ASPECT_ORDER.indexOf(r.aspect);
    if ((out & bit) === 0 && r.match.test(text) && !r.unless?.test(text)) out |= bit;
  }
  return out;
}

export const ASPECT_ORDER: readonly Aspect[] = [
  'service_attitude',
  'response_speed',
  'returns_handling',
  'logistics',
  'product_quality',
  'price',
  'packaging',
];

export interface NeutralBand {
  low: number;
  high: number;
}

export function labelOf(p: number, band: NeutralBand): 'positive' | 'negative' | 'neutral' {
  return p > band.high ? 'positive' : p < band.low ? 'negative' : 'neutral';
}

/** A clause's hashed features (distinct bucket ids) computed once for the aspect model and the clause's sentiment. */
export interface ClauseFeatures {
  ids: Int32Array;
  n: number;
}

/** A learned clause-level aspect model (./aspect-model.ts) as findAspects uses it. */
export interface ClauseAspectModel {
  /** the language the model reads; clauses in another one are left to the keyword rules */
  readonly language: 'zh' | 'en';
  /** the aspects a clause holds, each with its calibrated P(aspect); `keywords`: the rules' aspects of it */
  detect(
    clause: string,
    keywords?: readonly Aspect[],
    pre?: ClauseFeatures,
  ): Array<{ aspect: Aspect; confidence: number }>;
  /**
   * P(positive | clause, aspect) from the sentiment model's P(positive) of the clause (`clause`, when
   * given, is checked to be in the model's language; findAspects only hands it such clauses)
   */
  polarity(aspect: Aspect, p: number, clause?: string): number;
}

/**
 * Aspect hits of a review. `score` returns the calibrated P(positive) of a clause. Without `model`
 * the keyword rules find the aspects; with it the learned model does (each hit carrying its
 * `confidence`) and the clause's polarity is conditioned on the aspect.
 * A clause mentioning several aspects yields one hit per aspect. `features`, when given, computes a
 * clause's features once for the model and for `score` (the engine does when both read the same
 * hashing); it may answer undefined, and each then featurises the clause itself.
 */
export function findAspects(
  text: string,
  score: (clause: string, span: Span, pre?: ClauseFeatures) => number,
  band: NeutralBand,
  maxClauses = 200,
  model?: ClauseAspectModel,
  features?: (span: Span) => ClauseFeatures | undefined,
): AspectHit[] {
  const hits: AspectHit[] = [];
  for (const span of splitClauses(text).slice(0, maxClauses)) {
    if (model && detectLanguage(span.text) === model.language) {
      const keywords = clauseAspects(span.text);
      const pre = features?.(span);
      const found = model.detect(span.text, keywords, pre);
      // aspects outside the agent's control also count when only the keyword rules see them: any
      // sign of an outside cause keeps a complaint away from the agent
      const extra = keywords.filter((a) => !AGENT_CONTROLLABLE.has(a) && !found.some((f) => f.aspect === a));
      if (found.length === 0 && extra.length === 0) continue;
      const p = score(span.text, span, pre);
      for (const { aspect, confidence } of found) {
        const probability = model.polarity(aspect, p);
        hits.push({
          aspect,
          agentControllable: AGENT_CONTROLLABLE.has(aspect),
          sentiment: labelOf(probability, band),
          probability,
          confidence,
          span,
        });
      }
      for (const aspect of extra)
        hits.push({ aspect, agentControllable: false, sentiment: labelOf(p, band), probability: p, span });
      continue;
    }
    const aspects = clauseAspects(span.text);
    if (aspects.length === 0) continue;
    const probability = score(span.text, span);
    for (const aspect of aspects) {
      hits.push({
        aspect,
        agentControllable: AGENT_CONTROLLABLE.has(aspect),
        sentiment: labelOf(probability, band),
        probability,
        span,
      });
    }
  }
  return hits;
}
