import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export type GitHttpServer = { url: (repo: string) => string; requests: () => number; stop: () => Promise<void> };

/**
 * The real `git http-backend` (smart HTTP, push enabled) behind a small node server on loopback,
 * serving the bare repositories under `root`; with `auth`, only that basic-auth user and token.
 */
export async function startGitHttpServer(
  root: string,
  auth?: { username: string; token: string },
): Promise<GitHttpServer> {
  const backend = `${execFileSync("git", ["--exec-path"]).toString().trim()}/git-http-backend`;
  let count = 0;
  const server = http.createServer((req, res) => {
    count += 1;
    if (auth) {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.token}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("unauthorized");
        return;
      }
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const child = spawn(backend, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        REMOTE_USER: auth?.username ?? "anonymous",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
        GIT_CONFIG_NOSYSTEM: "1",
      } as Record<string, string | undefined> as NodeJS.ProcessEnv,
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("utf8").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.stdout.on("end", () => res.end());
    child.on("error", () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    requests: () => count,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Runs git as the test's developer (a working clone), failing the test on a non-zero exit. */
export function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      ...env,
    } as Record<string, string | undefined> as NodeJS.ProcessEnv,
  })
    .toString("utf8")
    .trim();
}

/** Writes files into a working copy, commits them as "Dev" and pushes main; returns the new commit. */
export function commitAndPush(work: string, files: Record<string, string>, message: string): string {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), content);
  }
  git(work, ["add", "-A"]);
  const who = { GIT_AUTHOR_NAME: "Dev", GIT_AUTHOR_EMAIL: "dev@elsewhere.test" };
  git(work, ["commit", "--quiet", "-m", message], { ...who, GIT_COMMITTER_NAME: "Dev", GIT_COMMITTER_EMAIL: "dev@x" });
  git(work, ["push", "--quiet", "origin", "main"]);
  return git(work, ["rev-parse", "HEAD"]);
}
