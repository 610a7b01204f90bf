import type { Role } from "@/lib/auth/roles";

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail?: string;
  roles: Role[];
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
};

export function toApiTokenView(t: {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  roles: Role[];
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}): ApiTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    userId: t.userId,
    roles: t.roles,
    expiresAt: t.expiresAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}
