/** The dependency check behind /health and /ready (src/services/probes.ts). */
import { expect, it } from 'vitest';
import { createDependencyCheck } from '../../src/services/probes.js';

/** A database whose ping answers `up`, after `gate` when one is set; counted calls. */
function fakes() {
  const state = { up: true, pings: 0, queueChecks: 0, gate: null as Promise<void> | null };
  const db = {
    kind: 'pglite' as const,
    ping: async () => {
      state.pings++;
      if (state.gate) await state.gate;
      return state.up;
    },
  };
  const queue = {
    health: async () => {
      state.queueChecks++;
      return { kind: 'inline' as const, ok: true };
    },
  };
  return { db, queue, state };
}

it('one check answers every probe within its maximum age, then the next probe checks again', async () => {
  const { db, queue, state } = fakes();
  let t = 1000;
  const check = createDependencyCheck(db, queue, { maxAgeMs: 1000, now: () => t });
  expect(await check()).toEqual({ db: { kind: 'pglite', ok: true }, queue: { kind: 'inline', ok: true } });
  t += 999;
  state.up = false;
  expect((await check()).db.ok).toBe(true);
  expect(state.pings).toBe(1);
  // expired: the database's answer now, not the old one
  t += 1;
  expect((await check()).db.ok).toBe(false);
  expect([state.pings, state.queueChecks]).toEqual([2, 2]);
});

it('probes that arrive while a check runs wait for that check (one ping, not one each)', async () => {
  const { db, queue, state } = fakes();
  let t = 0;
  const check = createDependencyCheck(db, queue, { maxAgeMs: 1000, now: () => t });
  let open = () => {};
  state.gate = new Promise<void>((r) => {
    open = r;
  });
  const waiting = [check(), check(), check()];
  open();
  const answers = await Promise.all(waiting);
  expect(answers.every((a) => a.db.ok)).toBe(true);
  expect(state.pings).toBe(1);
  // a failed check is not kept past its age either
  state.gate = null;
  state.up = false;
  t += 5000;
  expect((await check()).db.ok).toBe(false);
  expect(state.pings).toBe(2);
});
