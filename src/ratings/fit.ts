/**
 * The CPU step of a ratings recompute, a pure function of the evidence rows: per (role, period) the
 * empirical-Bayes prior, and each row's posterior as column arrays. It runs in the job's thread
 * (src/jobs/compute.ts); the evidence is read and the ratings written by ./recompute.ts.
 */
import { fitPrior, posterior } from './model.js';

const round = (x: number) => Number(x.toPrecision(12));

export interface FitRow {
  agent_id: string;
  role_id: string;
  period: string;
  n: number;
  positive: number;
  /** null on rows stored by an older rating model (not used for ρ) */
  positive_sq: number | null;
  fresh: boolean;
}

const columns = () => ({
  agent: [] as string[],
  period: [] as string[],
  a: [] as number[],
  b: [] as number[],
  method: [] as string[],
  rho: [] as number[],
  mean: [] as number[],
  lo: [] as number[],
  hi: [] as number[],
});
type Columns = ReturnType<typeof columns>;
const params = (c: Columns) => [c.agent, c.period, c.a, c.b, c.method, c.rho, c.mean, c.lo, c.hi];

/**
 * Priors per (role, period) over all the rows (sorted by role, period), and each row's posterior as
 * column arrays: `fresh` rows (evidence just aggregated) apart from `stored` ones (other agents).
 */
export function fitAll(rows: FitRow[]) {
  const fresh = columns();
  const stored = columns();
  let priors = 0;
  for (let i = 0; i < rows.length; ) {
    let j = i;
    const first = rows[i]!;
    while (j < rows.length && rows[j]!.role_id === first.role_id && rows[j]!.period === first.period) j++;
    const group = rows.slice(i, j);
    const prior = fitPrior(group.map((g) => ({ n: g.n, positive: g.positive, positiveSq: g.positive_sq })));
    priors++;
    for (const g of group) {
      const post = posterior(prior, g);
      const out = g.fresh ? fresh : stored;
      out.agent.push(g.agent_id);
      out.period.push(g.period);
      out.a.push(round(prior.alpha));
      out.b.push(round(prior.beta));
      out.method.push(prior.method);
      out.rho.push(round(prior.rho));
      out.mean.push(round(post.mean));
      out.lo.push(round(post.low));
      out.hi.push(round(post.high));
    }
    i = j;
  }
  return { priors, fresh: params(fresh), stored: params(stored) };
}
