/**
 * How often intervals that keep their promise exactly would still land inside issue 15's coverage
 * bands on a panel's test part, from the panel's size alone: with n series and horizon H, the share of
 * test points inside a perfectly calibrated 80 % interval is Binomial(n·H, 0.8)/(n·H) overall and
 * Binomial(n, 0.8)/n at each step. The bands: 0.78–0.82 and 0.93–0.97 overall, the nominal level ± 4
 * points at every step. Outcomes are taken as independent across series — the best case: errors shared
 * by the series of one week or month make the share vary more, so `overall` and `a step` are upper
 * bounds. `every step` also takes the steps as independent, which they are not (a series whose interval
 * misses at one step tends to miss at the next): it is what independent steps would give, and `a step`
 * (the least likely single step) bounds it in any case.
 *
 *   npm run -s eval:coverage-reach -- [--panel FILE ...] [--json]
 *
 * Without --panel it reads m3-monthly, m3-quarterly and walmart-weekly.
 */
import { parseArgs } from 'node:util';
import { bandProbability } from '../src/baselines/metrics.js';
import { readPanel } from '../src/baselines/panel.js';

const { values: args } = parseArgs({
  options: {
    panel: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  },
});
const panels = args.panel ?? [
  '../shared/data/panels/m3-monthly.csv',
  '../shared/data/panels/m3-quarterly.csv',
  '../shared/data/panels/walmart-weekly.csv',
];

const rows = panels.map((file) => {
  const series = readPanel(file);
  const horizon = Math.max(...series.map((s) => s.test.length));
  // points per step: the series whose test reaches that step
  const perStep = Array.from({ length: horizon }, (_, h) => series.filter((s) => s.test.length > h).length);
  const total = perStep.reduce((a, b) => a + b, 0);
  const level = (p: number, half: number, stepHalf: number) => {
    const steps = perStep.map((n) => bandProbability(n, p, p - stepHalf, p + stepHalf));
    return {
      overall: bandProbability(total, p, p - half, p + half),
      step_min: Math.min(...steps),
      every_step: steps.reduce((a, b) => a * b, 1),
    };
  };
  return {
    panel: file.split('/').pop(),
    series: series.length,
    horizon,
    points: total,
    c80: level(0.8, 0.02, 0.04),
    c95: level(0.95, 0.02, 0.04),
  };
});

if (args.json) {
  console.log(JSON.stringify(rows));
} else {
  const f = (x: number) => (x < 1e-3 ? x.toExponential(1) : x.toFixed(3));
  console.log(
    'P(perfectly calibrated intervals land in the band); independent series (overall, a step: upper bounds);',
  );
  console.log('every step: with independent steps too (bounded in any case by a step)');
  console.log(
    'panel                 series  H  points | 80 %: overall  a step  every step | 95 %: overall  a step  every step',
  );
  for (const r of rows) {
    console.log(
      `${(r.panel ?? '').padEnd(21)} ${String(r.series).padStart(6)} ${String(r.horizon).padStart(2)} ${String(r.points).padStart(7)} |` +
        `       ${f(r.c80.overall).padStart(7)} ${f(r.c80.step_min).padStart(7)} ${f(r.c80.every_step).padStart(11)} |` +
        `       ${f(r.c95.overall).padStart(7)} ${f(r.c95.step_min).padStart(7)} ${f(r.c95.every_step).padStart(11)}`,
    );
  }
}
