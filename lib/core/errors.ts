export type AppErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "service_unavailable"
  | "internal";

export const APP_ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  service_unavailable: 503,
  internal: 500,
} satisfies Record<AppErrorCode, number>;

export type FieldError = { path: string; message: string };

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors?: FieldError[];
  /** Extra members for the problem document (e.g. both versions on an edit conflict). */
  readonly extra?: Record<string, unknown>;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { cause?: unknown; fieldErrors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = options.fieldErrors;
    this.extra = options.extra;
  }

  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found`);
export const forbidden = (why = "You do not have permission to do this") => new AppError("forbidden", why);
