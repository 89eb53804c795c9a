/**
 * The one shape of a warning in a successful answer (importers, ingestion, exports): a stable
 * `code` a client can act on and a readable `message`. The HTTP layer declares it once as the
 * `Warning` component (src/routes/components.ts).
 */
export interface Warning {
  /** Stable and snake_case, e.g. `partial_period`, `rows_skipped`, `value_not_computed`. */
  code: string;
  message: string;
}

export const warning = (code: string, message: string): Warning => ({ code, message });
