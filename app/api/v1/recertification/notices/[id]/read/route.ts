// POST /api/v1/recertification/notices/:id/read — mark one of your notices as read
import { withApi } from "@/lib/http/with-api";
import { markNoticeRead } from "@/lib/recertification/notices";
import { ZNoticeParams } from "@/lib/recertification/schemas";

export const POST = withApi({ permission: "allowlist:read", params: ZNoticeParams }, async ({ actor, params }) =>
  markNoticeRead({ actor, id: params.id }),
);
