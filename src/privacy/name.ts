import type { Sink } from './types.js';

const ZH_TRIGGER = /(?:收件人|收货人|联系人|姓名)(?:姓名|名字)?\s*(?:是|为|:)?\s*([\u4e00-\u9fa5]{2,5})/g;
const EN_TRIGGER =
  /(?<![A-Za-z])(?:[Nn](?:ame|AME)|[Rr](?:ecipient|ECIPIENT))\s*:\s*(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?(?!(?:Mr|Mrs|Ms|Miss|Dr)\b)([A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z'-]+){0,2})(?![*])/g;

/** Common single-character surnames (the candidate after a trigger must start with one). */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由',
);
const COMPOUND =
  /^(?:欧阳|司马|诸葛|上官|东方|皇甫|令狐|慕容|司徒|夏侯|尉迟|公孙|长孙|宇文|轩辕|南宫|独孤|西门|端木|呼延)/;
/** Words that end a name written without punctuation after it (张三电话…, 王女士, 李四收). */
const AFTER_NAME =
  /先生|女士|小姐|同学|老师|师傅|电话|手机|地址|联系|签收|收|的|在|与|说|是|已|都|也|不|没|就|了|本人/g;
/** Words before `name:` that make it a product's or an account's name, not a person's. */
const NOT_PERSON =
  /(?:product|item|brand|file|user|store|shop|model|company|app|screen|display|domain|host|device|pet|book|song|band|account|nick|wifi|network|business|game|character|street|place)\s*$/i;

/** What follows a trigger but is not a name: 收件人信息, 联系人电话, 姓名一栏, 收件人写错了. */
const NOT_NAME =
  /^(?:信息|项目|列表|资料|名单|页面|栏目|设置|功能|管理|电话|手机|地址|方式|号码|名字|名称|姓名|一|不|没|是|和|都|也|写|填|改|会|要|的|处|那|这|有|为|错|就|可|已|在|请|还|说|应|只|该|必|栏|与|及|等)/;

const mask = (s: string): string => s[0] + '*'.repeat(s.length - 1);

function zhName(candidate: string): string | undefined {
  if (NOT_NAME.test(candidate)) return undefined;
  const surname = COMPOUND.exec(candidate)?.[0].length ?? (SURNAMES.has(candidate[0]!) ? 1 : 0);
  if (surname === 0) return undefined;
  let len = Math.min(candidate.length, surname + 2);
  AFTER_NAME.lastIndex = surname;
  const stop = AFTER_NAME.exec(candidate);
  if (stop && stop.index < len) len = stop.index;
  return len > surname ? candidate.slice(0, len) : undefined;
}

/** Names after 收件人/收货人/联系人/姓名 or Name:/Recipient:, masked to the first character: 张**. */
export function findNames(norm: string, orig: string, sink: Sink): void {
  ZH_TRIGGER.lastIndex = 0;
  for (let m = ZH_TRIGGER.exec(norm); m; m = ZH_TRIGGER.exec(norm)) {
    const name = zhName(m[1]!);
    if (!name) continue;
    const start = m.index + m[0].length - m[1]!.length;
    ZH_TRIGGER.lastIndex = start + name.length;
    if (sink('name', start, start + name.length, mask(orig.slice(start, start + name.length)))) return;
  }
  EN_TRIGGER.lastIndex = 0;
  for (let m = EN_TRIGGER.exec(norm); m; m = EN_TRIGGER.exec(norm)) {
    if (NOT_PERSON.test(norm.slice(Math.max(0, m.index - 16), m.index))) continue;
    const end = m.index + m[0].length;
    const start = end - m[1]!.length;
    if (sink('name', start, end, mask(orig.slice(start, end)))) return;
  }
}
