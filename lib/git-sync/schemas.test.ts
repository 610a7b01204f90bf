import { describe, expect, it } from "vitest";
import { ZCreateGitLinkRequest } from "@/lib/git-sync/schemas";

const base = { name: "policies", branch: "main" };

describe("a git link's remote", () => {
  it("accepts https, ssh, git:// and scp-like URLs", () => {
    for (const remoteUrl of [
      "https://github.com/acme/policies.git",
      "ssh://git@gitlab.example.com:2222/acme/policies.git",
      "git@github.com:acme/policies.git",
      "git://127.0.0.1:9418/repo.git",
    ])
      expect(ZCreateGitLinkRequest.safeParse({ ...base, remoteUrl }).success, remoteUrl).toBe(true);
  });

  it("refuses local paths, file:// and ext::, option-like URLs and credentials in the URL", () => {
    for (const remoteUrl of [
      "/srv/git/repo.git",
      "file:///etc",
      "ext::sh -c touch% /tmp/pwned",
      "--upload-pack=touch /tmp/x",
      "https://user:secret@github.com/acme/policies.git",
    ])
      expect(ZCreateGitLinkRequest.safeParse({ ...base, remoteUrl }).success, remoteUrl).toBe(false);
  });

  it("sends a token only over https or to this machine, and a deploy key only over ssh", () => {
    const token = { kind: "token", username: "x", token: "t" };
    const parse = (remoteUrl: string, auth: unknown) =>
      ZCreateGitLinkRequest.safeParse({ ...base, remoteUrl, auth }).success;
    expect(parse("http://git.example.com/repo.git", token)).toBe(false);
    expect(parse("http://127.0.0.1:8080/repo.git", token)).toBe(true);
    expect(parse("https://git.example.com/repo.git", token)).toBe(true);
    const key = {
      kind: "ssh_key",
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
    };
    expect(parse("https://git.example.com/repo.git", key)).toBe(false);
    expect(parse("git@git.example.com:repo.git", key)).toBe(true);
  });

  it("keeps the folder inside the repository and the branch a plain name", () => {
    const url = "https://github.com/acme/p.git";
    expect(ZCreateGitLinkRequest.safeParse({ ...base, remoteUrl: url, path: "../etc" }).success).toBe(false);
    expect(ZCreateGitLinkRequest.safeParse({ ...base, remoteUrl: url, branch: "-x" }).success).toBe(false);
    expect(ZCreateGitLinkRequest.parse({ ...base, remoteUrl: url, path: "/policies/" }).path).toBe("policies");
  });
});
