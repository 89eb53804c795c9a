/**
 * The crossed random-effects model behind 360° calibration, fitted exactly:
 *
 *   y = μ + relation + item + person + rater + pair + noise        (y = score normalised to 0–1)
 *
 * μ, relation and item are fixed effects (a weak N(0, 100²) ridge on relation and item keeps confounded
 * designs solvable); person ~ N(0, σ²_p), rater (leniency) ~ N(0, σ²_r), pair (one rater's halo on one
 * ratee, shared by all items of that pair) ~ N(0, σ²_pair), noise ~ N(0, σ²_e).
 *
 * Henderson's mixed-model equations are solved with the larger of the two facets (people, raters) and the
 * pairs absorbed group by group (each group's block is an arrowhead matrix with a closed-form inverse), so
 * the dense part is only fixed effects + the smaller facet. The dense inverse gives exact prediction-error
 * variances (PEV) for every effect, also for the absorbed ones (1/S + vᵀC⁻¹v/S²). Variance components are
 * REML, by Schall's fixed-point iteration σ²_k ← ûᵀû / (q_k − tr PEV_k / σ²_k) and σ²_e ← RSS / (n − edf),
 * falling back to the EM step (ûᵀû + tr PEV_k) / q_k where the effective degrees of freedom are near 0,
 * accelerated by SQUAREM with a deviance check, and with components that drift to 0 tried at 0.
 * Cost per pass O(m³) for m = fixed + smaller facet (≈ 0.5 s at m = 600 on one core here; 20–30 passes).
 */
import { cholesky, choleskyInverse, choleskySolve, squareMatrix, type SquareMatrix } from './linalg.js';
import type { Design } from './rater-input.js';

/** Variances on the 0–1 scale. */
export interface VarianceComponents {
  person: number;
  rater: number;
  pair: number;
  residual: number;
}

export interface ModelFit {
  variances: VarianceComponents;
  /** Components held at 0 because the design cannot estimate them (e.g. one rater, one item per pair). */
  fixedAtZero: (keyof VarianceComponents)[];
  iterations: number;
  converged: boolean;
  /** μ + Σ share × (relation, item effect): the expected score from an average rater relation and item. */
  level: number;
  relationEffects: Float64Array;
  itemEffects: Float64Array;
  /** Per person: effect, its PEV, and Var(level + effect − truth) for the calibrated score. */
  personEffect: Float64Array;
  personPev: Float64Array;
  scoreVar: Float64Array;
  raterEffect: Float64Array;
  raterPev: Float64Array;
  kept: 'person' | 'rater';
}

/** Prior precision of relation and item effects (sd 100 on a 0–1 scale: no practical shrinkage). */
const FIXED_PRECISION = 1e-4;

interface Layout {
  n: number;
  kept: 'person' | 'rater';
  relCol: Int32Array;
  itemCol: Int32Array;
  keptOffset: number;
  nFixed: number;
  /** Per pair: kept level, absorbed level; groups = pairs of each absorbed level. */
  pairKept: Int32Array;
  groupStart: Int32Array;
  groupPairs: Int32Array;
  nKept: number;
  nGroups: number;
  /** Weights of the level: share of observations per column (1 for μ). */
  t: Float64Array;
}

function mostFrequent(counts: Float64Array): number {
  let best = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[best]!) best = i;
  return best;
}

function layout(d: Design): Layout {
  const nObs = d.y.length;
  const relCount = new Float64Array(d.relations.length);
  const itemCount = new Float64Array(d.items.length);
  for (let p = 0; p < d.pairStart.length; p++) relCount[d.pairRelation[p]!]! += d.pairEnd[p]! - d.pairStart[p]!;
  for (let o = 0; o < nObs; o++) itemCount[d.obsItem[o]!]! += 1;
  let col = 1;
  const t: number[] = [1];
  const code = (counts: Float64Array) => {
    const ref = mostFrequent(counts);
    return Int32Array.from(counts, (c, i) => {
      if (i === ref) return -1;
      t.push(c / nObs);
      return col++;
    });
  };
  const relCol = code(relCount);
  const itemCol = code(itemCount);
  const kept = d.people.length <= d.raters.length ? 'person' : 'rater';
  const pairKept = kept === 'person' ? d.pairPerson : d.pairRater;
  const pairGroup = kept === 'person' ? d.pairRater : d.pairPerson;
  const nKept = kept === 'person' ? d.people.length : d.raters.length;
  const nGroups = kept === 'person' ? d.raters.length : d.people.length;
  const groupStart = new Int32Array(nGroups + 1);
  for (const g of pairGroup) groupStart[g + 1]! += 1;
  for (let g = 0; g < nGroups; g++) groupStart[g + 1]! += groupStart[g]!;
  const fill = groupStart.slice(0, nGroups);
  const groupPairs = new Int32Array(pairGroup.length);
  pairGroup.forEach((g, p) => {
    groupPairs[fill[g]!++] = p;
  });
  const tt = new Float64Array(col + nKept);
  tt.set(t);
  return {
    n: col + nKept,
    kept,
    relCol,
    itemCol,
    keptOffset: col,
    nFixed: col,
    pairKept,
    groupStart,
    groupPairs,
    nKept,
    nGroups,
    t: tt,
  };
}

/** A sparse vector over the reduced columns, accumulated in a dense scratch with a touched list. */
class Sparse {
  readonly val: Float64Array;
  readonly mark: Uint8Array;
  cols: number[] = [];
  constructor(n: number) {
    this.val = new Float64Array(n);
    this.mark = new Uint8Array(n);
  }
  add(c: number, x: number) {
    if (!this.mark[c]) {
      this.mark[c] = 1;
      this.cols.push(c);
    }
    this.val[c]! += x;
  }
  take(): { cols: Int32Array; vals: Float64Array } {
    const cols = Int32Array.from(this.cols);
    const vals = Float64Array.from(cols, (c) => this.val[c]!);
    for (const c of this.cols) {
      this.val[c] = 0;
      this.mark[c] = 0;
    }
    this.cols = [];
    return { cols, vals };
  }
}

interface Pass {
  theta: Float64Array;
  cinv: SquareMatrix;
  groupEffect: Float64Array;
  groupPev: Float64Array;
  /** Var(tᵀθ + group effect) where the absorbed facet is people (else unused). */
  groupScoreVar: Float64Array;
  ss: { kept: number; group: number; pair: number };
  tr: { kept: number; group: number; pair: number };
  edfFixed: number;
  rss: number;
  /** −2 × REML log-likelihood (up to a constant): log|C| + log|R| + log|G| + yᵀPy. */
  deviance: number;
}

/** Builds and solves the mixed-model equations at the given variances. */
function pass(d: Design, L: Layout, v: VarianceComponents, keptVar: number, groupVar: number): Pass {
  const { n } = L;
  const C = squareMatrix(n);
  const rhs = new Float64Array(n);
  const A = C.a;
  for (let c = 1; c < L.nFixed; c++) A[c * n + c] = FIXED_PRECISION;
  for (let k = 0; k < L.nKept; k++) A[(L.keptOffset + k) * n + L.keptOffset + k] = 1 / keptVar;
  const ie = 1 / v.residual;
  const nPairs = d.pairStart.length;
  const aPair = new Float64Array(nPairs);
  const beta: { cols: Int32Array; vals: Float64Array }[] = new Array(nPairs);
  const groupV: { cols: Int32Array; vals: Float64Array }[] = new Array(L.nGroups);
  const groupS = new Float64Array(L.nGroups);
  const sp = new Sparse(n);
  const sv = new Sparse(n);
  const row = [0, 0, 0, 0];
  const rowOf = (p: number, o: number): number => {
    let k = 0;
    row[k++] = 0;
    const rc = L.relCol[d.pairRelation[p]!]!;
    if (rc >= 0) row[k++] = rc;
    const ic = L.itemCol[d.obsItem[o]!]!;
    if (ic >= 0) row[k++] = ic;
    row[k++] = L.keptOffset + L.pairKept[p]!;
    return k;
  };
  for (let g = 0; g < L.nGroups; g++) {
    let S = 1 / groupVar;
    let rTilde = 0;
    for (let gi = L.groupStart[g]!; gi < L.groupStart[g + 1]!; gi++) {
      const p = L.groupPairs[gi]!;
      const m = d.pairEnd[p]! - d.pairStart[p]!;
      const a = m * ie + 1 / v.pair;
      const rho = (m * ie) / a;
      aPair[p] = a;
      let sy = 0;
      for (let o = d.pairStart[p]!; o < d.pairEnd[p]!; o++) {
        const k = rowOf(p, o);
        const yo = d.y[o]!;
        sy += yo;
        for (let i = 0; i < k; i++) {
          const ci = row[i]!;
          rhs[ci]! += ie * yo;
          sp.add(ci, ie);
          for (let j = 0; j < k; j++) A[ci * n + row[j]!]! += ie;
        }
      }
      const b = sp.take();
      beta[p] = b;
      const rp = ie * sy;
      for (let i = 0; i < b.cols.length; i++) {
        const ci = b.cols[i]!;
        const bi = b.vals[i]!;
        rhs[ci]! -= (bi * rp) / a;
        sv.add(ci, bi * (1 - rho));
        for (let j = 0; j < b.cols.length; j++) A[ci * n + b.cols[j]!]! -= (bi * b.vals[j]!) / a;
      }
      rTilde += rp * (1 - rho);
      S += m * ie * (1 - rho);
    }
    const vg = sv.take();
    groupV[g] = vg;
    groupS[g] = S;
    for (let i = 0; i < vg.cols.length; i++) {
      const ci = vg.cols[i]!;
      rhs[ci]! -= (vg.vals[i]! * rTilde) / S;
      for (let j = 0; j < vg.cols.length; j++) A[ci * n + vg.cols[j]!]! -= (vg.vals[i]! * vg.vals[j]!) / S;
    }
  }
  if (!cholesky(C)) throw new Error('rater model: the mixed-model equations are not positive definite');
  // log|C_full| = log|C_reduced| + Σ_groups log|H_g|, |H_g| = Π a_pair × S_g (arrowhead)
  let logDet = 0;
  for (let c = 0; c < n; c++) logDet += 2 * Math.log(A[c * n + c]!);
  for (let g = 0; g < L.nGroups; g++) logDet += Math.log(groupS[g]!);
  for (let p = 0; p < nPairs; p++) logDet += Math.log(aPair[p]!);
  const theta = choleskySolve(C, rhs);
  const cinv = choleskyInverse(C);
  const Ci = cinv.a;
  const quad = (x: { cols: Int32Array; vals: Float64Array }, y: { cols: Int32Array; vals: Float64Array }) => {
    let s = 0;
    for (let i = 0; i < x.cols.length; i++) {
      const r = x.cols[i]! * n;
      for (let j = 0; j < y.cols.length; j++) s += x.vals[i]! * Ci[r + y.cols[j]!]! * y.vals[j]!;
    }
    return s;
  };
  const tFixed = { cols: Int32Array.from({ length: L.nFixed }, (_, i) => i), vals: L.t.subarray(0, L.nFixed) };
  const groupEffect = new Float64Array(L.nGroups);
  const groupPev = new Float64Array(L.nGroups);
  const groupScoreVar = new Float64Array(L.nGroups);
  const tCt = quad(tFixed, tFixed);
  const ss = { kept: 0, group: 0, pair: 0 };
  const tr = { kept: 0, group: 0, pair: 0 };
  let rss = 0;
  const fitted = (p: number, o: number) => {
    const k = rowOf(p, o);
    let f = 0;
    for (let i = 0; i < k; i++) f += theta[row[i]!]!;
    return f;
  };
  for (let g = 0; g < L.nGroups; g++) {
    const S = groupS[g]!;
    const vg = groupV[g]!;
    const vCv = quad(vg, vg);
    const lo = L.groupStart[g]!;
    const hi = L.groupStart[g + 1]!;
    const R = new Float64Array(hi - lo);
    let num = 0;
    for (let gi = lo; gi < hi; gi++) {
      const p = L.groupPairs[gi]!;
      let r = 0;
      for (let o = d.pairStart[p]!; o < d.pairEnd[p]!; o++) r += d.y[o]! - fitted(p, o);
      const m = d.pairEnd[p]! - d.pairStart[p]!;
      R[gi - lo] = r * ie;
      num += r * ie * (1 - (m * ie) / aPair[p]!);
    }
    const bg = num / S;
    const pevB = 1 / S + vCv / (S * S);
    groupEffect[g] = bg;
    groupPev[g] = pevB;
    groupScoreVar[g] = tCt - (2 * quad(tFixed, vg)) / S + pevB;
    ss.group += bg * bg;
    tr.group += pevB;
    for (let gi = lo; gi < hi; gi++) {
      const p = L.groupPairs[gi]!;
      const a = aPair[p]!;
      const m = d.pairEnd[p]! - d.pairStart[p]!;
      const rho = (m * ie) / a;
      const dp = R[gi - lo]! / a - rho * bg;
      ss.pair += dp * dp;
      const b = beta[p]!;
      tr.pair +=
        1 / a +
        (rho * rho) / S +
        quad(b, b) / (a * a) -
        (2 * rho * quad(b, vg)) / (a * S) +
        (rho * rho * vCv) / (S * S);
      for (let o = d.pairStart[p]!; o < d.pairEnd[p]!; o++) {
        const e = d.y[o]! - fitted(p, o) - bg - dp;
        rss += e * e;
      }
    }
  }
  for (let k = 0; k < L.nKept; k++) {
    const c = L.keptOffset + k;
    ss.kept += theta[c]! * theta[c]!;
    tr.kept += Ci[c * n + c]!;
  }
  let edfFixed = 1;
  let ssFixed = 0;
  for (let c = 1; c < L.nFixed; c++) {
    edfFixed += 1 - FIXED_PRECISION * Ci[c * n + c]!;
    ssFixed += theta[c]! * theta[c]!;
  }
  const deviance =
    logDet +
    d.y.length * Math.log(v.residual) +
    L.nKept * Math.log(keptVar) +
    L.nGroups * Math.log(groupVar) +
    nPairs * Math.log(v.pair) +
    rss / v.residual +
    ss.kept / keptVar +
    ss.group / groupVar +
    ss.pair / v.pair +
    FIXED_PRECISION * ssFixed;
  return { theta, cinv, groupEffect, groupPev, groupScoreVar, ss, tr, edfFixed, rss, deviance };
}

export interface FitOptions {
  maxIterations: number;
  tolerance: number;
  /** Known variances (0–1 scale): no estimation, one solve (for tests and what-if runs). */
  variances?: VarianceComponents;
}

/**
 * Fits the model by REML. Components the design cannot separate are held at 0 (well, at a floor of
 * 10⁻⁶ × the score variance): `person` with one person, `rater` with one rater, `pair` when no pair has
 * two items (pair halo and noise are then one term), when nobody has two raters (halo and person are one)
 * or no rater two ratees (halo and leniency are one). Converged when no standard deviation moves by more
 * than `tolerance` × the scores' sd in a cycle.
 */
export function fitRaterModel(d: Design, opts: FitOptions): ModelFit {
  const L = layout(d);
  const nObs = d.y.length;
  let mean = 0;
  for (const x of d.y) mean += x;
  mean /= nObs;
  let tot = 0;
  for (const x of d.y) tot += (x - mean) ** 2;
  const varY = Math.max(tot / Math.max(1, nObs - 1), 1e-12);
  const floor = 1e-6 * varY;
  const nPairs = d.pairStart.length;
  let withinDf = 0;
  for (let p = 0; p < nPairs; p++) withinDf += d.pairEnd[p]! - d.pairStart[p]! - 1;
  const fixedAtZero: (keyof VarianceComponents)[] = [];
  if (d.people.length < 2) fixedAtZero.push('person');
  if (d.raters.length < 2) fixedAtZero.push('rater');
  // a pair's halo is told apart from the noise by a second item, from the person by a second rater of
  // that person, from the rater by a second ratee of that rater
  const pairsOf = (of: Int32Array, k: number) => {
    const c = new Int32Array(k);
    for (const x of of) c[x]! += 1;
    return c.some((x) => x >= 2);
  };
  if (
    withinDf - (d.items.length - 1) <= 0 ||
    !pairsOf(d.pairPerson, d.people.length) ||
    !pairsOf(d.pairRater, d.raters.length)
  )
    fixedAtZero.push('pair');
  const free = (k: keyof VarianceComponents) => !fixedAtZero.includes(k);
  const v: VarianceComponents = {
    person: free('person') ? 0.3 * varY : floor,
    rater: free('rater') ? 0.2 * varY : floor,
    pair: free('pair') ? 0.1 * varY : floor,
    residual: 0.4 * varY,
  };
  const keptKey = L.kept;
  const groupKey = L.kept === 'person' ? 'rater' : 'person';
  const step = (cur: number, ss: number, tr: number, q: number) => {
    const edf = q - tr / cur;
    const next = edf > 1e-3 * q ? ss / edf : (ss + tr) / q;
    return Math.max(floor, Number.isFinite(next) ? next : floor);
  };
  if (opts.variances) {
    for (const k of ['person', 'rater', 'pair', 'residual'] as const)
      v[k] = free(k) || k === 'residual' ? Math.max(floor, opts.variances[k]) : floor;
  }
  const keys = (['person', 'rater', 'pair', 'residual'] as const).filter((k) => free(k) || k === 'residual');
  const solveAt = (x: VarianceComponents) => pass(d, L, x, x[keptKey], x[groupKey]);
  /** One Schall step from x (whose pass is px): the fixed-point map F of REML. */
  const F = (x: VarianceComponents, px: Pass): VarianceComponents => {
    const q = { kept: L.nKept, group: L.nGroups, pair: nPairs };
    const edf =
      px.edfFixed +
      (q.kept - px.tr.kept / x[keptKey]) +
      (q.group - px.tr.group / x[groupKey]) +
      (q.pair - px.tr.pair / x.pair);
    const next: VarianceComponents = { ...x };
    if (free(keptKey)) next[keptKey] = step(x[keptKey], px.ss.kept, px.tr.kept, q.kept);
    if (free(groupKey)) next[groupKey] = step(x[groupKey], px.ss.group, px.tr.group, q.group);
    if (free('pair')) next.pair = step(x.pair, px.ss.pair, px.tr.pair, q.pair);
    next.residual = Math.max(
      floor,
      nObs - edf > 1e-3 * nObs ? px.rss / (nObs - edf) : (px.rss + x.residual * edf) / nObs,
    );
    return next;
  };
  // change in standard deviation, relative to the scores' sd
  const change = (a: VarianceComponents, b: VarianceComponents) =>
    Math.max(...keys.map((k) => Math.abs(Math.sqrt(a[k]) - Math.sqrt(b[k])))) / Math.sqrt(varY);
  let iterations = 0;
  let converged = opts.variances !== undefined;
  let last = solveAt(v);
  // SQUAREM (Varadhan & Roland 2008) on log variances: two plain steps, then an extrapolation kept
  // only when it lowers the REML deviance; components drifting to 0 get there in a few cycles.
  while (!converged && iterations < opts.maxIterations) {
    const p1 = F(v, last);
    const pass1 = solveAt(p1);
    const p2 = F(p1, pass1);
    iterations += 2;
    let best = p2;
    let bestPass: Pass | null = null;
    const r = keys.map((k) => Math.log(p1[k]) - Math.log(v[k]));
    const w = keys.map((k, i) => Math.log(p2[k]) - Math.log(p1[k]) - r[i]!);
    const nr = Math.hypot(...r);
    const nw = Math.hypot(...w);
    if (nw > 0 && nr > 0) {
      const alpha = Math.min(-1, -nr / nw);
      if (alpha < -1) {
        const x: VarianceComponents = { ...v };
        keys.forEach((k, i) => {
          const lx = Math.log(v[k]) - 2 * alpha * r[i]! + alpha * alpha * w[i]!;
          x[k] = Math.min(Math.max(Math.exp(lx), floor), 10 * varY);
        });
        const px = solveAt(x);
        iterations++;
        if (Number.isFinite(px.deviance) && px.deviance < pass1.deviance) {
          best = x;
          bestPass = px;
        }
      }
    }
    let moved = change(best, v);
    Object.assign(v, best);
    last = bestPass ?? solveAt(v);
    // Near 0 the updates crawl (a component whose optimum is 0 shrinks like 1/iterations): try the
    // boundary, kept when the REML deviance is no more than 1e-4 higher there (a likelihood ratio of
    // 1.00005: statistically the same fit).
    for (const k of keys) {
      if (k === 'residual' || v[k] <= floor || v[k] > 1e-2 * varY) continue;
      // the boundary point, with one update of the other components so they can take up the slack
      const x0 = { ...v, [k]: floor };
      const x = { ...F(x0, solveAt(x0)), [k]: floor };
      const px = solveAt(x);
      iterations += 2;
      if (px.deviance <= last.deviance + 1e-4) {
        moved = Math.max(moved, change(x, v));
        Object.assign(v, x);
        last = px;
      }
    }
    if (moved < opts.tolerance) {
      // and at the boundary, check that a little variance would not fit better
      for (const k of keys) {
        if (k === 'residual' || v[k] > floor) continue;
        const x = { ...v, [k]: 1e-3 * varY };
        const px = solveAt(x);
        iterations++;
        if (px.deviance < last.deviance - 1e-8 * Math.abs(last.deviance)) {
          Object.assign(v, x);
          last = px;
          moved = Number.POSITIVE_INFINITY;
        }
      }
      converged = moved < opts.tolerance;
    }
  }
  return collect(L, v, last, fixedAtZero, iterations, converged, floor);
}

function collect(
  L: Layout,
  v: VarianceComponents,
  f: Pass,
  fixedAtZero: (keyof VarianceComponents)[],
  iterations: number,
  converged: boolean,
  floor: number,
): ModelFit {
  const { n } = L;
  const Ci = f.cinv.a;
  let level = 0;
  for (let c = 0; c < L.nFixed; c++) level += L.t[c]! * f.theta[c]!;
  const effects = (cols: Int32Array) => {
    const raw = Float64Array.from(cols, (c) => (c >= 0 ? f.theta[c]! : 0));
    let centre = 0;
    cols.forEach((c) => {
      if (c >= 0) centre += L.t[c]! * f.theta[c]!;
    });
    // the reference level's share is 1 − Σ others; effects are shown around the weighted mean
    return raw.map((x) => x - centre);
  };
  const keptEffect = new Float64Array(L.nKept);
  const keptPev = new Float64Array(L.nKept);
  const keptScoreVar = new Float64Array(L.nKept);
  for (let k = 0; k < L.nKept; k++) {
    const c = L.keptOffset + k;
    keptEffect[k] = f.theta[c]!;
    keptPev[k] = Ci[c * n + c]!;
    // Var(tᵀθ_fixed + θ_c) = Σ_ij t_i t_j C_ij + 2 Σ_i t_i C_ic + C_cc
    let s = Ci[c * n + c]!;
    for (let i = 0; i < L.nFixed; i++) {
      s += 2 * L.t[i]! * Ci[i * n + c]!;
      for (let j = 0; j < L.nFixed; j++) s += L.t[i]! * L.t[j]! * Ci[i * n + j]!;
    }
    keptScoreVar[k] = s;
  }
  const zero = (k: keyof VarianceComponents) => (fixedAtZero.includes(k) || v[k] <= floor ? 0 : v[k]);
  const people = L.kept === 'person';
  return {
    variances: { person: zero('person'), rater: zero('rater'), pair: zero('pair'), residual: v.residual },
    fixedAtZero,
    iterations,
    converged,
    level,
    relationEffects: effects(L.relCol),
    itemEffects: effects(L.itemCol),
    personEffect: people ? keptEffect : f.groupEffect,
    personPev: people ? keptPev : f.groupPev,
    scoreVar: people ? keptScoreVar : f.groupScoreVar,
    raterEffect: people ? f.groupEffect : keptEffect,
    raterPev: people ? f.groupPev : keptPev,
    kept: L.kept,
  };
}
