/**
 * Lexicon scorers: the fallback for languages without a trained model and the baseline every
 * trained model must beat. English: natural's AFINN-165 analyser (loaded lazily from its own
 * module, so natural's index and its dotenv banners never load). Chinese: a small hand-written
 * lexicon with negators (不/没/别 flip) and intensifiers (很/太/非常 ×1.5).
 * The score is a sum of word valences; the probability is σ(score · slope), uncalibrated.
 */
import { createRequire } from 'node:module';
import { sigmoid } from './calibration.js';
import { enTokens, normalise } from './tokenize.js';

const require = createRequire(import.meta.url);

interface Analyzer {
  getSentiment(words: string[]): number;
}
let afinn: Analyzer | undefined;
function afinnAnalyzer(): Analyzer {
  if (!afinn) {
    const SentimentAnalyzer = require('natural/lib/natural/sentiment/SentimentAnalyzer.js') as new (
      lang: string,
      stemmer: null,
      type: string,
    ) => Analyzer;
    afinn = new SentimentAnalyzer('English', null, 'afinn');
  }
  return afinn;
}

/** Summed AFINN valence of an English text (negated words flip, via the `neg_` marking). */
export function afinnScore(text: string): number {
  const tokens = enTokens(normalise(text));
  let score = 0;
  const a = afinnAnalyzer();
  for (const t of tokens) {
    const negated = t.startsWith('neg_');
    const v = a.getSentiment([negated ? t.slice(4) : t]);
    score += negated ? -v : v;
  }
  return score;
}

const ZH_POSITIVE: Record<string, number> = {
  好: 1,
  不错: 2,
  满意: 2,
  喜欢: 2,
  推荐: 2,
  好评: 3,
  赞: 2,
  棒: 2,
  完美: 3,
  超值: 2,
  划算: 2,
  值得: 2,
  舒服: 2,
  漂亮: 2,
  清晰: 1,
  流畅: 2,
  耐心: 2,
  热情: 2,
  周到: 2,
  及时: 1,
  快: 1,
  很快: 2,
  干净: 1,
  实惠: 2,
  便宜: 1,
  正品: 2,
  好用: 2,
  好吃: 2,
  新鲜: 2,
  结实: 1,
  精美: 2,
  感谢: 2,
  谢谢: 1,
  惊喜: 2,
  放心: 2,
  贴心: 2,
  给力: 2,
  好看: 2,
  方便: 1,
  细心: 2,
  专业: 1,
  喜爱: 2,
  优秀: 2,
  支持: 1,
  牛: 1,
};
const ZH_NEGATIVE: Record<string, number> = {
  差: -2,
  很差: -3,
  烂: -3,
  垃圾: -3,
  失望: -3,
  退货: -2,
  退款: -1,
  慢: -1,
  贵: -1,
  坑: -2,
  假货: -3,
  骗: -3,
  破: -2,
  坏: -2,
  难用: -2,
  后悔: -3,
  差评: -3,
  投诉: -2,
  糟糕: -3,
  恶心: -3,
  不满: -2,
  敷衍: -2,
  态度差: -3,
  没人理: -2,
  不理: -2,
  脏: -2,
  臭: -2,
  难吃: -2,
  发霉: -3,
  问题: -1,
  故障: -2,
  卡: -1,
  死机: -2,
  退: -1,
  换货: -1,
  缺: -1,
  漏: -1,
  少: -1,
  旧: -1,
  划痕: -2,
  瑕疵: -2,
  郁闷: -2,
  无语: -2,
  气愤: -3,
  生气: -2,
  上当: -3,
  太慢: -2,
  不行: -2,
  一般: -1,
};
const ZH_NEGATORS = ['不', '没', '没有', '别', '未', '无'];
const ZH_INTENSIFIERS = ['很', '太', '非常', '特别', '超', '十分', '真', '挺'];
const ZH_ENTRIES = Object.entries({ ...ZH_POSITIVE, ...ZH_NEGATIVE }).sort((x, y) => y[0].length - x[0].length);

/**
 * Summed valence of a Chinese text by longest-match lookup over characters; a negator within the two
 * characters before a hit flips it, an intensifier multiplies it by 1.5.
 * @example zhLexiconScore('不好') < 0
 */
export function zhLexiconScore(text: string): number {
  const s = normalise(text);
  let score = 0;
  let i = 0;
  while (i < s.length) {
    let hit: [string, number] | undefined;
    for (const e of ZH_ENTRIES)
      if (s.startsWith(e[0], i)) {
        hit = e;
        break;
      }
    if (!hit) {
      i++;
      continue;
    }
    const before = s.slice(Math.max(0, i - 3), i);
    let v = hit[1];
    if (ZH_INTENSIFIERS.some((w) => before.endsWith(w))) v *= 1.5;
    if (ZH_NEGATORS.some((w) => before.slice(-2).includes(w))) v = -v * 0.8;
    score += v;
    i += hit[0].length;
  }
  return score;
}

/** Lexicon P(positive) for a text: AFINN for Latin-script words, the Chinese lexicon for Han. */
export function lexiconProbability(text: string, language: 'zh' | 'en' | 'other'): number {
  let score: number;
  if (language === 'zh') score = zhLexiconScore(text);
  else if (language === 'en') score = afinnScore(text);
  else score = (/[a-z]/i.test(text) ? afinnScore(text) : 0) + (/[\u4e00-\u9fff]/.test(text) ? zhLexiconScore(text) : 0);
  return sigmoid(0.6 * score);
}
