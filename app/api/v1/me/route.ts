// GET /api/v1/me — who the caller is and what they may do
import { withApi } from "@/lib/http/with-api";
import { permissionsOf } from "@/lib/auth/roles";

export const GET = withApi({ permission: "policy:read" }, async ({ actor }) => ({
  id: actor.userId,
  email: actor.email,
  name: actor.name,
  roles: actor.roles,
  via: actor.via,
  permissions: [...permissionsOf(actor.roles)].sort(),
}));
