import Link from "next/link";

const TABS = [
  { href: "/allowlists", label: "Services" },
  { href: "/allowlists/callers", label: "Callers" },
  { href: "/allowlists/expiring", label: "Expiring" },
  { href: "/allowlists/matrix", label: "Access matrix" },
  { href: "/allowlists/import", label: "Import & export" },
  { href: "/allowlists/changes", label: "Proposed changes" },
] as const;

export function AllowlistTabs({ active }: { active: (typeof TABS)[number]["href"] }) {
  return (
    <nav className="tabs" aria-label="Allowlist views">
      {TABS.map((t) => (
        <Link key={t.href} href={t.href} aria-current={t.href === active ? "page" : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
