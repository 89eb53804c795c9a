/**
 * What crosses between the main thread and the PGlite thread (./pglite-thread.ts, ./pglite-worker.ts):
 * the requests, and errors with their fields.
 */
import { messages } from '@electric-sql/pglite';
import type { ThreadError } from '../lib/thread.js';

/** A request to the PGlite thread; `tx` names a transaction (the main thread numbers them at `begin`). */
export type PgliteRequest = { id: number } & (
  | { op: 'open' }
  | { op: 'query'; sql: string; params: readonly unknown[]; tx?: number | undefined }
  | { op: 'exec'; sql: string; tx?: number | undefined }
  | { op: 'begin'; tx: number }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'dump' }
  | { op: 'close' }
);

/**
 * An error as the thread posts it: its message and `code`, and in `extra` its class, name, stack and
 * every other own field that clones (a DatabaseError's severity, detail, constraint, table, … and
 * PGlite's query and params).
 */
export function wireError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err) };
  const extra: Record<string, unknown> = {
    class: err instanceof messages.DatabaseError ? 'DatabaseError' : 'Error',
    name: err.name,
    stack: err.stack,
  };
  for (const [k, v] of Object.entries(err)) {
    if (k === 'queryOptions' || typeof v === 'function') continue;
    try {
      structuredClone(v);
      extra[k] = v;
    } catch {
      // a field that cannot cross the boundary is left out
    }
  }
  const code = (err as { code?: unknown }).code;
  return { message: err.message, ...(typeof code === 'string' ? { code } : {}), extra };
}

/**
 * The error the caller sees, rebuilt from the thread's: a DatabaseError (pg-protocol's class, as
 * PGlite throws in-process) with the same fields, or an Error with them. The stack is the thread's,
 * followed by the main thread's call.
 */
export function unwireError(e: ThreadError): Error {
  const { class: kind, name, stack, length, ...fields } = e.extra ?? {};
  const err =
    kind === 'DatabaseError'
      ? new messages.DatabaseError(e.message, Number(length ?? 0), String(name ?? 'error') as messages.MessageName)
      : new Error(e.message);
  Object.assign(err, fields);
  if (kind !== 'DatabaseError' && typeof name === 'string')
    Object.defineProperty(err, 'name', { value: name, configurable: true, writable: true });
  if (typeof stack === 'string')
    err.stack = `${stack}\n    --- in the PGlite thread, called from ---${(err.stack ?? '').replace(/^[^\n]*/, '')}`;
  return err;
}
