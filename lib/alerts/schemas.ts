import { z } from "zod";
import { ALERT_KIND_NAMES } from "@/lib/alerts/alert-kinds";

const ZWebhookUrl = z
  .string()
  .trim()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http:// or https:// URL");

export const ZCreateAlertWebhook = z.strictObject({
  name: z.string().trim().min(1).max(100),
  url: ZWebhookUrl,
  format: z.enum(["json", "slack"]),
  kinds: z.array(z.enum(ALERT_KIND_NAMES)).min(1).max(ALERT_KIND_NAMES.length),
  /** The HMAC secret; Verdict generates one (shown once) when it is left out. */
  secret: z.string().min(16).max(256).optional(),
});
export type TCreateAlertWebhook = z.infer<typeof ZCreateAlertWebhook>;

export const ZUpdateAlertWebhook = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    url: ZWebhookUrl,
    format: z.enum(["json", "slack"]),
    kinds: z.array(z.enum(ALERT_KIND_NAMES)).min(1).max(ALERT_KIND_NAMES.length),
    enabled: z.boolean(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");
export type TUpdateAlertWebhook = z.infer<typeof ZUpdateAlertWebhook>;

/** The `:id` of a webhook or a delivery. */
export const ZWebhookIdParams = z.object({ id: z.string().uuid() });

export const ZDeliveryQuery = z.object({
  webhookId: z.string().uuid().optional(),
  state: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
