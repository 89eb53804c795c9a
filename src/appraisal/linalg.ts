/**
 * Dense symmetric positive-definite algebra for the rater model's mixed-model equations: Cholesky
 * factor, solve, and the full inverse (the prediction-error variances are its entries). Row-major
 * `Float64Array` of n × n; O(n³/3) to factor, O(n³) for the inverse.
 */

/** A square matrix stored row-major. */
export interface SquareMatrix {
  n: number;
  a: Float64Array;
}

export const squareMatrix = (n: number): SquareMatrix => ({ n, a: new Float64Array(n * n) });

/**
 * In-place Cholesky factor: the lower triangle of `m` becomes L with L Lᵀ = m (the upper triangle is
 * left as it was). Returns false when a pivot is not positive (the matrix is not positive definite).
 * @example const m = { n: 2, a: Float64Array.of(4, 2, 2, 3) }; cholesky(m); // m.a = [2, 2, 1, √2]
 */
export function cholesky(m: SquareMatrix): boolean {
  const { n, a } = m;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b for a factor made by `cholesky`; returns x (b is not modified). */
export function choleskySolve(l: SquareMatrix, b: Float64Array): Float64Array {
  const { n, a } = l;
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= a[ri + k]! * x[k]!;
    x[i] = s / a[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}

/**
 * The full inverse (L Lᵀ)⁻¹ from a factor made by `cholesky`, as a new symmetric matrix:
 * W = L⁻¹ (lower triangular, built row by row), then inverse = Wᵀ W accumulated as a sum of the outer
 * products of W's rows (both loops run along rows: contiguous memory).
 */
export function choleskyInverse(l: SquareMatrix): SquareMatrix {
  const { n, a } = l;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    // row i of W: (e_i − Σ_{k<i} L_ik W_k) / L_ii
    w[ri + i] = 1;
    for (let k = 0; k < i; k++) {
      const lik = a[ri + k]!;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) w[ri + j]! -= lik * w[rk + j]!;
    }
    const d = 1 / a[ri + i]!;
    for (let j = 0; j <= i; j++) w[ri + j]! *= d;
  }
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const wki = w[rk + i]!;
      if (wki === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j]! += wki * w[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j]!;
  return { n, a: inv };
}
