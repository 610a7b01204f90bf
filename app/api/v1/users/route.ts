// GET /api/v1/users — all users (admin); POST — create a user
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateUserRequest } from "@/lib/users/schemas";
import { listUsers } from "@/lib/users/list-users";
import { createUser } from "@/lib/users/create-user";

export const GET = withApi({ permission: "user:manage" }, async ({ actor }) => ({ items: await listUsers({ actor }) }));

export const POST = withApi(
  { permission: "user:manage", body: ZCreateUserRequest },
  async ({ actor, body, requestId }) => json(await createUser({ actor, input: body, requestId }), { status: 201 }),
);
