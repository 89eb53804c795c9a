import { describe, expect, it } from 'vitest';
import {
  containsPersonalData,
  createMasker,
  DEFAULT_ORDER_PATTERNS,
  JD_ORDER_PATTERN,
  maskPersonalData,
  maskPersonalText,
  type PiiClass,
} from '../../src/privacy/index.js';

/** The masked text and [class, original substring] of every finding. */
const run = (text: string, options?: Parameters<typeof maskPersonalData>[1]) => {
  const r = maskPersonalData(text, options);
  return { text: r.text, spans: r.found.map((f) => [f.class, text.slice(f.start, f.end)] as [PiiClass, string]) };
};
const untouched = (text: string) => {
  expect(run(text)).toEqual({ text, spans: [] });
  expect(containsPersonalData(text)).toBe(false);
};

describe('mobile numbers', () => {
  it.each([
    ['电话13912341234，谢谢', '电话139****1234，谢谢'],
    ['电话139-1234-1234', '电话139****1234'],
    ['电话139 1234 1234', '电话139****1234'],
    ['call +86 139 1234 1234 now', 'call 139****1234 now'],
    ['号码86-13912341234', '号码139****1234'],
    ['号码0086 135 8877 6621', '号码135****6621'],
    ['(+86)13699887766本人', '139****7766本人'.replace('139', '136')],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
    expect(run(text).spans[0]![0]).toBe('mobile');
    expect(containsPersonalData(text)).toBe(true);
  });

  it('reads full-width digits and keeps the kept digits as written', () => {
    expect(run('联系电话：１３８１２３４５６７８').text).toBe('联系电话：１３８****５６７８');
    expect(run('电话：137１２３４５６７８').spans).toEqual([['mobile', '137１２３４５６７８']]);
  });

  it.each([
    '订单123456789013912341234567没有发货', // inside a longer digit run
    '流水号139123412341234567的那笔退款',
    '会员号1381234567，积分没到账', // 10 digits
    '12-digit 139123412345 code',
    '银行卡号6222021234567890123',
    'SN13912341234 is on the box', // part of an alphanumeric code
    '快递单号SF1408862917365',
    '价格1299元，4.5星，iPhone 13，房间1201',
  ])('leaves %s alone', untouched);
});

describe('landlines', () => {
  it.each([
    ['座机010-12345678', '座机010-****5678'],
    ['电话(0755) 1234 5678', '电话(0755) ****5678'],
    ['电话（０７５５）１２３４５６７８', '电话（０７５５）****５６７８'],
    ['转分机021-1234567-801', '转分机021-****4567-***'],
    ['公司0571-88861234转123', '公司0571-****1234转***'],
    ['Tel +86 10 6275 1234', 'Tel +86 10 ****1234'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
    expect(run(text).spans.map((s) => s[0])).toEqual(['landline']);
  });

  it.each([
    '客服热线400-820-8820打不进去',
    'toll free 800-820-3800',
    '2022-12-31 23:59 下的单，2023-01-03到货',
    '区号是0755，但是不知道号码',
    'US support 1-800-555-0199',
  ])('leaves %s alone', untouched);
});

describe('ID numbers', () => {
  it('masks a valid 18-character ID to the first 6 and the last 4', () => {
    expect(run('身份证11010519491231002X，谢谢').text).toBe('身份证110105********002X，谢谢');
    expect(run('身份证11010519491231002x').spans).toEqual([['id_number', '11010519491231002x']]);
    expect(run('ID ４４０３０５１９８７０６１５３２３３ ok').text).toBe('ID ４４０３０５********３２３３ ok');
  });

  it.each([
    '身份证号11010519491231002Y格式不对', // wrong check character
    '11010519491231003X', // check digit does not match
    '编号44030519871332123X', // month 13
    '身份证110105199302291234', // 29 February 1993
    '货号：180231998765432101，颜色黑色', // 18 digits, no valid birth date
    '身份证11010519491231002，少最后一位',
  ])('leaves %s alone', untouched);

  it('prefers an order number after an order trigger over an ID reading', () => {
    expect(run('身份证440305198706153233').spans).toEqual([['id_number', '440305198706153233']]);
    expect(run('订单号：440305198706153233').spans).toEqual([['order', '440305198706153233']]);
  });
});

describe('e-mail addresses', () => {
  it.each([
    ['邮箱abc.def@example.com。', '邮箱a***@example.com。'],
    ['mail wang.fang+shop@company.com.cn now', 'mail w***@company.com.cn now'],
    ['我的邮箱13912345678@139.com', '我的邮箱1***@139.com'],
    ['全角abc＠163.com', '全角a***＠163.com'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
    expect(run(text).spans.map((s) => s[0])).toEqual(['email']);
  });

  it.each(['加客服微信@小助手领取', 'rated @ 4.5/5', 'I gave it 5@ stars', 'service@ 打头的邮箱'])(
    'leaves %s alone',
    untouched,
  );
});

describe('order numbers', () => {
  it.each([
    ['订单号：230417889123456789，谢谢', '订单号：**************6789，谢谢'],
    ['订单编号1912345678901234567', '订单编号***************4567'],
    ['订单ID:1234509876123450987', '订单ID:***************0987'],
    ['Order #230417889123456789 late', 'Order #**************6789 late'],
    ['order no. 1234567890123456789', 'order no. ***************6789'],
    ['订单号１２３４５６７８９０１２３４５６７８', '订单号**************５６７８'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
  });

  it('masks a list of same-shaped ids after one trigger', () => {
    expect(run('订单号230412345678901234和230412345678901235合并了').spans).toEqual([
      ['order', '230412345678901234'],
      ['order', '230412345678901235'],
    ]);
  });

  it.each([
    '订单123456789012345678'.replace('订单', '编号'), // no trigger
    '这个123456789012345678一直显示待发货',
    '快递单号773145982310567，申通',
    '运单号JD0098765432101',
    '下了3个订单，只到了1个',
    'Order 2 of these, one for the office.',
    '订单金额：188.00元',
  ])('leaves %s alone', untouched);

  it('takes the deployment pattern list from options', () => {
    const text = '京东订单号：275123456789，坏了';
    expect(run(text).spans).toEqual([]);
    const options = { orderPatterns: [...DEFAULT_ORDER_PATTERNS, JD_ORDER_PATTERN] };
    expect(run(text, options).text).toBe('京东订单号：********6789，坏了');
    const custom = { orderPatterns: [/售后单(?<id>SH[0-9]{8})/] };
    expect(run('售后单SH20230512请处理', custom).text).toBe('售后单******0512请处理');
  });
});

describe('street addresses', () => {
  it.each([
    ['广东省深圳市南山区科技园南区xx路88号3栋201', '广东省深圳市南山区****'],
    ['收货地址：广东省深圳市南山区科技南十二路18号长虹科技大厦1506室，破损', '收货地址：广东省深圳市南山区****，破损'],
    ['送到北京市西城区西直门南大街2号成铭大厦C座8层，前台代收', '送到北京市西城区****，前台代收'],
    ['地址是广州市海珠区江南大道中168号，签收人不是我', '地址是广州市海珠区****，签收人不是我'],
    ['寄到宝安区福永街道凤凰第一工业区A栋3楼', '寄到宝安区****'],
    ['我家在中山北路1520号3栋1201，快递放门口', '我家在****，快递放门口'],
    ['收货地址：人民路88号，没到', '收货地址：****，没到'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
    expect(run(text).spans.every((s) => s[0] === 'address')).toBe(true);
  });

  it.each([
    ['Ship to 221B Baker Street, London.', 'Ship to ****, London.'],
    ['moved to Flat 3, 15 Victoria Road, Manchester', 'moved to ****, Manchester'],
    ['Deliver to Apartment 4B, 250 Spring Street.', 'Deliver to ****.'],
    ['send it to 6 Harley St., flat above', 'send it to ****, flat above'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
  });

  it.each([
    '南山区的门店不错',
    '湖南长沙岳麓区的仓库发货很快',
    '6月5号下单，7号到货',
    '地铁2号线出口就是酒店',
    '5号楼下面有个菜鸟驿站',
    '酒店位于深圳市南山区科技南路88号，交通方便',
    '门店地址：南京市鼓楼区中山路18号德基广场，欢迎自提',
    '这家店就在建国路88号SOHO现代城，可以自提',
    'The Grand Hotel, 1 Main Street, was our base.',
    'The hotel at 100 Queen Street was fine.',
    'I live on Baker Street, near the museum.',
    'A 5 Star Hotel in name only; 2 Day Shipping took 6 days.',
    'Highway 101 traffic delayed the delivery.',
  ])('leaves %s alone', untouched);
});

describe('names', () => {
  it.each([
    ['收件人：张三，电话', '收件人：张*，电话'],
    ['收件人张三丰电话', '收件人张**电话'],
    ['收货人是王磊，明天在家', '收货人是王*，明天在家'],
    ['联系人：欧阳明月', '联系人：欧***'],
    ['收件人姓名：李娜', '收件人姓名：李*'],
    ['Name: John Smith, phone', 'Name: J*********, phone'],
    ['Recipient: Mr. James Lee', 'Recipient: Mr. J********'],
    ['RECIPIENT: David Wilson', 'RECIPIENT: D***********'],
  ])('%s', (text, masked) => {
    expect(run(text).text).toBe(masked);
    expect(run(text).spans.every((s) => s[0] === 'name')).toBe(true);
  });

  it.each([
    '联系人工客服半天没人理', // 联系 + 人工客服
    '联系人王女士，电话稍后发你', // a surname and an honorific only
    '姓名不能修改吗？',
    '收件人写错了，怎么改？',
    '收件人信息不完整',
    '还能在联系人项目中添加邮箱',
    'Product name: Kindle Paperwhite.',
    'Username: bookworm, Brand name: Sony',
    'Name: unknown.',
    '客服小王态度很好',
  ])('leaves %s alone', untouched);
});

describe('maskPersonalData', () => {
  it('reports offsets into the original text, in order, and rebuilds the text from them', () => {
    const text = '收件人：张伟 １３８００１３８０００ 广东省广州市越秀区中山五路219号，订单号：230318456789012345';
    const { text: masked, found } = maskPersonalData(text);
    expect(found.map((f) => f.class)).toEqual(['name', 'mobile', 'address', 'order']);
    let rebuilt = '';
    let at = 0;
    for (const f of found) {
      expect(f.start).toBeGreaterThanOrEqual(at);
      rebuilt += text.slice(at, f.start) + f.replacement;
      at = f.end;
    }
    expect(rebuilt + text.slice(at)).toBe(masked);
    expect(masked).toBe('收件人：张* １３８****８０００ 广东省广州市越秀区****，订单号：**************2345');
  });

  it('masks only the classes asked for', () => {
    const text = '电话13912341234，邮箱abc@example.com';
    expect(run(text, { classes: ['email'] }).text).toBe('电话13912341234，邮箱a***@example.com');
    expect(createMasker({ classes: [] }).contains(text)).toBe(false);
  });

  it('returns the same string when there is nothing to mask', () => {
    const text = '物流很快，包装完好，五星好评';
    expect(maskPersonalData(text).text).toBe(text);
    expect(maskPersonalData(text).found).toEqual([]);
    expect(maskPersonalText(text)).toBe(text);
    expect(maskPersonalText('价格1299元')).toBe('价格1299元');
    expect(maskPersonalText('电话13912341234')).toBe('电话139****1234');
  });
});
