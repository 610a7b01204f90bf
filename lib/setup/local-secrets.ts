import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StartupProblem } from "./startup-problem";

export type LocalSecrets = { postgresPassword: string; nextauthSecret: string; masterKey: string };

/**
 * Zero-configuration installs keep generated secrets in the (git-ignored) data folder, readable by
 * the owner only, so restarts keep sessions and can still decrypt signing keys. Production sets
 * NEXTAUTH_SECRET and VERDICT_MASTER_KEY in the environment instead.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(file)) return readSecrets(file);
  const secrets: LocalSecrets = {
    postgresPassword: randomBytes(18).toString("base64url"),
    nextauthSecret: randomBytes(32).toString("base64url"),
    masterKey: randomBytes(32).toString("base64"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function readSecrets(file: string): LocalSecrets {
  const secrets = (() => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
    } catch {
      return {};
    }
  })();
  if (!secrets.postgresPassword || !secrets.nextauthSecret || !secrets.masterKey) {
    throw new StartupProblem(
      "data-dir-unusable",
      `${file} is damaged (not the JSON of three secrets)`,
      "restore it from a backup; without it the embedded database and signing keys cannot be opened",
    );
  }
  return secrets as LocalSecrets;
}
