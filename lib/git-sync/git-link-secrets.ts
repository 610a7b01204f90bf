import { randomBytes } from "node:crypto";
import { openText, seal } from "@/lib/core/secret-box";
import type { GitLink } from "@/lib/generated/prisma/client";
import type { GitCredential } from "@/lib/git-sync/run-git";
import type { Remote } from "@/lib/git-sync/git-mirror";
import type { TGitAuth } from "@/lib/git-sync/schemas";

// Each sealed value is bound to its link and purpose: copied into another row it does not open.
const credentialContext = (linkId: string) => `git-link-credential:${linkId}`;
const webhookContext = (linkId: string) => `git-link-webhook:${linkId}`;

export function sealCredential(
  linkId: string,
  auth: TGitAuth,
): { tokenUsername: string | null; credentialSealed: string | null } {
  if (auth.kind === "none") return { tokenUsername: null, credentialSealed: null };
  const secret = auth.kind === "token" ? auth.token : auth.privateKey;
  return {
    tokenUsername: auth.kind === "token" ? auth.username : null,
    credentialSealed: seal(secret, credentialContext(linkId)),
  };
}

export function newWebhookSecret(linkId: string): { secret: string; sealed: string } {
  const secret = randomBytes(32).toString("base64url");
  return { secret, sealed: seal(secret, webhookContext(linkId)) };
}

export function openWebhookSecret(link: Pick<GitLink, "id" | "webhookSecretSealed">): string {
  return openText(link.webhookSecretSealed, webhookContext(link.id));
}

export function remoteOf(link: GitLink): Remote {
  let credential: GitCredential = { kind: "none" };
  if (link.authKind !== "none" && link.credentialSealed) {
    const secret = openText(link.credentialSealed, credentialContext(link.id));
    credential =
      link.authKind === "token"
        ? { kind: "token", username: link.tokenUsername ?? "x-access-token", token: secret }
        : { kind: "ssh_key", privateKey: secret };
  }
  return { url: link.remoteUrl, branch: link.branch, credential };
}
