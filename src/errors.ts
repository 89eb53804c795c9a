/**
 * Errors of the HTTP layer only (plugins and routes): each has a stable `code` and an HTTP status.
 * Domain and service errors carry a code only (src/lib/errors.ts); the error plugin
 * (src/plugins/errors.ts) answers both as problem+json (RFC 9457).
 */
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
