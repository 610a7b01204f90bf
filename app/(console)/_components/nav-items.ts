import type { Permission } from "@/lib/auth/roles";

export type NavIconName =
  | "overview"
  | "policy"
  | "review"
  | "bundle"
  | "allowlist"
  | "fleet"
  | "decision"
  | "audit"
  | "users"
  | "key"
  | "bell";

export type NavItem = {
  href: string;
  label: string;
  icon: NavIconName;
  permission: Permission;
  section: "Policy" | "Runtime" | "Evidence" | "Administration";
};

// Pages appear in the sidebar only for people whose roles grant the permission.
export const NAV_ITEMS: NavItem[] = [
  { href: "/policies", label: "Policies", icon: "policy", permission: "policy:read", section: "Policy" },
  { href: "/allowlists", label: "Allowlists", icon: "allowlist", permission: "allowlist:read", section: "Policy" },
  { href: "/reviews", label: "Change requests", icon: "review", permission: "policy:read", section: "Policy" },
  { href: "/bundles", label: "Bundles", icon: "bundle", permission: "bundle:read", section: "Runtime" },
  { href: "/fleet", label: "Fleet", icon: "fleet", permission: "agent:read", section: "Runtime" },
  { href: "/decisions", label: "Decisions", icon: "decision", permission: "decision:read", section: "Evidence" },
  { href: "/as-of", label: "State as of", icon: "audit", permission: "evidence:read", section: "Evidence" },
  { href: "/audit", label: "Audit trail", icon: "audit", permission: "audit:read", section: "Evidence" },
  {
    href: "/admin/recertification",
    label: "Recertification",
    icon: "review",
    permission: "allowlist:read",
    section: "Evidence",
  },
  { href: "/admin/users", label: "Users", icon: "users", permission: "user:manage", section: "Administration" },
  {
    href: "/admin/agent-credentials",
    label: "Agent credentials",
    icon: "key",
    permission: "agent:manage",
    section: "Administration",
  },
  {
    href: "/admin/signing-keys",
    label: "Signing keys",
    icon: "key",
    permission: "key:manage",
    section: "Administration",
  },
  { href: "/admin/alerts", label: "Alerts", icon: "bell", permission: "alert:manage", section: "Administration" },
  {
    href: "/admin/git-links",
    label: "Git links",
    icon: "bundle",
    permission: "bundle:manage",
    section: "Administration",
  },
  { href: "/settings/tokens", label: "API tokens", icon: "key", permission: "token:self", section: "Administration" },
];
