import { z } from "zod";
import { ZBundleName } from "@/lib/bundles/bundle-names";

export const ZAgentCredentialKind = z.enum(["bearer", "oauth2"]);

export const ZCreateAgentCredentialRequest = z.object({
  name: z.string().trim().min(1).max(100),
  kind: ZAgentCredentialKind,
  bundles: z
    .array(ZBundleName)
    .max(50)
    .refine((b) => new Set(b).size === b.length, "bundles must be unique")
    .default([]),
  mayReportStatus: z.boolean().default(true),
  mayUploadLogs: z.boolean().default(false),
  /** Omit (or null) for a credential that does not expire. */
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});
export type TCreateAgentCredentialRequest = z.infer<typeof ZCreateAgentCredentialRequest>;

export const ZAgentCredentialParams = z.object({ id: z.string().uuid() });

// OPA sends `grant_type=client_credentials[&scope=…]`; the client authenticates with HTTP Basic.
export const ZTokenRequestForm = z.object({
  grant_type: z.string().min(1).max(100),
  scope: z.string().max(1000).optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(200).optional(),
});

export const ZRotateKeyRequest = z.object({ reason: z.string().trim().min(3).max(500) });
export type TRotateKeyRequest = z.infer<typeof ZRotateKeyRequest>;

const ZOpaTime = z.string().max(64).optional();

const ZBundleStatus = z
  .object({
    name: z.string().max(200).optional(),
    active_revision: z.string().max(500).optional(),
    last_successful_activation: ZOpaTime,
    last_request: ZOpaTime,
    code: z.string().max(200).optional(),
    message: z.string().max(4000).optional(),
    http_code: z.number().int().optional(),
    errors: z.array(z.unknown()).max(200).optional(),
  })
  .passthrough();

/** The status document OPA posts (docs/opa-protocol.md §4); unknown members are kept, not refused. */
export const ZStatusReport = z
  .object({
    labels: z
      .record(z.string().max(200), z.string().max(1000))
      .refine((l) => typeof l.id === "string", "labels.id is required"),
    bundles: z.record(z.string().max(200), ZBundleStatus).optional(),
    decision_logs: z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough().optional(),
    plugins: z
      .record(
        z.string(),
        z.object({ state: z.string().max(50), message: z.string().max(4000).optional() }).passthrough(),
      )
      .optional(),
  })
  .passthrough();
export type TStatusReport = z.infer<typeof ZStatusReport>;

/** POST /api/v1/fleet/demo-agent: how long the demo agent and its traffic run. */
export const ZStartDemoAgentRequest = z.object({ minutes: z.number().int().min(1).max(60).default(10) });
