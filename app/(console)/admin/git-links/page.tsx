import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listGitLinks } from "@/lib/git-sync/git-link-status";
import { PageHeader } from "@/components/ui";
import { GitLinksManager } from "./git-links-manager";

export const metadata: Metadata = { title: "Git links" };

export default async function GitLinksPage() {
  const actor = await requirePageActor("bundle:manage");
  const links = await listGitLinks({ actor });
  return (
    <div className="page">
      <PageHeader title="Git links">
        A linked repository feeds change requests: each new commit on the branch is proposed for review, authored by the
        commit&apos;s author when they are a Verdict author. It still needs passing tests and an approval by someone
        else before it publishes. Approved editor changes can be pushed back as commits. See docs/git-sync.md.
      </PageHeader>
      <GitLinksManager links={links} />
    </div>
  );
}
