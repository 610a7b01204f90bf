import { createHmac, timingSafeEqual } from "node:crypto";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { openWebhookSecret } from "@/lib/git-sync/git-link-secrets";
import { ZPushEvent } from "@/lib/git-sync/schemas";
import { scheduleGitLinkSync } from "@/lib/git-sync/schedule-git-sync";

export type WebhookProvider = "github" | "gitea" | "gitlab";

export type WebhookOutcome =
  | { accepted: true; provider: WebhookProvider; queued: true }
  | { accepted: false; provider: WebhookProvider; reason: string };

const unauthorized = () => new AppError("unauthenticated", "The webhook signature does not match this link's secret");

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Which provider signed the request, if the signature verifies with the link's secret:
 * GitHub `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`, Gitea `X-Gitea-Signature: <hex>`,
 * GitLab `X-Gitlab-Token: <the secret itself>` (compared in constant time).
 */
export function verifyWebhook(secret: string, headers: Headers, body: Buffer): WebhookProvider | null {
  const hmac = () => createHmac("sha256", secret).update(body).digest();
  const github = headers.get("x-hub-signature-256");
  if (github) {
    const hex = github.startsWith("sha256=") ? github.slice(7) : "";
    return /^[0-9a-f]{64}$/i.test(hex) && safeEqual(Buffer.from(hex, "hex"), hmac()) ? "github" : null;
  }
  const gitea = headers.get("x-gitea-signature");
  if (gitea) return /^[0-9a-f]{64}$/i.test(gitea) && safeEqual(Buffer.from(gitea, "hex"), hmac()) ? "gitea" : null;
  const gitlab = headers.get("x-gitlab-token");
  if (gitlab) {
    const given = createHmac("sha256", "gitlab-token").update(gitlab).digest();
    const expected = createHmac("sha256", "gitlab-token").update(secret).digest();
    return safeEqual(given, expected) ? "gitlab" : null;
  }
  return null;
}

function eventName(provider: WebhookProvider, headers: Headers): string | null {
  const header = { github: "x-github-event", gitea: "x-gitea-event", gitlab: "x-gitlab-event" }[provider];
  return headers.get(header);
}

/**
 * A push webhook for a link: verified before anything is read, then, when the push is to its
 * branch, a sync of the link scheduled in the background (the caller answers 202 at once; the
 * outcome shows on the link). A bad signature (or an unknown link) is 401 and changes nothing.
 */
export async function receiveGitWebhook(options: {
  linkId: string;
  headers: Headers;
  body: Buffer;
}): Promise<WebhookOutcome> {
  const link = await db.gitLink.findUnique({
    where: { id: options.linkId },
    select: { id: true, branch: true, webhookSecretSealed: true },
  });
  if (!link) throw unauthorized();
  const provider = verifyWebhook(openWebhookSecret(link), options.headers, options.body);
  if (!provider) throw unauthorized();
  const event = eventName(provider, options.headers);
  if (event && !["push", "Push Hook"].includes(event))
    return { accepted: false, provider, reason: `ignored ${event} event` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(options.body.toString("utf8"));
  } catch (cause) {
    throw new AppError("bad_request", "The webhook body is not valid JSON", { cause });
  }
  const push = ZPushEvent.safeParse(parsed);
  if (!push.success)
    throw new AppError("validation_failed", "The webhook body is not a push event", {
      fieldErrors: push.error.issues.map((i) => ({
        path: ["body", ...i.path.map(String)].join("."),
        message: i.message,
      })),
    });
  if (push.data.ref !== `refs/heads/${link.branch}`)
    return { accepted: false, provider, reason: `ignored push to ${push.data.ref}` };
  // The payload only says that something moved: what is taken in is what the fetch finds.
  scheduleGitLinkSync(link.id);
  return { accepted: true, provider, queued: true };
}
