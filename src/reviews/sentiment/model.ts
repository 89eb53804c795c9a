/**
 * The classifier: a wide linear model over NB-weighted hashed n-grams (NBSVM-style, Wang & Manning
 * 2012) trained with TensorFlow.js. x_ij = r_j · s_i for each present n-gram j of review i, where
 * r_j is the smoothed naive-Bayes log-count ratio and s_i = 1/√nnz_i; logit_i = b + Σ_j w_j x_ij.
 * The sparse product is a custom-gradient op (gatherND forward, scatterND backward; gatherND is several
 * times faster than gather on the wasm backend) so it runs on
 * every backend, wasm included. Only `buildModel` touches TF.js; inference is plain JS (predictor.ts).
 */
import type { Tf } from '../../ml/tf.js';
import type * as TF from '@tensorflow/tfjs';

export interface SparseBatch {
  /** compact feature index per non-zero */
  idx: Int32Array;
  /** row (within batch) per non-zero */
  row: Int32Array;
  /** value per non-zero */
  val: Float32Array;
  rows: number;
}

export interface BatchTensors {
  idx: TF.Tensor2D;
  row: TF.Tensor2D;
  val: TF.Tensor1D;
  rows: number;
  dispose(): void;
}

export interface LinearModel {
  w: TF.Variable;
  b: TF.Variable;
  /** uploads a batch; the caller disposes the returned tensors after the step */
  upload(batch: SparseBatch): BatchTensors;
  /**
   * Logits for one uploaded batch (a tensor the caller disposes or wraps in tidy). With `l2` > 0 the
   * gradient also carries a per-review L2 penalty λ·Σ_{j∈review} w_j² on the features the review
   * holds (the lazy L2 of sparse SGD: no dense pass over all weights per step).
   */
  logits(batch: BatchTensors, l2?: number): TF.Tensor1D;
  dispose(): void;
}

/** Side-effect-free construction: zero-initialised weights over `dim` compact features. */
export function buildModel(tf: Tf, dim: number): LinearModel {
  const w = tf.variable(tf.zeros([dim]), true, `sentiment_w_${dim}`);
  const b = tf.variable(tf.scalar(0), true, `sentiment_b_${dim}`);
  function upload(batch: SparseBatch): BatchTensors {
    const idx = tf.tensor2d(batch.idx, [batch.idx.length, 1], 'int32');
    const row = tf.tensor2d(batch.row, [batch.row.length, 1], 'int32');
    const val = tf.tensor1d(batch.val);
    return { idx, row, val, rows: batch.rows, dispose: () => tf.dispose([idx, row, val]) };
  }
  function logits(batch: BatchTensors, l2 = 0): TF.Tensor1D {
    const { idx, row, val } = batch;
    const sparseDot = tf.customGrad((...args) => {
      const wIn = args[0] as TF.Tensor1D;
      const bIn = args[1] as TF.Scalar;
      const save = args[2] as TF.GradSaveFunc;
      const wAt = tf.gatherND(wIn, idx);
      save([wAt]);
      const value = tf.add(tf.scatterND(row, tf.mul(wAt, val), [batch.rows]), bIn) as TF.Tensor1D;
      return {
        value,
        gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
          const data = tf.mul(tf.gatherND(dy, row), val);
          const updates = l2 > 0 ? tf.add(data, tf.mul(saved[0]!, (2 * l2) / batch.rows)) : data;
          return [tf.scatterND(idx, updates, [dim]), tf.sum(dy)];
        },
      };
    });
    return sparseDot(w, b) as TF.Tensor1D;
  }
  return {
    w,
    b,
    upload,
    logits,
    dispose: () => {
      w.dispose();
      b.dispose();
    },
  };
}
