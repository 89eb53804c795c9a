/**
 * Labelled review CSVs (any file with `review` and `label` 0/1 columns, extra columns ignored),
 * and the hashed sparse matrix the trainer consumes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { FeatureBuffer, featurise, type FeatureSettings } from './features.js';

export interface LabelledReview {
  review: string;
  label: 0 | 1;
}

/**
 * Reads a CSV with a header row holding `review` and `label`.
 * @throws Error when either column is missing or a label is not 0/1
 */
export function readLabelledCsv(path: string): LabelledReview[] {
  const rows = parse(readFileSync(path), {
    columns: true,
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  }) as Record<string, string>[];
  if (rows.length > 0 && (!('review' in rows[0]!) || !('label' in rows[0]!))) {
    throw new Error(`${path}: needs columns "review" and "label"`);
  }
  return rows.map((r, i) => {
    const label = Number(r.label);
    if (label !== 0 && label !== 1)
      throw new Error(`${path}: row ${i + 2} has label ${JSON.stringify(r.label)}, expected 0 or 1`);
    return { review: r.review ?? '', label };
  });
}

/** Compressed sparse rows of hashed bucket ids; every stored value is 1 before scaling. */
export interface SparseRows {
  offsets: Int32Array;
  ids: Int32Array;
  /** per-row L2 scale 1/√nnz (0 for an empty row) */
  scale: Float32Array;
  labels: Float32Array;
}

export function featuriseAll(rows: LabelledReview[], s: FeatureSettings): SparseRows {
  const buf = new FeatureBuffer(s.bits);
  const offsets = new Int32Array(rows.length + 1);
  let ids = new Int32Array(rows.length * 200);
  const scale = new Float32Array(rows.length);
  const labels = new Float32Array(rows.length);
  let nnz = 0;
  rows.forEach((r, i) => {
    featurise(r.review, s, buf);
    if (nnz + buf.n > ids.length) {
      const grown = new Int32Array(Math.max(ids.length * 2, nnz + buf.n));
      grown.set(ids);
      ids = grown;
    }
    ids.set(buf.ids.subarray(0, buf.n), nnz);
    nnz += buf.n;
    offsets[i + 1] = nnz;
    scale[i] = buf.n > 0 ? 1 / Math.sqrt(buf.n) : 0;
    labels[i] = r.label;
  });
  return { offsets, ids: ids.slice(0, nnz), scale, labels };
}

/** The rows at `indices`, in that order. */
export function subsetRows(rows: SparseRows, indices: ArrayLike<number>): SparseRows {
  let nnz = 0;
  for (let k = 0; k < indices.length; k++) nnz += rows.offsets[indices[k]! + 1]! - rows.offsets[indices[k]!]!;
  const offsets = new Int32Array(indices.length + 1);
  const ids = new Int32Array(nnz);
  const scale = new Float32Array(indices.length);
  const labels = new Float32Array(indices.length);
  let at = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    ids.set(rows.ids.subarray(rows.offsets[i]!, rows.offsets[i + 1]!), at);
    at += rows.offsets[i + 1]! - rows.offsets[i]!;
    offsets[k + 1] = at;
    scale[k] = rows.scale[i]!;
    labels[k] = rows.labels[i]!;
  }
  return { offsets, ids, scale, labels };
}
