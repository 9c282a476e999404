/** Stable error codes: clients switch on these, so they never change meaning. */
export const ERROR_CODES = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  /** The URL or the HTTP itself does not parse (bad percent-encoding, malformed request line or headers). */
  MALFORMED_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  /** The API key is valid but lacks the scope the route needs (named in details.required_scope). */
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  ITEM_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  NOTHING_TO_TRAIN: 409,
  EXPERIMENT_NOT_FOUND: 404,
  /** An experiment with this id exists (ids are never reused). */
  EXPERIMENT_EXISTS: 409,
  /** Another experiment is running (details.running); stop it first. */
  EXPERIMENT_RUNNING: 409,
  EXPERIMENT_NOT_RUNNING: 409,
  /** The built-in default experiment cannot be stopped or promoted. */
  EXPERIMENT_BUILTIN: 409,
  /** Promotion without a variant while the results call no winner (details.reason). */
  NO_WINNER: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

export interface FieldError {
  /** JSON pointer into the request part, e.g. "/events/3/rating". */
  field: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.statusCode = ERROR_CODES[code];
  }

  static validation(location: string, errors: FieldError[]): ApiError {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return new ApiError('VALIDATION_ERROR', `${location}${first.field} ${first.message}${more}`, { location, errors });
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
