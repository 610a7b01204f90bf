import type { Role } from "@/lib/generated/prisma/enums";

export type { Role };
export const ROLES = ["admin", "author", "reviewer", "auditor", "viewer"] as const satisfies readonly Role[];

export type Permission =
  | "policy:read"
  | "policy:write"
  | "test:run"
  | "change:submit"
  | "change:review"
  | "change:impact"
  | "bundle:read"
  | "bundle:publish"
  | "bundle:manage"
  | "publish:override"
  | "allowlist:read"
  | "allowlist:write"
  | "decision:read"
  | "decision:export"
  | "audit:read"
  | "evidence:read"
  | "evidence:export"
  | "agent:read"
  | "agent:manage"
  | "key:manage"
  | "user:manage"
  | "alert:manage"
  | "recertification:manage"
  | "token:self";

const READ: Permission[] = ["policy:read", "bundle:read", "allowlist:read", "agent:read", "token:self"];

// Least privilege: each role gets only what its job needs. Admins run the installation
// (users, keys, agent credentials, bundles) but neither author nor approve policy.
export const ROLE_PERMISSIONS = {
  viewer: READ,
  // change:impact shows recorded decision inputs that a change would flip, next to the diff.
  author: [...READ, "policy:write", "test:run", "change:submit", "change:impact", "allowlist:write"],
  reviewer: [...READ, "test:run", "change:review", "change:impact", "bundle:publish"],
  // evidence:read is the state as of a moment; evidence:export is a verifiable evidence pack.
  auditor: [...READ, "decision:read", "decision:export", "audit:read", "evidence:read", "evidence:export"],
  admin: [
    ...READ,
    "bundle:manage",
    "bundle:publish",
    "publish:override",
    "agent:manage",
    "key:manage",
    "user:manage",
    "alert:manage",
    "recertification:manage",
    "audit:read",
    "evidence:read",
  ],
} satisfies Record<Role, Permission[]>;

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
}

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => (ROLE_PERMISSIONS[r] as readonly Permission[]).includes(permission));
}
