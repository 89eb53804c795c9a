/**
 * 360° rater calibration on simulated periods with known person effects and rater leniencies
 * (src/appraisal/rater-sim.ts): Spearman's ρ with the true person effect of the calibrated score, of
 * the raw mean and of a rater-centred mean (each rating minus its rater's mean), in the same run, and
 * how often the intervals hold the truth. Seeded: the figures are the same on every run.
 *
 *   npm run eval:rater [-- --designs 40 --level 0.9 --json]
 */
import { parseArgs } from 'node:util';
import { evaluateDesign, type DesignFigures, type SimOptions } from '../src/appraisal/rater-sim.js';

const { values: args } = parseArgs({
  options: {
    designs: { type: 'string', default: '40' },
    level: { type: 'string', default: '0.9' },
    json: { type: 'boolean', default: false },
  },
});
const designs = Number(args.designs);
const level = Number(args.level);

/** Design families: size, peers per person, customers, score type. */
const FAMILIES: { name: string; o: Omit<SimOptions, 'people'>; people: number[] }[] = [
  {
    name: 'continuous, normal leniency (model exact)',
    o: { scores: 'continuous', outliers: false },
    people: [20, 40, 80],
  },
  { name: 'continuous, outlying raters', o: { scores: 'continuous' }, people: [20, 40, 80] },
  { name: 'likert 1–5 / customers 1–10', o: { scores: 'likert' }, people: [20, 40, 80] },
  {
    name: 'sparse: 1 peer, ≤ 3 customers (likert)',
    o: { scores: 'likert', peersPerPerson: 1, maxCustomers: 3 },
    people: [20, 40, 80],
  },
  { name: 'managers only (likert)', o: { scores: 'likert', peersPerPerson: 0, maxCustomers: 0 }, people: [24, 48] },
];

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const out = FAMILIES.map((f) => {
  const rows: DesignFigures[] = [];
  for (let i = 0; i < designs; i++) {
    const people = f.people[i % f.people.length]!;
    rows.push(evaluateDesign(1000 + i, { ...f.o, people }, level));
  }
  const gain = rows.map((r) => r.spearman.calibrated - r.spearman.raw);
  const cov = rows.map((r) => r.coverage.people);
  const rcov = rows.flatMap((r) => (r.coverage.raters === null ? [] : [r.coverage.raters]));
  return {
    family: f.name,
    designs: rows.length,
    people: f.people.join('/'),
    mean_ratings: Math.round(mean(rows.map((r) => r.ratings))),
    spearman: {
      calibrated: r3(mean(rows.map((r) => r.spearman.calibrated))),
      raw: r3(mean(rows.map((r) => r.spearman.raw))),
      centred: r3(mean(rows.map((r) => r.spearman.centred))),
    },
    gain_vs_raw: { mean: r3(mean(gain)), sd: r3(sd(gain)), share_positive: r3(mean(gain.map((g) => (g > 0 ? 1 : 0)))) },
    coverage_people: { mean: r3(mean(cov)), sd_between_designs: r3(sd(cov)), min: r3(Math.min(...cov)) },
    coverage_raters_n5: r3(mean(rcov)),
    flags_per_design: r3(mean(rows.map((r) => r.flagged))),
    flag_precision: r3(
      rows.reduce((s, r) => s + r.flaggedTrue, 0) /
        Math.max(
          1,
          rows.reduce((s, r) => s + r.flagged, 0),
        ),
    ),
    ms_per_fit: Math.round(mean(rows.map((r) => r.ms))),
  };
});

// time per fit as the period grows (one likert design each; wall-clock on a shared machine: indicative)
const sizes = [100, 300, 600].map((people) => {
  const r = evaluateDesign(9000 + people, { people, scores: 'likert' }, level);
  return { people, ratings: r.ratings, raters: r.raters, ms: Math.round(r.ms) };
});

if (args.json) console.log(JSON.stringify({ level, designs_per_family: designs, families: out, sizes }));
else {
  console.log(`rater calibration on simulated periods: ${designs} designs per family, ${100 * level} % intervals`);
  console.table(
    out.map((o) => ({
      family: o.family,
      'ρ calibrated': o.spearman.calibrated,
      'ρ raw mean': o.spearman.raw,
      'ρ rater-centred': o.spearman.centred,
      'gain (sd)': `${o.gain_vs_raw.mean} (${o.gain_vs_raw.sd})`,
      'gain > 0': o.gain_vs_raw.share_positive,
      coverage: `${o.coverage_people.mean} (sd ${o.coverage_people.sd_between_designs})`,
      'rater cov.': o.coverage_raters_n5,
      flags: o.flags_per_design,
      'flag prec.': o.flag_precision,
      ms: o.ms_per_fit,
    })),
  );
  console.log('time per fit by size (one design each):');
  console.table(sizes);
}
