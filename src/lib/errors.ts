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
