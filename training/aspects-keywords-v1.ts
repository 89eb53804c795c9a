/**
 * The keyword aspect detector as it was before issue 18 (frozen copy of the lists and the clause
 * splitter of src/reviews/sentiment/aspects.ts at commit 180e442), kept only so that
 * `npm run eval:aspects` can report the original baseline beside the current detectors.
 */
import type { Aspect } from '../src/reviews/sentiment/aspects.js';

export const KEYWORDS_V1: Record<Aspect, { zh: string[]; en: string[] }> = {
  service_attitude: {
    zh: [
      '客服',
      '服务',
      '态度',
      '店家',
      '卖家',
      '商家',
      '掌柜',
      '老板',
      '小二',
      '热情',
      '耐心',
      '礼貌',
      '不理人',
      '爱理不理',
      '服务员',
      '前台',
    ],
    en: [
      'customer service',
      'service',
      'staff',
      'seller',
      'support',
      'rude',
      'polite',
      'helpful',
      'friendly',
      'attitude',
      'representative',
      'agent',
    ],
  },
  response_speed: {
    zh: ['回复', '回应', '响应', '回消息', '秒回', '不回', '答复', '处理速度', '效率', '半天没', '没人理', '等了'],
    en: [
      'response',
      'respond',
      'responded',
      'reply',
      'replied',
      'got back to',
      'never heard back',
      'waited',
      'waiting',
      'took days to',
    ],
  },
  returns_handling: {
    zh: ['退货', '退款', '换货', '退换', '售后', '退钱', '补发', '赔偿', '理赔', '退回', '换了一'],
    en: [
      'return',
      'returned',
      'returning',
      'refund',
      'refunded',
      'exchange',
      'replacement',
      'warranty',
      'rma',
      'money back',
    ],
  },
  logistics: {
    zh: ['物流', '快递', '送货', '发货', '配送', '到货', '送到', '运输', '顺丰', '快递员', '速度', '送来', '运费'],
    en: [
      'shipping',
      'shipped',
      'delivery',
      'delivered',
      'arrived',
      'arrive',
      'courier',
      'ups',
      'fedex',
      'usps',
      'shipment',
      'transit',
    ],
  },
  product_quality: {
    zh: [
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
    ],
    en: [
      'quality',
      'works',
      'worked',
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
    ],
  },
  price: {
    zh: [
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
      '价位',
      '物美价廉',
      '值这个价',
    ],
    en: ['price', 'priced', 'cheap', 'expensive', 'value', 'worth', 'cost', 'money', 'bargain', 'deal', 'overpriced'],
  },
  packaging: {
    zh: ['包装', '盒子', '外包装', '箱子', '包裹', '封口', '泡沫', '纸箱', '压坏', '破损'],
    en: ['packaging', 'package', 'packaged', 'box', 'boxed', 'wrapping', 'wrapped', 'packing'],
  },
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MATCHERS = (Object.keys(KEYWORDS_V1) as Aspect[]).map((aspect) => ({
  aspect,
  zh: new RegExp(KEYWORDS_V1[aspect].zh.map(escapeRegExp).join('|')),
  en: new RegExp(`\\b(?:${KEYWORDS_V1[aspect].en.map(escapeRegExp).join('|')})\\b`, 'i'),
}));

const SPLIT_V1 =
  /[，。！？；：,.!?;:\n\r~～…()（）【】[\]]+|但是|可是|不过|然而|就是|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b/giu;

/** The v1 clause splitter (offsets into the text, trimmed, empty clauses dropped). */
export function splitClausesV1(text: string): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = [];
  let from = 0;
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end > start) out.push({ start, end, text: text.slice(start, end) });
  };
  for (const m of text.matchAll(SPLIT_V1)) {
    push(from, m.index);
    from = m.index + m[0].length;
  }
  push(from, text.length);
  return out;
}

/** The v1 keyword match of one clause (both languages' lists). */
export function clauseAspectsV1(clause: string): Aspect[] {
  return MATCHERS.filter((m) => m.zh.test(clause) || m.en.test(clause)).map((m) => m.aspect);
}
