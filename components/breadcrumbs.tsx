import Link from "next/link";
import { Fragment, type ReactNode } from "react";

/** Where a page sits: links to the pages above it, then the page itself. */
export function Breadcrumbs({ trail, children }: { trail: { href: string; label: ReactNode }[]; children: ReactNode }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      {trail.map((step) => (
        <Fragment key={step.href}>
          <Link href={step.href}>{step.label}</Link>
          <span aria-hidden>/</span>
        </Fragment>
      ))}
      <span aria-current="page">{children}</span>
    </nav>
  );
}
