/**
 * Review text templates written for this project (Chinese and English). A review is one to
 * three aspect clauses, each positive, negative or neutral, optionally framed by an opener and
 * a closer that follow the overall tone. `{d}` becomes a number of days, `{h}` of hours.
 */

export type Aspect = 'attitude' | 'speed' | 'returns' | 'logistics' | 'quality' | 'price' | 'packaging';
export type Polarity = 'pos' | 'neg' | 'neu';
export type Language = 'zh' | 'en';

/** Aspects the agent controls: only these (and agent-tied reviews) should move an agent's rating. */
export const AGENT_ASPECTS: readonly Aspect[] = ['attitude', 'speed', 'returns'];
export const OTHER_ASPECTS: readonly Aspect[] = ['logistics', 'quality', 'price', 'packaging'];

type Table = Readonly<Record<Aspect, Readonly<Record<Polarity, readonly string[]>>>>;

export const CLAUSES: Readonly<Record<Language, Table>> = {
  zh: {
    attitude: {
      pos: [
        '客服态度很好，耐心解答',
        '客服小姐姐很热情',
        '客服非常耐心，问了好多问题都一一解答',
        '服务态度一流',
        '客服说话很客气',
        '客服专业又细心',
        '服务很周到，必须点赞',
        '客服很有礼貌，沟通很舒服',
      ],
      neg: [
        '客服态度很差',
        '客服爱答不理的',
        '客服说话很冲',
        '问了几个问题客服就不耐烦了',
        '客服只会复制粘贴，根本不解决问题',
        '服务态度太敷衍了',
        '客服态度恶劣',
        '客服一直推卸责任',
      ],
      neu: ['客服态度一般', '客服还行吧，中规中矩'],
    },
    speed: {
      pos: ['回复很快', '客服秒回', '咨询问题马上就有回应', '回复速度很快，效率高', '几分钟就处理好了', '响应很及时'],
      neg: [
        '回复太慢了',
        '客服{h}个小时才回复',
        '发消息半天没人理',
        '等了好久客服才回',
        '找客服根本找不到人',
        '留言一直没人回复',
      ],
      neu: ['回复速度一般', '客服回复不算快也不算慢'],
    },
    returns: {
      pos: [
        '退货很顺利',
        '退款很快就到账了',
        '换货处理得很及时',
        '售后很给力，退换货没有任何麻烦',
        '申请退款当天就通过了',
        '退换货流程很简单',
        '有问题直接给补发了',
      ],
      neg: [
        '退货处理太慢',
        '申请退款{d}天了还没处理',
        '换货一拖再拖',
        '售后推来推去，退款迟迟不到账',
        '退货要我自己出运费，太不合理',
        '申请售后被拒绝了好几次',
      ],
      neu: ['退款流程还算正常', '售后处理中规中矩'],
    },
    logistics: {
      pos: ['物流很快', '快递第二天就到了', '发货速度快', '送货上门，很方便', '物流给力', '快递小哥很负责'],
      neg: [
        '快递太慢了，等了一周',
        '物流{d}天都没更新',
        '快递太慢了，等了{d}天',
        '发货太慢',
        '快递直接放驿站也不通知',
        '物流信息一直不动',
      ],
      neu: ['物流速度一般', '快递正常时间到的'],
    },
    quality: {
      pos: [
        '质量很好',
        '做工精细，和描述一致',
        '东西很好用',
        '面料舒服，质量不错',
        '品质没得说',
        '质量超出预期',
        '用了几天感觉不错',
      ],
      neg: [
        '质量太差了',
        '用了两天就坏了',
        '做工粗糙，有线头',
        '和图片差距很大',
        '收到就有瑕疵',
        '味道很大，不敢用',
        '尺码严重不准',
      ],
      neu: ['质量一般，对得起价格', '东西还行'],
    },
    price: {
      pos: ['价格实惠', '性价比很高', '活动价很划算', '比超市便宜多了', '凑满减很值'],
      neg: ['太贵了，不值这个价', '刚买就降价了', '性价比太低', '活动价比平时还贵', '价格虚高'],
      neu: ['价格还行', '价格中规中矩'],
    },
    packaging: {
      pos: ['包装很严实', '包装精美，送人很合适', '包装很用心，没有破损', '包装干净整洁'],
      neg: ['包装破损了', '外包装压坏了', '包装太简陋', '盒子都瘪了'],
      neu: ['包装普通', '包装一般'],
    },
  },
  en: {
    attitude: {
      pos: [
        'The agent was very patient and helpful',
        'Customer service was friendly and polite',
        'The support rep explained everything clearly',
        'Great service attitude',
        'The agent went out of their way to help',
      ],
      neg: [
        'The agent was rude',
        'Customer service was dismissive and unhelpful',
        'The rep kept pasting canned answers',
        'The support staff blamed me for the problem',
        'Very unprofessional customer service',
      ],
      neu: ['The agent was okay', 'Customer service was fine, nothing special'],
    },
    speed: {
      pos: [
        'They replied within minutes',
        'Super quick response from support',
        'Got an answer almost instantly',
        'Fast reply',
      ],
      neg: [
        'It took {h} hours to get a reply',
        'Nobody answered my messages',
        'Support was painfully slow to respond',
        'Waited forever for a reply',
      ],
      neu: ['Response time was average'],
    },
    returns: {
      pos: [
        'The return was processed quickly',
        'Refund arrived the same day',
        'The exchange was smooth and hassle-free',
        'They sent a replacement right away',
      ],
      neg: [
        'My refund still has not arrived after {d} days',
        'The return process was a nightmare',
        'They refused my return request',
        'The exchange took weeks',
      ],
      neu: ['The refund process was standard'],
    },
    logistics: {
      pos: ['Shipping was fast', 'It arrived the next day', 'Delivery was quick', 'The courier was careful'],
      neg: [
        'Shipping took forever',
        'The parcel took {d} days to arrive',
        'Tracking did not update for days',
        'The courier dumped it at a pickup point without telling me',
      ],
      neu: ['Delivery was average'],
    },
    quality: {
      pos: ['Great quality', 'Works exactly as described', 'Well made and sturdy', 'Quality exceeded my expectations'],
      neg: ['Poor quality', 'It broke after two days', 'Looks nothing like the pictures', 'It arrived defective'],
      neu: ['Quality is okay for the price'],
    },
    price: {
      pos: ['Good value for money', 'Great price during the sale', 'Cheaper than in stores'],
      neg: ['Way too expensive', 'The price dropped right after I bought it', 'Not worth the money'],
      neu: ['The price is fair'],
    },
    packaging: {
      pos: ['Well packaged', 'Packaging was neat and secure', 'Nice gift packaging'],
      neg: ['The box arrived crushed', 'Packaging was damaged', 'Flimsy packaging'],
      neu: ['Packaging was basic'],
    },
  },
};

export const OPENERS: Readonly<Record<Language, Readonly<Record<'pos' | 'neg' | 'any', readonly string[]>>>> = {
  zh: {
    pos: ['非常满意！', '好评！', '这次购物体验很好。'],
    neg: ['非常失望。', '差评！', '体验很糟糕。'],
    any: ['第二次买了，', '帮家人买的，', '活动期间下的单，'],
  },
  en: {
    pos: ['Very happy with this order.', 'Five stars.'],
    neg: ['Very disappointed.', 'Terrible experience.'],
    any: ['Second time ordering.', 'Bought this as a gift.'],
  },
};

export const CLOSERS: Readonly<Record<Language, Readonly<Record<'pos' | 'neg', readonly string[]>>>> = {
  zh: { pos: ['会回购的', '推荐购买', '五星好评'], neg: ['不会再买了', '不推荐', '再也不来了'] },
  en: { pos: ['Will buy again!', 'Highly recommend.'], neg: ['Would not recommend.', 'Never again.'] },
};
