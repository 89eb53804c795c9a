/**
 * Reader for the long panel format of ../shared/data/panels: `series,group,frequency,index,value,split`
 * (optionally `date` and `holiday`, used as the promotion flag).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

export interface PanelSeries {
  id: string;
  group: string;
  frequency: number;
  train: number[];
  test: number[];
  /** Holiday / promotion flag over train then test, when the panel has one. */
  promo?: boolean[];
}

export function readPanel(file: string): PanelSeries[] {
  const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const bySeries = new Map<
    string,
    { group: string; frequency: number; pts: { i: number; v: number; split: string; promo?: boolean }[] }
  >();
  for (const r of rows) {
    const id = r.series ?? '';
    let s = bySeries.get(id);
    if (!s) {
      s = { group: r.group ?? 'all', frequency: Number(r.frequency ?? 1), pts: [] };
      bySeries.set(id, s);
    }
    s.pts.push({
      i: Number(r.index),
      v: r.value === '' || r.value === undefined ? Number.NaN : Number(r.value),
      split: r.split ?? 'train',
      ...(r.holiday !== undefined ? { promo: r.holiday === '1' || r.holiday.toLowerCase() === 'true' } : {}),
    });
  }
  const out: PanelSeries[] = [];
  for (const [id, s] of bySeries) {
    s.pts.sort((a, b) => a.i - b.i);
    const train = s.pts.filter((p) => p.split === 'train').map((p) => p.v);
    const test = s.pts.filter((p) => p.split === 'test').map((p) => p.v);
    const hasPromo = s.pts.some((p) => p.promo !== undefined);
    out.push({
      id,
      group: s.group,
      frequency: s.frequency,
      train,
      test,
      ...(hasPromo ? { promo: s.pts.map((p) => p.promo === true) } : {}),
    });
  }
  return out;
}

/**
 * A panel moved `k` test horizons back into its training part, for choices made without the test:
 * each series' training part ends k·h periods earlier (h = its test length) and its test is the next
 * h periods — all inside the original training part (k = 0: the panel as read). Series whose
 * shortened training part has no full year plus one period (MASE undefined), or fewer than `minTrain`
 * points, are dropped — `minTrain` = the test's shortest training part (48 on m3-monthly) keeps the
 * slice's series as long as the test's, so that very short series the test does not have weigh nothing.
 * @throws {RangeError} when k is not a non-negative integer
 * @example innerSlice(panel, 1) // train[0, n − h) → test[n − h, n)
 * @example innerSlice(panel, 2, 48) // the same two horizons back, series with ≥ 48 training points only
 */
export function innerSlice(panel: readonly PanelSeries[], k: number, minTrain = 0): PanelSeries[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError('innerSlice: k must be a non-negative integer');
  if (k === 0) return panel.slice();
  const out: PanelSeries[] = [];
  for (const s of panel) {
    const h = s.test.length;
    const end = s.train.length - k * h;
    if (end <= s.frequency || end < minTrain) continue;
    out.push({
      ...s,
      train: s.train.slice(0, end),
      test: s.train.slice(end, end + h),
      ...(s.promo ? { promo: s.promo.slice(0, end + h) } : {}),
    });
  }
  return out;
}
