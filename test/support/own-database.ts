import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/setup/embedded-postgres";
import { applyMigrations } from "@/lib/setup/migrate";

export type OwnDatabase = {
  url: string;
  /** Stops the whole PostgreSQL server (every connection drops, new ones are refused). */
  stop: () => Promise<void>;
  /** Starts it again on the same port and data directory. */
  start: () => Promise<void>;
  /** Stops it (if running) and deletes its data directory. */
  destroy: () => Promise<void>;
};

/**
 * A PostgreSQL server of a test file's own, with one migrated database: fault tests stop and
 * start it, and SIGKILL app instances running against it, without touching the shared app.
 */
export async function startOwnDatabase(name: string): Promise<OwnDatabase> {
  const dataDir = path.join(os.tmpdir(), `verdict-${name}-pg-${process.pid}`);
  const password = randomBytes(12).toString("hex");
  let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dataDir, password, fast: true });
  const port = server.port;
  await ensureDatabase(server.url("postgres"), name);
  const url = server.url(name);
  await applyMigrations(url);
  const stop = async () => {
    await server?.stop();
    server = null;
  };
  return {
    url,
    stop,
    start: async () => {
      server = await startEmbeddedPostgres({ dataDir, password, port, fast: true });
    },
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
