/**
 * The draw of the aspect evaluation set (data/aspects/, see its README): which rows of the
 * shared review data's dev.csv and test.csv are labelled, and which part (dev/test) each item is in.
 * Never reads train.csv. Prints the draw as JSON lines without labels, or checks that a committed
 * set reproduces it (data items: same ids, rows, sha1 and parts; own texts: the part rule).
 *
 *   npx tsx training/aspects-sample.ts --lang zh [--seed 1818] [--data ../shared/data/reviews]
 *   npx tsx training/aspects-sample.ts --lang zh --check data/aspects/zh.jsonl
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readReviews, sha12 } from '../src/reviews/sentiment/aspect-data.js';
import { mulberry32 as rng } from '../src/lib/maths.js';

type Lang = 'zh' | 'en';

interface Plan {
  dir: string;
  /** reviews longer than this many characters are not drawn (each item is read whole) */
  maxChars: number;
  random: number;
  /** the broad net: groups drawn in this order, each up to its quota, from rows no earlier group took */
  net: { name: string; quota: number; re: RegExp }[];
}

const PLANS: Record<Lang, Plan> = {
  zh: {
    dir: 'zh-online-shopping',
    maxChars: 400,
    random: 420,
    net: [
      {
        name: 'staff',
        quota: 200,
        re: /客服|服务|态度|店员|店家|店主|卖家|商家|掌柜|老板|前台|服务员|服务生|迎宾|接待|经理|保安|门童|行李员|工作人员|小姐|阿姨|师傅|热情|礼貌|耐心|冷淡|冷漠|不理|脸色|亲切|周到|贴心|微笑|骂|凶|吼|推脱|推诿|敷衍|答应|说好|投诉|解释/,
      },
      {
        name: 'reply',
        quota: 100,
        re: /回复|回答|答复|回应|回话|旺旺|联系|电话|没人接|不接|没人理|及时|等了|半天|效率|响应|反馈|催|找了|问了/,
      },
      {
        name: 'returns',
        quota: 100,
        re: /退货|退款|退钱|换货|退换|售后|保修|维修|返修|补发|赔|退回|寄回|退房|押金|发票|换一|调换/,
      },
      {
        name: 'delivery',
        quota: 120,
        re: /快递|物流|发货|送货|送到|到货|配送|邮寄|邮费|运费|顺丰|圆通|申通|中通|韵达|EMS|ems|京东|送餐|外卖|派送|签收|上门|几天|天才|延迟|丢|路上|速度/,
      },
      {
        name: 'packaging',
        quota: 50,
        re: /包装|盒子|箱子|纸箱|泡沫|袋子|封口|破损|压坏|挤压|漏|碎|瓶子|塑封|外壳|胶带/,
      },
      {
        name: 'price_quality',
        quota: 60,
        re: /价格|价钱|便宜|贵|性价比|划算|值得|优惠|打折|降价|元|块钱|质量|品质|做工|正品|假货|新鲜|坏|烂|次品/,
      },
    ],
  },
  en: {
    dir: 'en-amazon-multidomain',
    maxChars: 1600,
    random: 224,
    net: [
      {
        name: 'staff',
        quota: 110,
        re: /\b(customer (service|care|support)|service reps?|representatives?|reps?|tech(nical)? support|support (team|line|staff)|staff|employees?|clerks?|sales ?(man|men|person|people|woman)|agents?|operators?|technicians?|associates?|managers?|rude|polite|courteous|helpful|unhelpful|friendly|attitude|seller|vendor|merchant|contacted|complain(ed|t)?|hung up|they told me|was told)\b/i,
      },
      {
        name: 'reply',
        quota: 50,
        re: /\b(repl(y|ied|ies)|respon(d|ded|se|sive)|answer(ed|s)?|on hold|wait(ed|ing)?|never heard|get back|got back|call(ed)? back|e-?mail(ed|s)?|phone(d)?|called|calls?)\b/i,
      },
      {
        name: 'returns',
        quota: 80,
        re: /\b(return(ed|ing|s)?|refund(ed|s)?|exchang(e|ed)|replacements?|replac(e|ed)|warrant(y|ies)|rma|sen[dt] (it|them) back|money back|credit(ed)?|restocking)\b/i,
      },
      {
        name: 'delivery',
        quota: 50,
        re: /\b(shipp(ing|ed)|ships?|deliver(y|ed|ies)?|arriv(e|ed|al)|ups|fedex|usps|post office|mail(ed)?|tracking|backorder(ed)?|on time|late|lost|in transit)\b/i,
      },
      {
        name: 'packaging',
        quota: 20,
        re: /\b(packag(ing|ed)|box(es|ed)?|wrapp(ed|ing)|packing|shrink ?wrap|dented|bubble wrap|styrofoam|blister)\b/i,
      },
      {
        name: 'price_quality',
        quota: 26,
        re: /(\$\d|\b(price[ds]?|cheap(ly|er)?|expensive|worth|bargain|costs?|quality|broke|broken|defective|sturdy|flimsy|durable)\b)/i,
      },
    ],
  },
};

export const SPLIT_FILES = ['dev.csv', 'test.csv'] as const;
export const DEV_SHARE = 0.4;
export const DEFAULT_SEED = 1818;

function shuffle<T>(xs: T[], next: () => number): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// one reader of the shared CSVs and one hash for the draw, the loaders and the training
export { readReviews, sha12 } from '../src/reviews/sentiment/aspect-data.js';

export interface Drawn {
  id: string;
  part: 'dev' | 'test';
  own: false;
  src: { file: string; row: number; sha1: string };
  draw: string;
}

/** Splits `items` (already in a seeded order) of one stratum: the first 40 % (rounded) are dev. */
function splitParts<T>(items: T[]): ('dev' | 'test')[] {
  const nDev = Math.round(items.length * DEV_SHARE);
  return items.map((_, i) => (i < nDev ? 'dev' : 'test'));
}

export function draw(lang: Lang, dataDir: string, seed = DEFAULT_SEED): Drawn[] {
  const plan = PLANS[lang];
  const next = rng(seed);
  const pool: { file: string; row: number; text: string }[] = [];
  for (const f of SPLIT_FILES) {
    const file = `${plan.dir}/${f}`;
    readReviews(`${dataDir}/${file}`).forEach((text, row) => {
      if (text.trim().length > 0 && text.length <= plan.maxChars) pool.push({ file, row, text });
    });
  }
  const order = shuffle(pool, next);
  const taken = new Set<number>();
  const strata: { name: string; picks: number[] }[] = [{ name: 'random', picks: [] }];
  for (let i = 0; i < order.length && strata[0]!.picks.length < plan.random; i++) {
    strata[0]!.picks.push(i);
    taken.add(i);
  }
  for (const g of plan.net) {
    const picks: number[] = [];
    for (let i = 0; i < order.length && picks.length < g.quota; i++) {
      if (!taken.has(i) && g.re.test(order[i]!.text)) {
        picks.push(i);
        taken.add(i);
      }
    }
    strata.push({ name: `net:${g.name}`, picks });
  }
  const parts = new Map<number, 'dev' | 'test'>();
  const drawOf = new Map<number, string>();
  for (const s of strata) {
    const ps = splitParts(s.picks);
    s.picks.forEach((p, k) => {
      parts.set(p, ps[k]!);
      drawOf.set(p, s.name);
    });
  }
  // ids in a fresh seeded order, so an id says nothing of its stratum and reading order mixes them
  const ids = shuffle([...taken], next);
  return ids.map((p, k) => {
    const it = order[p]!;
    return {
      id: `${lang}-${String(k + 1).padStart(4, '0')}`,
      part: parts.get(p)!,
      own: false,
      src: { file: it.file, row: it.row, sha1: sha12(it.text) },
      draw: drawOf.get(p)!,
    };
  });
}

/** Parts of the own texts: ids sorted, shuffled with seed + 1, the first 40 % (rounded) dev. */
export function ownParts(ids: string[], seed = DEFAULT_SEED): Map<string, 'dev' | 'test'> {
  const order = shuffle(ids.slice().sort(), rng(seed + 1));
  const ps = splitParts(order);
  return new Map(order.map((id, k) => [id, ps[k]!]));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      lang: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      data: { type: 'string', default: '../shared/data/reviews' },
      check: { type: 'string' },
    },
  });
  const lang = values.lang as Lang;
  if (lang !== 'zh' && lang !== 'en') {
    console.error('usage: aspects-sample --lang zh|en [--seed N] [--data DIR] [--check data/aspects/zh.jsonl]');
    process.exit(2);
  }
  const seed = Number(values.seed);
  const drawn = draw(lang, values.data!, seed);
  if (!values.check) {
    for (const d of drawn) console.log(JSON.stringify(d));
    return;
  }
  const lines = readFileSync(values.check, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; part: string; own: boolean; src: Drawn['src'] | null });
  const problems: string[] = [];
  const byId = new Map(lines.map((l) => [l.id, l]));
  for (const d of drawn) {
    const l = byId.get(d.id);
    if (!l) problems.push(`${d.id}: drawn but not in the set`);
    else if (l.own || l.part !== d.part || JSON.stringify(l.src) !== JSON.stringify(d.src))
      problems.push(`${d.id}: set has ${JSON.stringify({ part: l.part, src: l.src })}, draw has ${JSON.stringify(d)}`);
  }
  const drawnIds = new Set(drawn.map((d) => d.id));
  for (const l of lines) if (!l.own && !drawnIds.has(l.id)) problems.push(`${l.id}: in the set but not drawn`);
  const own = lines.filter((l) => l.own);
  const op = ownParts(
    own.map((l) => l.id),
    seed,
  );
  for (const l of own)
    if (op.get(l.id) !== l.part) problems.push(`${l.id}: own text in ${l.part}, rule says ${op.get(l.id)}`);
  console.log(
    `${values.check}: ${drawn.length} drawn items, ${own.length} own texts, ${problems.length} problems (seed ${seed})`,
  );
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  if (problems.length > 0) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
