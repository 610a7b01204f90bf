import { randomUUID } from "node:crypto";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { readBodyBounded } from "@/lib/core/read-body";
import { logger } from "@/lib/core/logger";
import { logError, problemResponse, toAppError } from "@/lib/http/problem";
import { json, parse } from "@/lib/http/with-api";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/**
 * For endpoints called by another system that proves itself with a signature over the body
 * (git push webhooks) instead of a session or API token: the handler gets the raw, bounded body
 * and must verify it before acting. No CSRF check applies: no cookie is read.
 */
export function withSignedWebhook<P>(
  options: { params: z.ZodType<P>; maxBodyBytes: number },
  handler: (ctx: { req: NextRequest; params: P; body: Buffer; requestId: string }) => Promise<Response | object>,
) {
  return async (req: NextRequest, route: RouteContext): Promise<Response> => {
    const requestId = randomUUID();
    const log = logger.child({ requestId, method: req.method, path: req.nextUrl.pathname });
    try {
      const params = parse(options.params, await route.params, "path");
      const body = await readBodyBounded(req, options.maxBodyBytes, "The webhook body");
      const result = await handler({ req, params, body, requestId });
      const response = result instanceof Response ? result : json(result);
      response.headers.set("x-request-id", requestId);
      log.info({ status: response.status }, "webhook");
      return response;
    } catch (error) {
      const appError = toAppError(error);
      logError(log, appError);
      return problemResponse(appError, requestId);
    }
  };
}
