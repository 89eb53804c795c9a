// The scoring of training/aspects-agreement.ts: presence F1 per aspect and micro, Cohen's kappa of the
// agent complaint, polarity agreement, the disagreement list, the label-line parser and the seeded draw.
import { describe, expect, it } from 'vitest';
import { agreement, cohenKappa, drawSample, parseLabelLine, type SecondLabel } from '../training/aspects-agreement.js';
import type { AspectLabels } from '../training/aspects-eval-set.js';

const second = (id: string, aspects: AspectLabels): SecondLabel => ({ id, aspects, agent_complaint: false });

describe('aspects agreement', () => {
  it("computes Cohen's kappa", () => {
    expect(cohenKappa([true, false, true, false], [true, false, true, false])).toBe(1);
    // po = 0.5, pe = 0.5 → 0
    expect(cohenKappa([true, true, false, false], [true, false, true, false])).toBe(0);
    // a: 2 of 4 true, b: 1 of 4 true, agree on 3 → po 0.75, pe 0.5·0.25 + 0.5·0.75 = 0.5 → 0.5
    expect(cohenKappa([true, true, false, false], [true, false, false, false])).toBeCloseTo(0.5, 10);
    expect(cohenKappa([false, false], [false, false])).toBe(1);
    expect(() => cohenKappa([true], [true, false])).toThrow();
  });

  it('scores presence, complaints, polarity and lists the disagreements', () => {
    const ref = new Map<string, AspectLabels>([
      ['a', { service_attitude: 'negative', product_quality: 'positive' }],
      ['b', { response_speed: 'negative' }],
      ['c', { logistics: 'negative' }],
      ['d', { returns_handling: 'neutral' }],
      ['e', {}],
    ]);
    const pred = [
      second('a', { service_attitude: 'negative', product_quality: 'mixed' }), // same agent, pq polarity differs
      second('b', { response_speed: 'negative', service_attitude: 'negative' }), // one agent aspect more
      second('c', { logistics: 'negative' }), // identical
      second('d', {}), // misses a neutral agent aspect
      second('e', { returns_handling: 'negative' }), // a complaint the set does not have
    ];
    const res = agreement(ref, pred);
    expect(res.n).toBe(5);
    // agent: tp sa(a) + rs(b) = 2, fp sa(b) + rh(e) = 2, fn rh(d) = 1 → P 0.5, R 2/3, F1 4/7
    expect(res.agent).toMatchObject({ tp: 2, fp: 2, fn: 1 });
    expect(res.agent.f1).toBeCloseTo(4 / 7, 10);
    expect(res.aspects.returns_handling).toMatchObject({ tp: 0, fp: 1, fn: 1, f1: 0 });
    expect(res.other).toMatchObject({ tp: 2, fp: 0, fn: 0, f1: 1 });
    // complaints: set a, b; second a, b, e → P 2/3, R 1; kappa: po 4/5, pe 0.4·0.6 + 0.6·0.4 = 0.48
    expect(res.complaint).toMatchObject({ tp: 2, fp: 1, fn: 0, refTrue: 2, predTrue: 3 });
    expect(res.complaint.kappa).toBeCloseTo((0.8 - 0.48) / (1 - 0.48), 10);
    expect(res.polarity.agent).toEqual({ same: 2, both: 2 });
    expect(res.polarity.product_quality).toEqual({ same: 0, both: 1 });
    expect(res.polarity.all).toEqual({ same: 3, both: 4 });
    expect(res.disagreements.map((d) => [d.id, d.agent])).toEqual([
      ['a', false],
      ['b', true],
      ['d', true],
      ['e', true],
    ]);
  });

  it('is symmetric in F1 and kappa when the readers swap roles', () => {
    const x = new Map<string, AspectLabels>([
      ['1', { service_attitude: 'negative' }],
      ['2', { response_speed: 'positive', price: 'negative' }],
      ['3', {}],
    ]);
    const y = new Map<string, AspectLabels>([
      ['1', { service_attitude: 'negative', returns_handling: 'negative' }],
      ['2', { price: 'negative' }],
      ['3', { service_attitude: 'neutral' }],
    ]);
    const asList = (m: Map<string, AspectLabels>) => [...m].map(([id, aspects]) => second(id, aspects));
    const xy = agreement(x, asList(y));
    const yx = agreement(y, asList(x));
    expect(xy.agent.f1).toBeCloseTo(yx.agent.f1, 10);
    expect(xy.agent.precision).toBeCloseTo(yx.agent.recall, 10);
    expect(xy.complaint.kappa).toBeCloseTo(yx.complaint.kappa, 10);
  });

  it('refuses an id the reference does not have', () => {
    expect(() => agreement(new Map(), [second('x', {})])).toThrow(/not in the reference/);
  });

  it('parses label lines and derives agent_complaint', () => {
    expect(parseLabelLine('zh-0001 sa:p rs:n lo:u')).toEqual({
      id: 'zh-0001',
      aspects: { service_attitude: 'positive', response_speed: 'negative', logistics: 'neutral' },
      agent_complaint: true,
    });
    expect(parseLabelLine('en-0002 pq:m rh:u')).toMatchObject({ agent_complaint: false });
    expect(parseLabelLine('en-0003')).toEqual({ id: 'en-0003', aspects: {}, agent_complaint: false });
    expect(() => parseLabelLine('x sa:q')).toThrow(/bad code/);
    expect(() => parseLabelLine('x sa:p sa:n')).toThrow(/twice/);
  });

  it('draws a reproducible sample independent of the input order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
    const a = drawSample(ids, 10, 1818);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect(drawSample([...ids].reverse(), 10, 1818)).toEqual(a);
    expect(drawSample(ids, 10, 1819)).not.toEqual(a);
  });
});
