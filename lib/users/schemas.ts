import { z } from "zod";
import { ZRole } from "@/lib/auth/schemas";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/passwords";

const ZPassword = z.string().min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`).max(1024);
const ZRoles = z
  .array(ZRole)
  .max(5)
  .refine((r) => new Set(r).size === r.length, "roles must be unique");

export const ZCreateUserRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  name: z.string().trim().min(1).max(120),
  roles: ZRoles.min(1),
  // Omitted for people who sign in through the identity provider only.
  password: ZPassword.optional(),
});
export type TCreateUserRequest = z.infer<typeof ZCreateUserRequest>;

export const ZUpdateUserRequest = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    roles: ZRoles.optional(),
    disabled: z.boolean().optional(),
    password: ZPassword.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "nothing to change");
export type TUpdateUserRequest = z.infer<typeof ZUpdateUserRequest>;

export const ZUserParams = z.object({ id: z.string().uuid() });

export const ZChangePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: ZPassword,
});
export type TChangePasswordRequest = z.infer<typeof ZChangePasswordRequest>;
