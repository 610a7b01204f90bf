import { z } from "zod";
import { parsePackageRef } from "@/lib/rego/rego-package";

// Network transports only, and never a URL that carries its own credentials (they belong in the
// sealed token) or that git could read as an option.
const REMOTE_URL =
  /^(?:(?:https?|ssh|git):\/\/[^\s/@]+(?:@[^\s/@]+)?(?::\d+)?\/\S*|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/;

export const ZRemoteUrl = z
  .string()
  .trim()
  .max(500)
  .regex(REMOTE_URL, "must be an https://, ssh://, git:// or user@host:path URL")
  .refine((u) => !/^(?:https?|git):\/\/[^/]*@/.test(u), "put the token in the token field, not in the URL");

const ZBranch = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![./])$/, "must be a branch name such as main");

const ZRepoPath = z
  .string()
  .trim()
  .max(300)
  .transform((p) => p.replace(/^\/+|\/+$/g, ""))
  .refine((p) => p === "" || /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(p), "must be a folder such as policies")
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "must not contain . or ..");

export const ZGitAuth = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  z.object({
    kind: z.literal("token"),
    username: z.string().trim().min(1).max(200).default("x-access-token"),
    token: z.string().min(1).max(4096),
  }),
  z.object({
    kind: z.literal("ssh_key"),
    privateKey: z
      .string()
      .max(16 * 1024)
      .refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), "must be a PEM or OpenSSH private key"),
  }),
]);
export type TGitAuth = z.infer<typeof ZGitAuth>;

/** A token is sent as basic auth: over plain http only to this machine (a test or a local proxy). */
export function tokenTransportProblem(remoteUrl: string, authKind: string): string | null {
  if (authKind !== "token" || !remoteUrl.startsWith("http://")) return null;
  const host = remoteUrl.slice("http://".length).split(/[/:]/)[0];
  return host === "127.0.0.1" || host === "localhost" ? null : "a token is sent only over https (or to localhost)";
}

const ZPollInterval = z.number().int().min(30).max(86_400).nullable();

export const ZCreateGitLinkRequest = z
  .object({
    name: z.string().trim().min(1).max(120),
    remoteUrl: ZRemoteUrl,
    branch: ZBranch.default("main"),
    path: ZRepoPath.default(""),
    packageRoot: z
      .string()
      .trim()
      .max(200)
      .refine((p) => p === "" || parsePackageRef(p).ok, "must be a package path such as payments")
      .default(""),
    auth: ZGitAuth.default({ kind: "none" }),
    pollIntervalSeconds: ZPollInterval.default(null),
    pushEnabled: z.boolean().default(false),
  })
  .refine((v) => v.auth.kind !== "ssh_key" || !/^https?:/.test(v.remoteUrl), {
    message: "a deploy key needs an SSH URL",
    path: ["auth"],
  })
  .refine((v) => tokenTransportProblem(v.remoteUrl, v.auth.kind) === null, {
    message: "a token is sent only over https (or to localhost)",
    path: ["remoteUrl"],
  });
export type TCreateGitLinkRequest = z.infer<typeof ZCreateGitLinkRequest>;

export const ZUpdateGitLinkRequest = z
  .object({
    auth: ZGitAuth.optional(),
    pollIntervalSeconds: ZPollInterval.optional(),
    pushEnabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "auth, pollIntervalSeconds or pushEnabled is required");
export type TUpdateGitLinkRequest = z.infer<typeof ZUpdateGitLinkRequest>;

export const ZGitLinkParams = z.object({ id: z.string().uuid() });

/** Taking a force-pushed (or re-created) branch's new head as the link's base, as one change request. */
export const ZAcceptHeadRequest = z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/, "a full commit SHA") });

// ── webhooks: only what Verdict reads of each provider's push event ──

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

const ZSha = z.string().regex(/^[0-9a-f]{40}$/);

/** GitHub, Gitea and GitLab all send `ref`, `before` and `after` on a push. */
export const ZPushEvent = z.object({
  ref: z.string().max(300),
  before: ZSha,
  after: ZSha,
});
export type TPushEvent = z.infer<typeof ZPushEvent>;
