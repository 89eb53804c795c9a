/**
 * Derivative-free minimisation: one Nelder–Mead for the whole code base (the baselines' damped-trend
 * fit uses it). The ratings prior keeps its own 2-D variant (src/ratings/model.ts): it contracts
 * outside as well as inside and counts function evaluations, and its results are pinned by the
 * ratings simulation tests; this one would move them.
 */

/**
 * Nelder–Mead on an unconstrained vector (small dimension; stops when the simplex values agree).
 * Written without closures or per-step arrays: the baselines run it for every person of a scope
 * (10,000 fits per targets request), where the helpers' allocations cost as much as the objective.
 */
export function nelderMead(
  f: (p: number[]) => number,
  start: number[],
  iters = 120,
  step = 0.8,
  tol = 1e-10,
): number[] {
  const dim = start.length;
  const simplex: number[][] = [start.slice()];
  for (let i = 0; i < dim; i++) {
    const p = start.slice();
    p[i]! += step;
    simplex.push(p);
  }
  const vals = new Array<number>(dim + 1);
  for (let i = 0; i <= dim; i++) vals[i] = f(simplex[i]!);
  const centroid = new Array<number>(dim).fill(0);
  // scratch points: a trial that replaces the worst point hands the worst point's array back as scratch
  let spareR = new Array<number>(dim).fill(0);
  let spareE = new Array<number>(dim).fill(0);
  for (let it = 0; it < iters; it++) {
    // insertion sort by value (dim + 1 points)
    for (let i = 1; i <= dim; i++) {
      const v = vals[i]!;
      const p = simplex[i]!;
      let k = i - 1;
      while (k >= 0 && vals[k]! > v) {
        vals[k + 1] = vals[k]!;
        simplex[k + 1] = simplex[k]!;
        k--;
      }
      vals[k + 1] = v;
      simplex[k + 1] = p;
    }
    if (Math.abs(vals[dim]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + 1e-12)) break;
    centroid.fill(0);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) centroid[j]! += simplex[i]![j]! / dim;
    const worst = simplex[dim]!;
    const xr = spareR;
    for (let j = 0; j < dim; j++) xr[j] = centroid[j]! + -1 * (worst[j]! - centroid[j]!);
    const fr = f(xr);
    if (fr < vals[0]!) {
      const xe = spareE;
      for (let j = 0; j < dim; j++) xe[j] = centroid[j]! + -2 * (worst[j]! - centroid[j]!);
      const fe = f(xe);
      if (fe < fr) {
        simplex[dim] = xe;
        vals[dim] = fe;
        spareE = worst;
      } else {
        simplex[dim] = xr;
        vals[dim] = fr;
        spareR = worst;
      }
    } else if (fr < vals[dim - 1]!) {
      simplex[dim] = xr;
      vals[dim] = fr;
      spareR = worst;
    } else {
      const xc = new Array<number>(dim);
      for (let j = 0; j < dim; j++) xc[j] = centroid[j]! + 0.5 * (worst[j]! - centroid[j]!);
      const fc = f(xc);
      if (fc < vals[dim]!) {
        simplex[dim] = xc;
        vals[dim] = fc;
      } else {
        const best = simplex[0]!;
        for (let i = 1; i <= dim; i++) {
          const p = simplex[i]!;
          const q = new Array<number>(dim);
          for (let j = 0; j < dim; j++) q[j] = best[j]! + 0.5 * (p[j]! - best[j]!);
          simplex[i] = q;
          vals[i] = f(q);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i <= dim; i++) if (vals[i]! < vals[bi]!) bi = i;
  return simplex[bi]!;
}
