// GET /api/v1/recertification/notices — notices addressed to the signed-in person
import { withApi } from "@/lib/http/with-api";
import { listNotices } from "@/lib/recertification/notices";

export const GET = withApi({ permission: "allowlist:read" }, async ({ actor }) => ({
  items: await listNotices({ actor }),
}));
