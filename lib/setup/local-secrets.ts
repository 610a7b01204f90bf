import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export type LocalSecrets = { postgresPassword: string; nextauthSecret: string; masterKey: string };

/**
 * Zero-configuration installs keep generated secrets in the (git-ignored) data folder, readable by
 * the owner only, so restarts keep sessions and can still decrypt signing keys. Production sets
 * NEXTAUTH_SECRET and VERDICT_MASTER_KEY in the environment instead.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  // The folder stays traversable (the embedded PostgreSQL runs as its own user beneath it);
  // the secrets file itself is readable by its owner only.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const secrets: LocalSecrets = {
    postgresPassword: randomBytes(18).toString("base64url"),
    nextauthSecret: randomBytes(32).toString("base64url"),
    masterKey: randomBytes(32).toString("base64"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
