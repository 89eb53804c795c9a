/**
 * Derivative-free minimisation: one Nelder–Mead for the whole code base (the baselines' damped-trend
 * fit uses it). The ratings prior keeps its own 2-D variant (src/ratings/model.ts): it contracts
 * outside as well as inside and counts function evaluations, and its results are pinned by the
 * ratings simulation tests; this one would move them.
 */

/** Nelder–Mead on an unconstrained vector (small dimension; stops when the simplex values agree). */
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
  const vals = simplex.map(f);
  const centroid = new Array<number>(dim).fill(0);
  const xr = new Array<number>(dim).fill(0);
  const xe = new Array<number>(dim).fill(0);
  // replaces the worst point by `p`, recycling the worst point's array as the next scratch buffer
  let spareR = xr;
  let spareE = xe;
  const swap = (p: number[], v: number) => {
    const old = simplex[dim]!;
    simplex[dim] = p;
    vals[dim] = v;
    if (p === spareR) spareR = old;
    else spareE = old;
  };
  const at = (out: number[], worst: number[], c: number) => {
    for (let j = 0; j < dim; j++) out[j] = centroid[j]! + c * (worst[j]! - centroid[j]!);
    return out;
  };
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
    const xr = at(spareR, worst, -1);
    const fr = f(xr);
    if (fr < vals[0]!) {
      const xe = at(spareE, worst, -2);
      const fe = f(xe);
      if (fe < fr) {
        swap(xe, fe);
      } else {
        swap(xr, fr);
      }
    } else if (fr < vals[dim - 1]!) {
      swap(xr, fr);
    } else {
      const xc = at(new Array<number>(dim), worst, 0.5);
      const fc = f(xc);
      if (fc < vals[dim]!) {
        simplex[dim] = xc;
        vals[dim] = fc;
      } else {
        for (let i = 1; i <= dim; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          vals[i] = f(simplex[i]!);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i <= dim; i++) if (vals[i]! < vals[bi]!) bi = i;
  return simplex[bi]!;
}
