import Link from "next/link";
import { CardHeader } from "@/components/ui";
import type { PolicyReferences } from "@/lib/policies/get-policy-references";
import type { PolicyLink } from "@/lib/policy-tests/policy-references";

/** The policies a policy uses and the policies that use it, on its page. */
export function PolicyReferencesCard({ references }: { references: PolicyReferences }) {
  return (
    <section className="card" aria-labelledby="policy-references-title">
      <CardHeader title={<span id="policy-references-title">References</span>} />
      <div style={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 16, padding: 16 }}>
        <LinkList
          label="Uses"
          empty="This policy uses no other policy."
          links={references.dependencies}
          testId="policy-dependencies"
        />
        <LinkList
          label="Used by"
          empty="No other policy uses this one."
          links={references.dependants}
          testId="policy-dependants"
        />
      </div>
      {references.missing.length > 0 ? (
        <div role="alert" className="muted" style={{ padding: "0 16px 16px" }}>
          Missing:{" "}
          {references.missing.map((m) => (
            <code key={m.package}>{m.package} </code>
          ))}
        </div>
      ) : null}
    </section>
  );
}

function LinkList({
  label,
  empty,
  links,
  testId,
}: {
  label: string;
  empty: string;
  links: PolicyLink[];
  testId: string;
}) {
  return (
    <div>
      <h3 style={{ fontSize: 13 }}>{label}</h3>
      {links.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul data-testid={testId}>
          {links.map((l) => (
            <li key={l.policyId}>
              <Link href={`/policies/${l.policyId}`}>{l.name}</Link> <code>{l.packagePath}</code> v{l.version}
              {l.direct ? null : <span className="muted"> (through another policy)</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
