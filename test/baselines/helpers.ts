/** Synthetic series for the baselines tests: level × trend × season × noise, seeded. */
import { rng } from '../../src/baselines/network.js';
import type { SeriesInput } from '../../src/baselines/types.js';

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A group of `count` quarterly-like series of `length + future` points; returns history and future. */
export function simulateGroup(
  count: number,
  length: number,
  future: number,
  seed = 7,
  m = 4,
): { series: SeriesInput[]; futures: number[][] } {
  const rand = rng(seed);
  const series: SeriesInput[] = [];
  const futures: number[][] = [];
  for (let i = 0; i < count; i++) {
    const level = 50 + 200 * rand();
    const slope = (rand() - 0.3) * 0.02 * level;
    const amp = rand() < 0.5 ? 0 : 0.15;
    const noise = (0.02 + 0.06 * rand()) * level;
    const phase = Math.floor(rand() * m);
    const values: number[] = [];
    let walk = 0;
    for (let t = 0; t < length + future; t++) {
      walk += 0.3 * noise * gaussian(rand);
      const season = 1 + amp * Math.sin((2 * Math.PI * (t + phase)) / m);
      values.push((level + slope * t + walk) * season + noise * gaussian(rand));
    }
    series.push({ id: `s${i}`, values: values.slice(0, length), periodsPerYear: m });
    futures.push(values.slice(length));
  }
  return { series, futures };
}
