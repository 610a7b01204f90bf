import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";

export const ZRole = z.enum(ROLES);

export const ZCreateApiTokenRequest = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z
    .array(ZRole)
    .min(1)
    .max(ROLES.length)
    .refine((r) => new Set(r).size === r.length, "roles must be unique"),
  expiresInDays: z.number().int().min(1).max(365).default(90),
});
export type TCreateApiTokenRequest = z.infer<typeof ZCreateApiTokenRequest>;
