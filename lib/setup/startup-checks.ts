import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { asStartupProblem, StartupProblem } from "./startup-problem";

/**
 * Fails with a StartupProblem when the web server could not listen on `port` — before the
 * database is started and the app built, so a busy port costs a second, not a minute.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  // "localhost" may resolve to either loopback address; the server must find both free.
  const hosts = host === "localhost" ? ["127.0.0.1", "::1"] : [host];
  for (const h of hosts) {
    const code = await tryListen(port, h);
    if (code === "EADDRINUSE") {
      throw new StartupProblem(
        "port-in-use",
        `port ${port} is already in use (on ${h})`,
        `stop what is using it (\`ss -ltnp 'sport = :${port}'\` names it), or start on another port: PORT=${port + 1} npm start`,
      );
    }
    if (code === "EACCES") {
      throw new StartupProblem(
        "port-in-use",
        `port ${port} needs more privileges than this user has`,
        "use a port above 1023, e.g. PORT=3000 npm start",
      );
    }
  }
}

function tryListen(port: number, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      // No IPv6 on this machine: nothing can hold the port there either.
      resolve(error.code === "EADDRNOTAVAIL" || error.code === "EAFNOSUPPORT" ? null : (error.code ?? "error"));
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** The data folder exists (created if missing) and this user may read, write and enter it. */
export function assertDataDirUsable(dataDir: string): void {
  const fix = `make it yours (chown -R "$(id -un)" "${dataDir}") or point VERDICT_DATA_DIR at a folder you own`;
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw asStartupProblem(error) ?? unusable(dataDir, error, fix);
  }
  try {
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
    for (const name of ["secrets.json", "postgres"]) {
      const file = path.join(dataDir, name);
      if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
    }
  } catch (error) {
    throw unusable(dataDir, error, fix);
  }
}

function unusable(dataDir: string, error: unknown, fix: string): StartupProblem {
  const e = error as NodeJS.ErrnoException;
  const what = e.path && e.path !== dataDir ? e.path : dataDir;
  return new StartupProblem("data-dir-unusable", `cannot use the data folder ${what} (${e.code ?? e.message})`, fix);
}
