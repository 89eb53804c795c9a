import { describe, expect, it } from 'vitest';
import { clauseAspects, SPLIT_SOURCE, splitClauses } from '../../src/reviews/sentiment/aspects.js';

const texts = (s: string) => splitClauses(s).map((c) => c.text);

describe('clause splitter v2', () => {
  it('splits on 、 and on spaces between Chinese clauses, keeping offsets', () => {
    const s = '做工细、包装好、到货快 客服态度也好';
    expect(texts(s)).toEqual(['做工细', '包装好', '到货快', '客服态度也好']);
    for (const c of splitClauses(s)) expect(s.slice(c.start, c.end)).toBe(c.text);
  });
  it('does not split inside decimals, and keeps English words together', () => {
    expect(texts('评分4.5分，服务一般。Rated 4.8/5. Great staff')).toEqual([
      '评分4.5分',
      '服务一般',
      'Rated 4.8',
      '5',
      'Great staff',
    ]);
  });
});

describe('keyword rules v2', () => {
  it('knows staff and delivery words that v1 missed', () => {
    expect(clauseAspects('店员很耐心')).toContain('service_attitude');
    expect(clauseAspects('迎宾的小姑娘一直笑着')).toContain('service_attitude');
    expect(clauseAspects('上菜太慢了')).toContain('response_speed');
    expect(clauseAspects('骑手态度很差')).toEqual(['logistics']);
    expect(clauseAspects('外卖小哥服务很好')).toEqual(['logistics']);
    expect(clauseAspects('送餐等了一个小时')).toEqual(['logistics']);
  });
  it('等了 and 速度 follow what the clause is about', () => {
    expect(clauseAspects('快递等了五天')).not.toContain('response_speed');
    expect(clauseAspects('客服回复等了半天')).toContain('response_speed');
    expect(clauseAspects('发货速度很快')).toEqual(['logistics']);
  });
  it('English: phone waits, nobody answering, plural staff, hashtags; delivery waits are not the agent', () => {
    expect(clauseAspects('I was on hold for two hours')).toContain('response_speed');
    expect(clauseAspects('nobody answered the phone')).toContain('response_speed');
    expect(clauseAspects('The cashiers were rude')).toContain('service_attitude');
    expect(clauseAspects('#rudestaff #neveragain')).toContain('service_attitude');
    expect(clauseAspects('still waiting for my package')).not.toContain('response_speed');
    expect(clauseAspects('the delivery driver was rude')).toEqual(['logistics']);
    expect(clauseAspects('my order was cancelled and refunded')).not.toContain('returns_handling');
  });
});

describe('the unattributed rule', () => {
  it('explains a service-channel review naming weather or platform rules as not the agent’s', async () => {
    const { explainAttribution } = await import('../../src/ratings/attribution.js');
    const base = { sentiment_model: 'm', w: null, agent_p: null, aspect_hits: 0, language: 'zh' };
    expect(explainAttribution({ ...base, channel: 'chat', text: '下暴雨了，平台规定超时自动取消' })).toMatchObject({
      attributable: false,
      reason: expect.stringContaining('outside the agent'),
    });
    // a refund held by a bank or a payment processor: the agent has issued it
    for (const text of [
      '退款已经退了，银行还没到账',
      'My order was cancelled and the refund took ages because of the bank.',
    ])
      expect(explainAttribution({ ...base, channel: 'chat', text }).attributable).toBe(false);
    expect(explainAttribution({ ...base, channel: 'chat', text: 'ok' }).reason).not.toContain('outside');
  });
});

describe('keyword rules v2.1 (tuned on the dev part)', () => {
  it('staff named only for a reply or a return is not service attitude, unless a word of manner is there', () => {
    expect(clauseAspects('客服说会退款')).toEqual(['returns_handling']);
    expect(clauseAspects('客服一直没回')).toEqual(['response_speed']);
    expect(clauseAspects('人工客服接通很快')).toEqual(['response_speed']);
    expect(clauseAspects('客服很耐心地帮我退款')).toEqual(['service_attitude', 'returns_handling']);
    expect(clauseAspects('祝店家大卖')).toEqual([]);
    expect(clauseAspects('The seller refunded me right away')).toEqual(['returns_handling']);
    expect(clauseAspects('The rep was rude about my refund')).toEqual(['service_attitude', 'returns_handling']);
  });
  it('English words that praise things as often as people need a person in the clause', () => {
    expect(clauseAspects('This book is very helpful')).not.toContain('service_attitude');
    expect(clauseAspects('a user friendly menu')).not.toContain('service_attitude');
    expect(clauseAspects('The rep was so helpful')).toContain('service_attitude');
    expect(clauseAspects('they were super friendly')).toContain('service_attitude');
    expect(clauseAspects('the frequency response is flat')).not.toContain('response_speed');
    expect(clauseAspects('still no response from the seller')).toContain('response_speed');
  });
  it('a customer returning something, a product replacing another, warranty terms: not returns handling', () => {
    for (const t of [
      'I returned it',
      'We will be returning it',
      'I am sending mine back for a refund',
      'It replaced one I had for many years',
      'It simply quit shortly after the warranty expired',
    ])
      expect(clauseAspects(t)).not.toContain('returns_handling');
    for (const t of [
      'They refused to take it back',
      'I called and they agreed to send a replacement',
      'Support walked me through a warranty claim',
      'The store would not let me return it',
    ])
      expect(clauseAspects(t)).toContain('returns_handling');
  });
});

describe('clause splitter without the u flag', () => {
  // the splitter's regex before the speed work (issue 18), kept here as the reference
  const FORMER =
    /[，。！？；：,!?;:\n\r~～…()（）【】[\]、|｜/]+|(?<!\d)\.|\.(?!\d)|(?<=[\u3000-\u9fff\uff00-\uffef])[ \t\u3000]+|[ \t\u3000]+(?=[\u3000-\u9fff\uff00-\uffef])|但是|可是|不过|然而|就是|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b/giu;
  const cuts = (re: RegExp, t: string) => {
    const out: string[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(t); m !== null; m = re.exec(t)) out.push(`${m.index}+${m[0].length}`);
    return out.join(',');
  };

  it('cuts where the former /giu regex cut, on random text over the tricky characters', () => {
    const now = new RegExp(SPLIT_SOURCE, 'gi');
    const alphabet = [
      'but',
      'BUT',
      'Though',
      'HOWEVER',
      'except',
      'although',
      'ſ',
      'K',
      'k',
      'x',
      '_',
      '1',
      '.',
      '4.5',
      ' ',
      '\t',
      '\u3000',
      '好',
      '，',
      'Ａ',
      '但是',
      '就是',
      'é',
      '😀',
      '\ud800',
      'a',
      '\n',
      '、',
      'ＢＵＴ',
    ];
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let compared = 0;
    for (let i = 0; i < 50_000; i++) {
      let t = '';
      const n = 1 + Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) t += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(cuts(now, t), t).toBe(cuts(FORMER, t));
      compared++;
    }
    expect(compared).toBe(50_000);
    expect(cuts(now, 'okbut ſbut Kbut but_ BUT.')).toBe(cuts(FORMER, 'okbut ſbut Kbut but_ BUT.'));
    expect(splitClauses('good but slow').map((s) => s.text)).toEqual(['good', 'slow']);
  });
});
