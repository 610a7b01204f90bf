import { randomUUID } from "node:crypto";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { AppError, type FieldError } from "@/lib/core/errors";
import { logError, problemResponse, toAppError } from "@/lib/http/problem";
import { isJsonContentType, readBodyBounded } from "@/lib/core/read-body";
import { jsonNestingExceeds, MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { resolveCaller } from "@/lib/auth/resolve-actor";
import type { Permission } from "@/lib/auth/roles";
import { logger, type Logger } from "@/lib/core/logger";

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export type ApiContext<P, Q, B> = {
  req: NextRequest;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  requestId: string;
  log: Logger;
};

type ApiOptions<P, Q, B> = {
  /** Every route names the permission it needs: there is no unauthenticated default. */
  permission: Permission;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  maxBodyBytes?: number;
};

/** The one wrapper for /api/v1 routes: request id, caller, permission, CSRF, validation, errors. */
export function withApi<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  options: ApiOptions<P, Q, B>,
  handler: (ctx: ApiContext<P, Q, B>) => Promise<Response | object>,
) {
  return async (req: NextRequest, route: RouteContext): Promise<Response> => {
    const requestId = incomingRequestId(req.headers) ?? randomUUID();
    const log = logger.child({ requestId, method: req.method, path: req.nextUrl.pathname });
    const started = performance.now();
    const done = (response: Response) => {
      log.info({ status: response.status, ms: Math.round(performance.now() - started) }, "request");
      return response;
    };
    try {
      const caller = await resolveCaller(req.headers);
      if (!caller.actor) {
        throw new AppError(
          "unauthenticated",
          caller.presentedToken ? "The API token is invalid, expired or revoked" : "Sign in or send an API token",
        );
      }
      requirePermission(caller.actor, options.permission);
      if (caller.via === "session" && isUnsafe(req.method)) assertSameOrigin(req);
      const params = parse(options.params, await route.params, "path");
      const query = parse(options.query, Object.fromEntries(req.nextUrl.searchParams), "query");
      const body = options.body ? await readJsonBody(req, options.body, options.maxBodyBytes) : (undefined as B);
      const result = await handler({ req, actor: caller.actor, params, query, body, requestId, log });
      const response = result instanceof Response ? result : json(result);
      response.headers.set("x-request-id", requestId);
      return done(response);
    } catch (error) {
      const appError = toAppError(error);
      logError(log, appError);
      return done(problemResponse(appError, requestId));
    }
  };
}

export function json(data: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(data), { ...init, headers });
}

async function readJsonBody<B>(req: NextRequest, schema: z.ZodType<B>, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<B> {
  if (!isJsonContentType(req.headers.get("content-type"))) {
    throw new AppError("unsupported_media_type", "Send the body as application/json");
  }
  const raw = await readBodyBounded(req, maxBytes);
  if (jsonNestingExceeds(raw))
    throw new AppError("bad_request", `The body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (cause) {
    throw new AppError("bad_request", "The body is not valid JSON", { cause });
  }
  return parse(schema, value, "body");
}

export function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: "path" | "query" | "body"): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fieldErrors: FieldError[] = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const code = where === "path" ? "not_found" : "validation_failed";
  throw new AppError(code, where === "path" ? "No such resource" : `The ${where} is invalid`, {
    fieldErrors: where === "path" ? undefined : fieldErrors,
  });
}

function isUnsafe(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

// Cookie-authenticated writes must come from our own pages. Browsers always send Origin on
// cross-origin and same-origin non-GET fetches, so a missing or foreign Origin is refused.
function assertSameOrigin(req: NextRequest): void {
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  let originHost: string | null = null;
  try {
    originHost = origin ? new URL(origin).host : null;
  } catch {
    originHost = null;
  }
  if (!originHost || !host || originHost !== host) {
    throw new AppError("forbidden", "Cross-site request refused (Origin does not match)");
  }
}

function incomingRequestId(headers: Headers): string | null {
  const id = headers.get("x-request-id");
  return id && /^[A-Za-z0-9._-]{8,64}$/.test(id) ? id : null;
}
