/**
 * Errors the service answers with. Each has a stable `code`, an HTTP status and a
 * problem+json body (RFC 9457). Anything else that escapes is a 500 with no details.
 */
import type { RowError } from './history/types.js';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return {
      type: `https://kpi-calibrator.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...this.extra,
    };
  }

  get title(): string {
    return this.code.replace(/_/g, ' ');
  }
}

/** Some input rows are invalid; nothing was written. */
export class InvalidRowsError extends AppError {
  constructor(
    readonly errors: RowError[],
    what = 'rows',
  ) {
    super(422, 'invalid_rows', `${new Set(errors.map((e) => e.row)).size} ${what} invalid; nothing was written`, {
      errors,
    });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(400, 'bad_request', message, extra);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `request body exceeds the limit of ${limit} bytes (BODY_LIMIT)`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(got: string | undefined, accepted: string[]) {
    super(
      415,
      'unsupported_media_type',
      `content type ${got ?? '(none)'} is not accepted here; send one of ${accepted.join(', ')}`,
    );
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(needed: readonly string[]) {
    super(403, 'forbidden', `this key lacks the scope for this route; needs one of: ${needed.join(', ')}`);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(503, 'service_unavailable', message);
  }
}
