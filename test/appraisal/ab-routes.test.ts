/** A/B comparisons over HTTP: two quantile choices, two model versions, two weight profiles; retries; refusals. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { abCompareProcessor } from '../../src/appraisal/ab-run.js';
import type { Processor } from '../../src/jobs/types.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

interface Rate {
  group: string;
  n: number;
  attained: number;
  rate: number;
}
interface Summary {
  name: string;
  rows: number;
  attainment: { all: Rate; by_role: Rate[]; by_team: Rate[] };
  warning: Rate | null;
  fairness: { team: { groups: Rate[] }; tenure: { groups: Rate[] } };
  stability: { pairs: unknown[]; spearman: number | null };
}
interface Answer {
  id: string;
  state: string;
  error: string | null;
  report: {
    period_kind: string;
    periods: string[];
    a: Summary;
    b: Summary;
    paired: { rows: number; attainment_rate: { a: number; b: number; difference: number } } | null;
    split: { people: [number, number]; effect: unknown; permutation: { p: number } } | null;
    notes: string[];
  } | null;
}

describeEachBackend('A/B comparisons of targets and weights over HTTP', (get) => {
  let t: TestApp;
  let version: string;

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 24 });
    t = await buildTestApp(db, {}, false, {
      train_baselines: trainBaselinesProcessor as Processor,
      ab_compare: abCompareProcessor as Processor,
    });
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/baselines/train',
      headers: t.auth('hr'),
      payload: { role: 'product_ops', metric: 'gmv', network: false },
    });
    expect(r.statusCode, r.body).toBe(202);
    const job = await waitFor(`/v1/baselines/jobs/${encodeURIComponent(r.json().id)}`);
    version = (job as { result: { models: { version: string }[] } }).result.models[0]!.version;
  });
  afterAll(async () => {
    await t?.app.close();
  });

  async function waitFor(url: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 900; i++) {
      const s = await t.app.inject({ url, headers: t.auth('hr') });
      const body = s.json();
      if (['completed', 'failed'].includes(body.state)) return body;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`${url} did not finish`);
  }

  const post = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/v1/ab-comparisons', headers: t.auth('hr'), payload });

  async function compare(payload: object): Promise<Answer> {
    const r = await post(payload);
    expect(r.statusCode, r.body).toBe(202);
    return (await waitFor(`/v1/ab-comparisons/${r.json().id}`)) as unknown as Answer;
  }

  const quantiles = {
    kind: 'quantiles',
    role: 'product_ops',
    metric: 'gmv',
    from: '2025-Q1',
    to: '2026-Q3',
    a: { target: 0.7 },
    b: { target: 0.5, floor: 0.2 },
  };

  it('compares two quantile choices on history: a lower target is attained more often, per role and team', async () => {
    const c = await compare(quantiles);
    expect(c.state, c.error ?? '').toBe('completed');
    const r = c.report!;
    // the period kind follows product_ops' cycle (quarterly)
    expect(r.period_kind).toBe('quarter');
    expect(r.periods).toEqual(['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3']);
    expect(r.a.name).toBe('target P70');
    expect(r.a.rows).toBeGreaterThan(20);
    expect(r.a.rows).toBe(r.b.rows);
    expect(r.paired!.rows).toBe(r.a.rows);
    // P50 is below P70 for everyone: every person-period on target under A is on target under B
    expect(r.b.attainment.all.attained).toBeGreaterThanOrEqual(r.a.attainment.all.attained);
    expect(r.paired!.attainment_rate.difference).toBeCloseTo(r.a.attainment.all.rate - r.b.attainment.all.rate, 9);
    expect(r.a.attainment.by_role.map((x) => x.group)).toEqual(['product_ops']);
    expect(r.a.attainment.by_team.reduce((s, x) => s + x.n, 0)).toBe(r.a.rows);
    // a higher warning line (P20 vs P10) fires at least as often
    expect(r.b.warning!.attained).toBeGreaterThanOrEqual(r.a.warning!.attained);
    expect(r.a.fairness.tenure.groups.length).toBeGreaterThan(0);
    expect(r.a.stability.pairs.length).toBe(6);
  });

  it('is retry-safe: the same request is the same comparison; the same id with another request a 409', async () => {
    const again = await post(quantiles);
    expect(again.statusCode).toBe(200);
    expect(again.json().state).toBe('completed');
    const named = { ...quantiles, id: 'q-70-50' };
    const first = await post(named);
    expect(first.statusCode).toBe(202);
    expect((await post(named)).statusCode).toBe(200);
    const other = await post({ ...named, b: { target: 0.6 } });
    expect(other.statusCode).toBe(409);
    const list = await t.app.inject({ url: '/v1/ab-comparisons', headers: t.auth('hr') });
    expect(list.json().map((x: { id: string }) => x.id)).toContain('q-70-50');
  });

  it('compares model versions and weight profiles, and a declared split of people', async () => {
    const models = await compare({
      kind: 'models',
      role: 'product_ops',
      metric: 'gmv',
      from: '2026-Q1',
      to: '2026-Q3',
      a: { model_version: version },
      b: { model_version: version, name: 'same again' },
    });
    expect(models.state, models.error ?? '').toBe('completed');
    expect(models.report!.paired!.attainment_rate.difference).toBe(0);
    expect(models.report!.b.name).toBe('same again');

    const people = await t.app.inject({ url: '/v1/employees?role=product_ops&limit=100', headers: t.auth('hr') });
    const ids = (people.json().items ?? people.json()).map((e: { id: string }) => e.id) as string[];
    const groups = Object.fromEntries(ids.map((id, i) => [id, i % 2 === 0 ? 'a' : 'b']));
    const weights = await compare({
      kind: 'weights',
      role: 'product_ops',
      from: '2026-Q1',
      to: '2026-Q3',
      a: { profile: 'default' },
      b: { profile: 'promotion' },
      split: { groups },
    });
    expect(weights.state, weights.error ?? '').toBe('completed');
    const w = weights.report!;
    expect(w.a.rows).toBeGreaterThan(0);
    expect(w.a.warning).not.toBeNull();
    expect(w.split!.people[0]).toBeGreaterThanOrEqual(2);
    expect(w.split!.permutation.p).toBeGreaterThan(0);
    expect(w.notes.join(' ')).toContain('weights:');
  });

  it('refuses bad requests naming the field, and stores nothing for them', async () => {
    const cases: [object, string][] = [
      [{ ...quantiles, from: '2025-03' }, 'from'],
      [{ ...quantiles, a: {} }, 'a.target'],
      [{ ...quantiles, a: { target: 0.7, profile: 'default' } }, 'a.profile'],
      [{ ...quantiles, b: { target: 0.5, floor: 0.6 } }, 'b.floor'],
      [{ ...quantiles, metric: 'unknown_metric' }, 'metric'],
      [{ ...quantiles, role: 'astronaut' }, 'role'],
      [{ ...quantiles, to: '2024-Q1' }, 'to'],
      [
        { ...quantiles, kind: 'models', a: { model_version: 'nope' }, b: { model_version: version } },
        'a.model_version',
      ],
      [
        {
          kind: 'weights',
          role: 'product_ops',
          from: '2026-Q1',
          to: '2026-Q2',
          a: { profile: 'default' },
          b: { profile: 'nope' },
        },
        'b.profile',
      ],
    ];
    for (const [payload, field] of cases) {
      const r = await post(payload);
      expect(r.statusCode, `${field}: ${r.body}`).toBe(422);
      expect(r.json().field).toBe(field);
    }
    const shape = await post({ ...quantiles, a: { target: 1.5 } });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().errors[0].field).toBe('body.a.target');
    expect((await t.app.inject({ url: '/v1/ab-comparisons/nope', headers: t.auth('hr') })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/ab-comparisons', headers: t.auth('scorer'), payload: quantiles }))
        .statusCode,
    ).toBe(403);
  });
});
