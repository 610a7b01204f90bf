"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import {
  AllowlistIcon,
  AuditIcon,
  BellIcon,
  BundleIcon,
  DecisionIcon,
  FleetIcon,
  KeyIcon,
  OverviewIcon,
  PolicyIcon,
  ReviewIcon,
  UsersIcon,
} from "@/components/icons";
import type { NavIconName, NavItem } from "./nav-items";

const ICONS: Record<NavIconName, (p: { className?: string }) => React.ReactElement> = {
  overview: OverviewIcon,
  policy: PolicyIcon,
  review: ReviewIcon,
  bundle: BundleIcon,
  allowlist: AllowlistIcon,
  fleet: FleetIcon,
  decision: DecisionIcon,
  audit: AuditIcon,
  users: UsersIcon,
  key: KeyIcon,
  bell: BellIcon,
};

export function SidebarNav({
  items,
  user,
}: {
  items: NavItem[];
  user: { name: string; email: string; roles: string[] };
}) {
  const pathname = usePathname();
  const sections = [...new Set(items.map((i) => i.section))];
  return (
    <aside className="sidebar" aria-label="Main navigation">
      <div className="sidebar-inner">
        <Link href="/" className="brand" style={{ textDecoration: "none" }}>
          <span className="brand-mark" aria-hidden>
            V
          </span>{" "}
          Verdict
        </Link>
        <nav className="nav">
          {sections.map((section) => (
            <div key={section} className="nav">
              <div className="nav-section">{section}</div>
              {items
                .filter((i) => i.section === section)
                .map((item) => {
                  const Icon = ICONS[item.icon];
                  const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                  return (
                    <Link key={item.href} href={item.href} aria-current={active ? "page" : undefined}>
                      <Icon /> {item.label}
                    </Link>
                  );
                })}
            </div>
          ))}
        </nav>
        <div className="sidebar-footer">
          <div className="who" title={user.email}>
            {user.name}
          </div>
          <div className="roles">
            {user.email}
            <br />
            {user.roles.join(" · ")}
          </div>
          <div className="row">
            <Link href="/settings/account" className="btn btn-sm">
              Account
            </Link>
            <button type="button" className="btn btn-sm" onClick={() => void signOut({ callbackUrl: "/login" })}>
              Sign out
            </button>
          </div>
        </div>
      </div>
    </aside>
  );
}
