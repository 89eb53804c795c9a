import { readLabelledCsv } from '/work/aspeed/src/reviews/sentiment/data.js';
import { loadSentimentModels } from '/work/aspeed/src/reviews/sentiment/index.js';
const engine = await loadSentimentModels('/work/aspeed/models');
const texts = readLabelledCsv('/work/shared/data/reviews/zh-online-shopping/test.csv').map((r) => r.review);
const aspects = process.argv[2] !== 'plain';
for (let pass = 0; pass < Number(process.argv[3] ?? 6); pass++) {
  const cpu = process.cpuUsage();
  for (let from = 0; from < texts.length; from += 1000) engine.score(texts.slice(from, from + 1000), { aspects });
  const u = process.cpuUsage(cpu);
  console.log(Math.round(texts.length / ((u.user + u.system) / 1e6)));
}
