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
