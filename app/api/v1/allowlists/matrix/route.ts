// GET /api/v1/allowlists/matrix — services × callers with active and expired grant counts
import { withApi } from "@/lib/http/with-api";
import { getAccessMatrix } from "@/lib/allowlists/access-matrix";

export const GET = withApi({ permission: "allowlist:read" }, ({ actor }) => getAccessMatrix({ actor }));
