import type { Sink } from './types.js';

const CJK = '\\u4e00-\\u9fa5';
/** A house, building or room number: the anchor every Chinese street address needs (88号, 3栋, 201室). */
const ANCHOR =
  /(?<![0-9A-Za-z])(?:[0-9]{1,5}[A-Za-z]?(?:-[0-9]{1,5})?(?:号楼|号院|号|栋|幢|单元|室|弄|#)|[A-Za-z](?:栋|幢|座))/g;
/**
 * More of the street line after the anchor: numbers (3栋2单元201室, -1-201, A座1201, 19舍101) and
 * building names followed by a number (长虹科技大厦1506室, 保利广场写字楼36楼).
 */
const RIGHT = new RegExp(
  `(?:(?:[0-9]{1,5}[A-Za-z]?|[A-Za-z])(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|户|舍)|[-#][0-9]{1,5}|[0-9]{1,5}[A-Za-z]?(?![0-9A-Za-z年月日元块件个点天次分秒])|[甲乙丙丁](?=[${CJK}0-9])|[${CJK}A-Za-z]{1,10}?(?:大厦|大楼|广场|中心|写字楼|大学|学院|小区|花园|公寓|苑|园|城|楼|舍|宿舍|家园|新村|村|工业区|园区|大院|院|座|期|区)(?=[0-9]|[A-Za-z](?:座|栋|幢)))*`,
  'y',
);
const RUN_CHAR = new RegExp(`[${CJK}A-Za-z0-9#-]`);
/** Street or estate words that may stand right before the anchor. */
const STRONG_END =
  /(?:(?:路|街|大道)(?:[东西南北中]|[东西南北中]?[0-9一二三四五六七八九十]*段)?|巷|弄|胡同|小区|花园|公寓|大厦|苑|新村|家园|村|组|里)$/;
const WEAK_END = /(?:道|镇|乡|园|城|中心|广场|社区|区|府|湾|庭|阁|期|座|楼|号院|大楼|[0-9])$/;
/** Words that introduce an address; the masked street line starts after them. */
const TRIGGER = /(?:收货地址|收件地址|地址|住址|寄到|送到|寄至|送至|寄往|发到)(?:是|为|:)?\s*/g;
const ADMIN = new RegExp(
  `(?:[${CJK}]{2,7}?(?:省|自治区|特别行政区))?(?:[${CJK}]{2,7}?(?:市|自治州|地区|盟))?([${CJK}]{1,7}?(?:区|县|旗|市))?`,
  'y',
);
const NOT_DISTRICT = /(?:小区|园区|社区|校区|景区|厂区|片区|商区|生活区)$/;
const LEAD = /^(?:我家|家|我|在|住|到|寄|送|去|是|的|于|从|往|位于)+/;
/** Business context right before an address: a shop's or hotel's address is not personal. */
const BUSINESS =
  /酒店|宾馆|饭店|门店|店铺|实体店|本店|分店|店址|门市|专卖店|旗舰店|[店馆厅]就?在|商场|超市|专柜|营业厅|位于|坐落/;

/** Chinese street addresses kept to the district: 广东省深圳市南山区**** (the street line becomes ****). */
export function findZhAddresses(norm: string, _orig: string, sink: Sink): void {
  ANCHOR.lastIndex = 0;
  for (let m = ANCHOR.exec(norm); m; m = ANCHOR.exec(norm)) {
    const anchor = m.index;
    let runStart = anchor;
    while (runStart > 0 && anchor - runStart < 40 && RUN_CHAR.test(norm[runStart - 1]!)) runStart--;
    const left = norm.slice(runStart, anchor);
    const strong = STRONG_END.test(left);
    if (!strong && !WEAK_END.test(left)) continue;
    let base = 0;
    TRIGGER.lastIndex = 0;
    for (let t = TRIGGER.exec(left); t; t = TRIGGER.exec(left)) base = t.index + t[0].length;
    ADMIN.lastIndex = base;
    const admin = ADMIN.exec(left)!;
    let adminEnd = base + admin[0].length;
    if (admin[1] && NOT_DISTRICT.test(admin[1])) adminEnd -= admin[1].length;
    if (base === 0) {
      if (adminEnd === 0 && !strong) continue;
      if (BUSINESS.test(norm.slice(Math.max(0, runStart - 8), runStart + Math.min(left.length, 8)))) continue;
    }
    let start = runStart + adminEnd;
    if (adminEnd === base) start += LEAD.exec(left.slice(base))?.[0].length ?? 0;
    RIGHT.lastIndex = anchor + m[0].length;
    RIGHT.exec(norm);
    const end = RIGHT.lastIndex;
    ANCHOR.lastIndex = end;
    if (start < end && sink('address', start, end, '****')) return;
  }
}

const EN_STREET =
  /(?<![A-Za-z0-9])(?:(?:Flat|Apt\.?|Apartment|Unit|Suite) [0-9A-Za-z]{1,5},? )?[0-9]{1,5}[A-Za-z]?(?:-[0-9]{1,5})? (?:[A-Z][a-z]+\.? ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Way|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Hill)\b\.?(?:,? (?:Apt\.?|Apartment|Unit|Suite|Ste\.?|Flat|#) ?[0-9A-Za-z]{1,5}\b)?/g;

/** A hotel's or a shop's address is not personal: The Grand Hotel at 1 Main Street. */
const EN_BUSINESS =
  /\b(?:hotel|hostel|inn|motel|store|shop|restaurant|cafe|bar|mall|museum|station|branch|outlet|showroom)\b(?: (?:is|was))?(?: (?:at|on|in))?,? $/i;

/** English street lines (a number, capitalised name words, a street type): 221B Baker Street → ****. */
export function findEnAddresses(norm: string, _orig: string, sink: Sink): void {
  EN_STREET.lastIndex = 0;
  for (let m = EN_STREET.exec(norm); m; m = EN_STREET.exec(norm)) {
    if (EN_BUSINESS.test(norm.slice(Math.max(0, m.index - 32), m.index))) continue;
    let end = m.index + m[0].length;
    if (norm[end - 1] === '.' && !/(?:St|Rd|Ave|Ln|Dr|Blvd|Ct|Pl|Sq|Pkwy|Hwy|Ste|Apt)\.$/.test(m[0])) end--;
    if (sink('address', m.index, end, '****')) return;
  }
}
