// GET /api/v1/tokens — the caller's API tokens (all tokens for admins); POST — mint one (secret shown once)
import { json, withApi } from "@/lib/http/with-api";
import { createApiToken, listApiTokens } from "@/lib/auth/api-tokens";
import { ZCreateApiTokenRequest } from "@/lib/auth/schemas";

export const GET = withApi({ permission: "token:self" }, async ({ actor }) => ({ items: await listApiTokens({ actor }) }));

export const POST = withApi({ permission: "token:self", body: ZCreateApiTokenRequest }, async ({ actor, body, requestId }) =>
  json(await createApiToken({ actor, input: body, requestId }), { status: 201 }),
);
