// GET /api/v1/allowlists/opa-data — the data document a publish would ship under data.verdict.allowlists
import { withApi } from "@/lib/http/with-api";
import { getAllowlistsDocument } from "@/lib/allowlists/publish-data";

export const GET = withApi({ permission: "allowlist:read" }, ({ actor }) => getAllowlistsDocument({ actor }));
