// PATCH /api/v1/users/:id — change name, roles, password, or disable (admin)
import { withApi } from "@/lib/http/with-api";
import { ZUpdateUserRequest, ZUserParams } from "@/lib/users/schemas";
import { updateUser } from "@/lib/users/update-user";

export const PATCH = withApi(
  { permission: "user:manage", params: ZUserParams, body: ZUpdateUserRequest },
  ({ actor, params, body, requestId }) => updateUser({ actor, id: params.id, input: body, requestId }),
);
