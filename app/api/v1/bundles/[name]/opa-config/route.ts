// GET /api/v1/bundles/:name/opa-config?kind=bearer|oauth2[&target=<name>] — a ready-made OPA config (YAML) for
// agents of this bundle, pulling from Verdict or from one of its distribution targets
import { z } from "zod";
import { withApi } from "@/lib/http/with-api";
import { bundleAgentConfig } from "@/lib/agents/bundle-opa-config";
import { ZBundleParams } from "@/lib/bundles/schemas";
import { ZTargetName } from "@/lib/distribution/schemas";

const ZQuery = z.object({ kind: z.enum(["bearer", "oauth2"]).default("bearer"), target: ZTargetName.optional() });

export const GET = withApi(
  { permission: "bundle:read", params: ZBundleParams, query: ZQuery },
  async ({ actor, params, query }) => {
    const yaml = await bundleAgentConfig({ actor, name: params.name, kind: query.kind, target: query.target });
    return new Response(yaml, {
      headers: {
        "content-type": "application/yaml; charset=utf-8",
        "content-disposition": `attachment; filename="opa-${params.name}${query.target ? `-${query.target}` : ""}.yaml"`,
        "cache-control": "no-store",
      },
    });
  },
);
