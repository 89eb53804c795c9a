/**
 * Errors of the domain and service layers: a stable `code` and a message safe to show, never an
 * HTTP status. The HTTP error plugin (src/plugins/errors.ts) maps each code to a status in one
 * table; a code it does not know answers 400.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Extra members of the problem answer (e.g. `errors` listing rows or fields). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/** One problem with one input row (row 0: the CSV header or the body as a whole). */
export interface RowError {
  row: number;
  field: string;
  reason: string;
}

/** `what` does not exist (code not_found). */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

/** The request contradicts the stored state (code conflict). */
export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Input that cannot be read at all: a charset, malformed CSV, unknown job kind (code bad_request). */
export class BadRequestError extends DomainError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('bad_request', message, extra);
  }
}

/**
 * Some input rows are invalid; nothing was written (code invalid_rows). `errors` lists the first
 * ones (ROW_ERROR_LIMIT, in row order), `error_count` counts them all.
 */
export class InvalidRowsError extends DomainError {
  constructor(
    readonly errors: RowError[],
    what = 'rows',
    /** Every error, listed or not. */
    total = errors.length,
    /** Rows with at least one error, listed or not. */
    badRows = new Set(errors.map((e) => e.row)).size,
  ) {
    const listed = total > errors.length ? ` (the first ${errors.length} of ${total} errors listed)` : '';
    super('invalid_rows', `${badRows} ${what} invalid; nothing was written${listed}`, {
      errors,
      error_count: total,
    });
  }
}

/** A body read past its byte limit (code payload_too_large). */
export class PayloadTooLargeError extends DomainError {
  constructor(limit: number) {
    super('payload_too_large', `request body exceeds the limit of ${limit} bytes (BODY_LIMIT)`);
  }
}

/** A dependency (the job queue's Redis) is down; try again after `retryAfterSeconds` (code service_unavailable). */
export class UnavailableError extends DomainError {
  /**
   * The one status kept on an error outside the HTTP layer: the job-queue contract has promised
   * callers a 503 here since it was written (test/faults checks it). The error plugin answers from
   * the code, like every other.
   */
  readonly status = 503;

  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super('service_unavailable', message);
  }
}

/** How many row errors a 422 lists (ROW_ERROR_LIMIT); the rest are counted in `error_count`. */
export let rowErrorLimit = 100;

/** Sets how many row errors a 422 lists (src/config.ts: ROW_ERROR_LIMIT). */
export function setRowErrorLimit(n: number): void {
  rowErrorLimit = n;
}

/** The 422 of `errors` found at once: the first ROW_ERROR_LIMIT in row order, all counted. */
export function invalidRows(errors: readonly RowError[], what = 'rows'): InvalidRowsError {
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  return new InvalidRowsError(
    sorted.slice(0, rowErrorLimit),
    what,
    sorted.length,
    new Set(sorted.map((e) => e.row)).size,
  );
}
