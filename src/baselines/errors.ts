export type BaselineErrorCode =
  | 'no_series'
  | 'bad_horizon'
  | 'mixed_frequency'
  | 'bad_frequency'
  | 'horizon_too_long'
  | 'bad_model';

/** Input errors of the baselines module: stable `code`, safe to show (map to a 4xx). */
export class BaselineInputError extends Error {
  readonly code: BaselineErrorCode;
  constructor(code: BaselineErrorCode, message: string) {
    super(message);
    this.name = 'BaselineInputError';
    this.code = code;
  }
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}
