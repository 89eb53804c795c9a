/**
 * Writes the simulated period the lme4 cross-check uses (rater.test.ts) as CSV with scores normalised
 * to 0–1, for test/appraisal/lme4/rater-crosscheck.R:
 *   npx tsx test/appraisal/lme4/write-sim.ts > /tmp/sim.csv && Rscript test/appraisal/lme4/rater-crosscheck.R /tmp/sim.csv
 */
import { simulatePeriod } from '../../../src/appraisal/rater-sim.js';

const sim = simulatePeriod(1, { people: 40, scores: 'continuous' });
console.log('ratee,rater,relation,item,y');
for (const r of sim.ratings)
  console.log([r.ratee, r.rater, r.relation, r.item, (r.score - r.scale.min) / (r.scale.max - r.scale.min)].join(','));
