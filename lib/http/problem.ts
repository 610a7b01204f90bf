import { Prisma } from "@/lib/generated/prisma/client";
import { AppError, type FieldError } from "@/lib/core/errors";
import type { Logger } from "@/lib/core/logger";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export type ProblemDocument = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthenticated",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

// Postgres SQLSTATE classes that mean "the database is not reachable right now".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]);

/** Maps anything thrown to an AppError; unknown errors become a generic 500 (detail stays in the log). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2002")
      return new AppError("conflict", "A record with these values already exists", { cause: error });
    if (error.code === "P2025") return new AppError("not_found", "The record was not found", { cause: error });
    if (error.code === "P1001" || error.code === "P1017") return unavailable(error);
  }
  if (error instanceof Prisma.PrismaClientInitializationError) return unavailable(error);
  const code = errorCode(error);
  if (code === "23505") return new AppError("conflict", "A record with these values already exists", { cause: error });
  if (code && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return unavailable(error);
  if (isConnectionFailure(error)) return unavailable(error);
  return new AppError("internal", "An unexpected error occurred", { cause: error });
}

/** True when `error` means PostgreSQL cannot be reached (not when a query itself failed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof AppError)
    return error.code === "service_unavailable" && error.cause !== undefined && isDatabaseUnavailable(error.cause);
  return toAppError(error).code === "service_unavailable";
}

function unavailable(cause: unknown): AppError {
  return new AppError("service_unavailable", "The database is unavailable; try again shortly", { cause });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const c = current as { code?: unknown; cause?: unknown };
    if (typeof c.code === "string") return c.code;
    current = c.cause;
  }
  return undefined;
}

function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const c = current as { kind?: unknown; cause?: unknown; originalCode?: unknown };
    if (c.kind === "DatabaseNotReachable" || c.kind === "ConnectionClosed" || c.kind === "SocketTimeout") return true;
    if (typeof c.originalCode === "string" && UNAVAILABLE_SQLSTATE.test(c.originalCode)) return true;
    current = c.cause;
  }
  return false;
}

export function problemResponse(error: AppError, requestId?: string, headers?: HeadersInit): Response {
  const status = error.status;
  const body: ProblemDocument = {
    type: `https://verdict.dev/problems/${error.code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail: error.message,
    ...(requestId ? { requestId } : {}),
    ...(error.fieldErrors ? { errors: error.fieldErrors } : {}),
    ...(error.extra ?? {}),
  };
  const h = new Headers(headers);
  h.set("content-type", PROBLEM_CONTENT_TYPE);
  h.set("cache-control", "no-store");
  if (requestId) h.set("x-request-id", requestId);
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** Logs server-side faults with their cause chain; client errors stay at debug level. */
export function logError(log: Logger, error: AppError): void {
  if (error.status >= 500) log.error({ err: error.cause ?? error, code: error.code }, error.message);
  else log.debug({ code: error.code }, error.message);
}
