// GET /api/v1/tokens — the caller's API tokens (all tokens for admins); POST — mint one (secret shown once)
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateApiTokenRequest } from "@/lib/auth/schemas";
import { createApiToken } from "@/lib/users/create-api-token";
import { listApiTokens } from "@/lib/users/list-api-tokens";

export const GET = withApi({ permission: "token:self" }, async ({ actor }) => ({
  items: await listApiTokens({ actor }),
}));

export const POST = withApi(
  { permission: "token:self", body: ZCreateApiTokenRequest },
  async ({ actor, body, requestId }) => json(await createApiToken({ actor, input: body, requestId }), { status: 201 }),
);
