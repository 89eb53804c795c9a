import type { Sink } from './types.js';

/** Case-insensitive: 订单号 / 订单编号 / 订单ID / 订单, order no. / order number / order # / order ID (folded text). */
const TRIGGER = String.raw`(?:订单(?:号码?|编号|id)?|(?<![a-z])orders?\s*(?:no\.?|number|num\.?|#|id)?)\s*(?:是|为|:|#)?\s*`;

/** Taobao / Tmall order ids: 18–19 digits after an order trigger (the default). */
export const TAOBAO_ORDER_PATTERN = new RegExp(`${TRIGGER}(?<id>[0-9]{18,19})(?![0-9])`, 'i');
/** JD.com order ids: 11–13 digits after an order trigger (add it where JD orders are reviewed). */
export const JD_ORDER_PATTERN = new RegExp(`${TRIGGER}(?<id>[0-9]{11,13})(?![0-9])`, 'i');
/** Pinduoduo order ids: yymmdd-15 digits after an order trigger. */
export const PDD_ORDER_PATTERN = new RegExp(`${TRIGGER}(?<id>[0-9]{6}-[0-9]{15})(?![0-9])`, 'i');

export const DEFAULT_ORDER_PATTERNS: readonly RegExp[] = [TAOBAO_ORDER_PATTERN];

/** Copies each pattern with the flags the scan needs (global, match indices). */
export function compileOrderPatterns(patterns: readonly RegExp[]): RegExp[] {
  return patterns.map((p) => new RegExp(p.source, `${p.flags.replace(/[gyd]/g, '')}gd`));
}

const MORE = /\s*(?:,|，|、|\/|and|or|和|及|与|或)\s*([0-9][0-9-]{5,30}[0-9])(?![0-9])/y;

const shapeOf = (id: string): string => id.replace(/[0-9]/g, '0');
const nextId = (norm: string, at: number): RegExpExecArray | null => {
  MORE.lastIndex = at;
  return MORE.exec(norm);
};

const maskId = (orig: string, start: number, end: number): string => {
  const keep = Math.min(4, end - start);
  return '*'.repeat(end - start - keep) + orig.slice(end - keep, end);
};

/** Masks all but the last 4 characters of each order id: ***************5678. */
export function orderFinder(compiled: readonly RegExp[]) {
  return (norm: string, orig: string, sink: Sink): void => {
    for (const re of compiled) {
      re.lastIndex = 0;
      for (let m = re.exec(norm); m; m = re.exec(norm)) {
        const [start, end] = m.indices?.groups?.id ?? m.indices![0]!;
        if (end === start) {
          re.lastIndex++;
          continue;
        }
        if (sink('order', start, end, maskId(orig, start, end))) return;
        // a list after one trigger: 订单号 A 和 B / orders A, B and C (ids of the same shape)
        const shape = shapeOf(norm.slice(start, end));
        let at = re.lastIndex;
        for (let more = nextId(norm, at); more && shapeOf(more[1]!) === shape; more = nextId(norm, at)) {
          at = MORE.lastIndex;
          if (sink('order', at - more[1]!.length, at, maskId(orig, at - more[1]!.length, at))) return;
        }
        re.lastIndex = at;
      }
    }
  };
}

/** Amazon order ids: 3-7-7 digits after an order trigger. */
export const AMAZON_ORDER_PATTERN = new RegExp(`${TRIGGER}(?<id>[0-9]{3}-[0-9]{7}-[0-9]{7})(?![0-9])`, 'i');
