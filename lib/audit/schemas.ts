import { z } from "zod";

export const ZListAuditEventsQuery = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  before: z
    .string()
    .regex(/^\d{1,19}$/, "must be a row number")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TListAuditEventsQuery = z.infer<typeof ZListAuditEventsQuery>;
