import { describe, it, expect } from 'vitest';
import { Rng, hashSeed } from '../../src/demo/rng.js';

describe('demo rng', () => {
  it('repeats a sequence for the same seed and differs for another', () => {
    const a = Rng.from(42, 'x');
    const b = Rng.from(42, 'x');
    const c = Rng.from(43, 'x');
    const sa = Array.from({ length: 20 }, () => a.uint32());
    expect(Array.from({ length: 20 }, () => b.uint32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.uint32())).not.toEqual(sa);
  });

  it('hashes seed and labels without trivial collisions', () => {
    // regression: xor-ing the seed into the initial state cancelled against its first digit
    expect(hashSeed(0, 'a')).not.toBe(hashSeed(1, 'a'));
    const seen = new Set<number>();
    for (let s = 0; s < 20; s++) for (let i = 0; i < 500; i++) seen.add(hashSeed(s, 'person', `E${i}`));
    expect(seen.size).toBeGreaterThan(9_990);
  });

  it('draws uniform, normal and poisson values with the right moments', () => {
    const r = Rng.from(1, 'moments');
    const n = 20_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let sp = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (u < 0 || u >= 1) outside++;
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sp += r.poisson(3);
    }
    expect(outside).toBe(0);
    expect(su / n).toBeCloseTo(0.5, 1);
    expect(sn / n).toBeCloseTo(0, 1);
    expect(Math.sqrt(sn2 / n)).toBeCloseTo(1, 1);
    expect(sp / n).toBeCloseTo(3, 1);
  });

  it('throws on impossible draws', () => {
    const r = new Rng(1);
    expect(() => r.pick([])).toThrow(RangeError);
    expect(() => r.weighted([0, 0])).toThrow(RangeError);
  });
});
