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

/**
 * A clause that names staff only to say how fast they replied or how they handled a return
 * (客服说会退款, 客服一直没回, 人工客服接通很快) is about that, not about their manner: the staff word
 * alone does not make it service attitude unless a word of manner is there too.
 */
const ZH_ONLY_ABOUT_OTHER = new RegExp(
  `^(?![\\s\\S]*(?:${alt(['态度', '热情', '耐心', '礼貌', '敷衍', '推诿', '推脱', '冷淡', '不耐烦', '凶', '骂', '笑', '周到', '贴心', '专业', '素质', '服务', '理不理', '不理人', '负责', '给力', '坑', '骗', '说不清', '不知道', '一问三不知', '不管', '踢皮球', '好', '差', '棒', '赞', '谢谢', '感谢'])}))[\\s\\S]*(?:${alt(['回复', '没回', '不回', '回我', '回消息', '就回', '秒回', '没人理', '没人接', '没人回', '没人搭理', '打不通', '联系不上', '联系我', '接通', '没接', '在线等', '排队', '退款', '退货', '换货', '退换', '补发', '审核', '价保', '保价', '退差价', '维修', '保修', '寄回', '重新寄', '确认收货', '不同意', '拒绝', '不能退', '不给退'])})`,
);

/**
 * Return words that are not about staff handling a return: the customer returning something when
 * the clause names nobody who handled it, a product that replaced an older one, warranty terms.
 */
const EN_NOT_RETURNS_HANDLING = new RegExp(
  [
    `^(?![\\s\\S]*\\b(?:${alt(['seller', 'support', 'customer service', 'rep', 'agent', 'they', 'told me', 'said', 'refused', 'would not', "wouldn't", "won't", 'approved', 'denied', 'rejected', 'policy', 'store', 'company', 'manager', 'staff', 'amazon'])})\\b)[\\s\\S]*\\b(?:i|we)\\b(?:\\s+[\\w']+){0,4}?\\s+(?:return(?:ed|ing)?|sen(?:t|d|ding)\\s+(?:it|them|mine|this|that|one)\\s+back)\\b`,
    `\\b(?:it|this|which|that)\\s+(?:has\\s+)?replaced\\b`,
    `\\b(?:buy|buying|bought|shopping for|order|ordered|need|needed)\\s+(?:a\\s+)?replacement\\b`,
    `\\breplacement\\s+(?:for|that)\\b`,
    `\\bto\\s+replace\\b`,
    `\\b(?:warranty\\s+(?:expired|is only|period|ran out)|after the warranty|past the warranty|out of warranty|extended warranty)\\b`,
    `\\breturned to normal\\b`,
  ].join('|'),
  'i',
);

/** As ZH_ONLY_ABOUT_OTHER: staff named only for how fast they replied or how they handled a return. */
const EN_ONLY_ABOUT_OTHER = new RegExp(
  `^(?![\\s\\S]*\\b(?:${alt(['rude', 'polite', 'helpful', 'unhelpful', 'friendly', 'nice', 'kind', 'patient', 'attitude', 'professional', 'unprofessional', 'courteous', 'ignored', 'ignore', 'shout', 'shouted', 'yelled', 'hung up', 'condescending', 'lied', 'lie', 'arrogant', 'dismissive', 'sweet', 'great', 'excellent', 'awesome', 'amazing', 'terrible', 'horrible', 'awful', 'worst', 'best', 'thank', 'thanks', 'smirk', 'smirked', 'sarcastic', 'blamed', 'argued', 'service'])})\\b)[\\s\\S]*\\b(?:${alt(['refund', 'refunded', 'return', 'returned', 'replace', 'replaced', 'replacement', 'exchange', 'exchanged', 'warranty', 'repair', 'repaired', 'reply', 'replied', 'respond', 'responded', 'email', 'emailed', 'call back', 'called back', 'on hold', 'answer', 'answered', 'claim', 'cancel', 'cancelled', 'canceled'])})\\b`,
  'i',
);

/** Someone who could be staff (pronouns included: reviews say "they were so helpful"). */
const EN_PERSON = new RegExp(
  `\\b(?:${alt(['they', 'he', 'she', 'guy', 'guys', 'lady', 'ladies', 'person', 'people', 'team', 'everyone', 'everybody', 'support', 'seller', 'staff', 'rep', 'reps', 'agent', 'agents', 'representative', 'representatives', 'employee', 'employees', 'clerk', 'clerks', 'manager', 'waiter', 'waitress', 'server', 'servers', 'cashier', 'receptionist', 'technician', 'tech', 'operator', 'associate', 'associates', 'salesman', 'host', 'hostess', 'nurse', 'driver', 'owner', 'customer service', 'front desk', 'housekeeping', 'concierge', 'bartender', 'supervisor', 'company', 'store', 'shop'])})\\b`,
  'i',
);

const RULES: Record<'zh' | 'en', Rule[]> = {
  zh: [
    // service attitude: staff words always; generic service/manner words unless the clause is about delivery people
    {
      aspect: 'service_attitude',
      match: zh(ZH_STAFF.filter((w) => w !== '售后' && w !== '人工' && w !== '师傅')),
      unless: new RegExp(
        `${alt(['快递员', '外卖小哥', '快递小哥', '骑手', '送餐员', '配送员', '驿站老板', '生意兴隆', '大卖', '发财'])}|${ZH_ONLY_ABOUT_OTHER.source}`,
      ),
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
      unless: new RegExp(
        `${en(['driver', 'courier', 'delivery guy', 'delivery man', 'mailman', 'postman']).source}|${EN_ONLY_ABOUT_OTHER.source}`,
        'i',
      ),
    },
    {
      // words that praise things as often as people (a helpful book, a user-friendly menu): only
      // with a person in the clause
      aspect: 'service_attitude',
      match: new RegExp(
        `^(?=[\\s\\S]*${EN_PERSON.source})[\\s\\S]*${en(['helpful', 'unhelpful', 'friendly', 'unfriendly', 'polite', 'courteous', 'attentive', 'accommodating', 'attitude', 'patient', 'kind', 'sweet', 'nice']).source}`,
        'i',
      ),
      unless: new RegExp(
        `${en([...EN_DELIVERY, 'user friendly', 'user-friendly', 'kid friendly', 'family friendly', 'eco friendly']).source}`,
        'i',
      ),
    },
    {
      aspect: 'service_attitude',
      match: en([
        'rude',
        'unhelpful',
        'unfriendly',
        'service',
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
        'lecture*',
        'eye roll',
        'rolled their eyes',
        'rolled her eyes',
        'rolled his eyes',
        'arrogant',
        'went above and beyond',
        'hotline',
      ]),
      unless: en(EN_DELIVERY),
    },
    {
      aspect: 'response_speed',
      match: en([
        'no response',
        'any response',
        'a response',
        'quick response',
        'fast response',
        'slow response',
        'prompt response',
        'response from',
        'response time',
        'received response',
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
      unless: new RegExp(
        `${EN_NOT_RETURNS_HANDLING.source}|${
          en([
            'order was cancelled',
            'order was canceled',
            'cancelled my order',
            'canceled my order',
            'out of stock',
            'return to',
            'will return',
            'would return',
            'returning customer',
          ]).source
        }`,
        'i',
      ),
    },
    {
      aspect: 'returns_handling',
      match: en([
        'take it back',
        'take them back',
        'took it back',
        'take back',
        'free replacement',
        'send a replacement',
        'sent a replacement',
        'sending a replacement',
        'send me a new',
        'sent me a new',
        'sent me one new',
        'sending me another',
        'sent me another',
        'sending another',
        'claim',
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
// Written without the `u` flag (V8 runs it 2–3× faster): the contrast words' \b of the former /giu
// regex become explicit word-character guards, where \w under `iu` also takes ſ (U+017F) and the
// Kelvin sign (U+212A); none of the words holds a letter whose case folding differs between the two
// modes. test/reviews/aspects-v2.test.ts compares the two on random text.
const SPLIT_WORD = '[0-9A-Za-z_\\u017f\\u212a]';
export const SPLIT_SOURCE = `[，。！？；：,!?;:\\n\\r~～…()（）【】[\\]、|｜/]+|(?<!\\d)\\.|\\.(?!\\d)|(?<=[\\u3000-\\u9fff\\uff00-\\uffef])[ \\t\\u3000]+|[ \\t\\u3000]+(?=[\\u3000-\\u9fff\\uff00-\\uffef])|但是|可是|不过|然而|就是|(?<!${SPLIT_WORD})(?:but|however|although|though|except)(?!${SPLIT_WORD})`;
const SPLIT = new RegExp(SPLIT_SOURCE, 'gi');

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

/** Every aspect, the agent's first (the order of the aspect bits and of the aspect model's rows). */
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
    context?: Float64Array | null,
  ): Array<{ aspect: Aspect; confidence: number; service?: number }>;
  /**
   * P(positive | clause, aspect) from the sentiment model's P(positive) of the clause (`clause`, when
   * given, is checked to be in the model's language; findAspects only hands it such clauses) and,
   * when the model reads them, the whole review's P(positive) `review` and the clause's service-head
   * logit `service` (from `detect`)
   */
  polarity(aspect: Aspect, p: number, clause?: string, review?: number, service?: number): number;
  /** true when the model reads its neighbour clauses' n-grams (`neighbours` then prepares a review's clauses) */
  readonly readsNeighbours?: boolean;
  /**
   * a model with neighbour features: hashes each clause once and returns, per clause i, its ids and its
   * context sums (the review's `review` plus its neighbours'), to hand to `detect`
   */
  neighbours?(
    clauses: readonly string[],
    review?: Float64Array | null,
  ): { view(i: number): ClauseFeatures; context(i: number): Float64Array } | null;
}

/**
 * Aspect hits of a review. `score` returns the calibrated P(positive) of a clause. Without `model`
 * the keyword rules find the aspects; with it the learned model does (each hit carrying its
 * `confidence`) and the clause's polarity is conditioned on the aspect.
 * A clause mentioning several aspects yields one hit per aspect. `features`, when given, computes a
 * clause's features once for the model and for `score` (the engine does when both read the same
 * hashing); it may answer undefined, and each then featurises the clause itself. `review`: the whole
 * review's P(positive), which a model with `polarityReview` reads in the clause's polarity.
 * `context`: the review's context sums, which a model with `reviewFeatures` adds to each clause's
 * logits (AspectPredictor.reviewContext).
 */
export function findAspects(
  text: string,
  score: (clause: string, span: Span, pre?: ClauseFeatures) => number,
  band: NeutralBand,
  maxClauses = 200,
  model?: ClauseAspectModel,
  features?: (span: Span) => ClauseFeatures | undefined,
  review?: number,
  context?: Float64Array | null,
): AspectHit[] {
  const hits: AspectHit[] = [];
  const spans = splitClauses(text).slice(0, maxClauses);
  // a model that reads its neighbour clauses: every clause hashed once, up front (its ids read three times)
  const pass =
    model?.readsNeighbours && model.neighbours
      ? model.neighbours(
          spans.map((s) => s.text),
          context,
        )
      : null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (model && detectLanguage(span.text) === model.language) {
      const keywords = clauseAspects(span.text);
      const pre = features?.(span);
      const found = pass
        ? model.detect(span.text, keywords, pass.view(i), pass.context(i))
        : model.detect(span.text, keywords, pre, context);
      // aspects outside the agent's control also count when only the keyword rules see them: any
      // sign of an outside cause keeps a complaint away from the agent
      const extra = keywords.filter((a) => !AGENT_CONTROLLABLE.has(a) && !found.some((f) => f.aspect === a));
      if (found.length === 0 && extra.length === 0) continue;
      const p = score(span.text, span, pre);
      for (const { aspect, confidence, service } of found) {
        const probability = model.polarity(aspect, p, undefined, review, service);
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
