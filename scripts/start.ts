// npm start — zero-configuration start: database (embedded PostgreSQL unless DATABASE_URL is set),
// migrations, demo data, the pinned OPA, a production build, then the server. Ctrl-C stops it all.
// npm run dev — the same with Next.js in development mode.
// When start-up cannot go on it prints one line (lib/setup/startup-problem.ts) and exits 1.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { generatePrismaClient } from "@/lib/setup/prisma-generate";
import { loadOrCreateLocalSecrets } from "@/lib/setup/local-secrets";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/setup/embedded-postgres";
import { applyMigrations } from "@/lib/setup/migrate";
import { ensureOpa } from "@/lib/setup/install-opa";
import { buildApp } from "@/lib/setup/build-app";
import { assertDataDirUsable, assertPortFree } from "@/lib/setup/startup-checks";
import { describeStartupFailure } from "@/lib/setup/startup-problem";

const log = (line: string) => console.log(`verdict: ${line}`);
const dev = process.argv.includes("--dev");

let embedded: EmbeddedDatabase | undefined;
let child: ChildProcess | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (code === 0) log("stopping…");
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("exit", resolve));
  }
  await embedded?.stop().catch(() => {});
  process.exit(code);
}

function fail(error: unknown): void {
  if (stopping) return;
  console.error(describeStartupFailure(error));
  if (process.env.VERDICT_DEBUG) console.error(error);
  void shutdown(1);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOSTNAME ?? "localhost";
  const dataDir = path.resolve(process.env.VERDICT_DATA_DIR ?? ".data");
  await assertPortFree(port, host);
  assertDataDirUsable(dataDir);
  generatePrismaClient(log);

  const secrets = loadOrCreateLocalSecrets(dataDir);
  if (!process.env.NEXTAUTH_SECRET || !process.env.VERDICT_MASTER_KEY) {
    log(
      `using generated secrets from ${path.relative(process.cwd(), dataDir)}/secrets.json (set NEXTAUTH_SECRET and VERDICT_MASTER_KEY in production)`,
    );
  }
  process.env.NEXTAUTH_SECRET ??= secrets.nextauthSecret;
  process.env.VERDICT_MASTER_KEY ??= secrets.masterKey;
  process.env.VERDICT_PUBLIC_URL ??= `http://localhost:${port}`;
  process.env.NEXTAUTH_URL ??= process.env.VERDICT_PUBLIC_URL;

  if (!process.env.DATABASE_URL) {
    log("DATABASE_URL is not set: starting the embedded PostgreSQL");
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      password: secrets.postgresPassword,
      log,
    });
    await ensureDatabase(embedded.url("postgres"), "verdict");
    process.env.DATABASE_URL = embedded.url("verdict");
    log(`PostgreSQL is listening on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`);
  }

  const report = await applyMigrations(process.env.DATABASE_URL, log);
  log(`database schema is current (${report.applied.length} applied now, ${report.alreadyApplied} before)`);
  process.env.OPA_BIN = await ensureOpa(log);
  const { seedDemoData } = await import("@/prisma/seed");
  await seedDemoData(log);
  if (!dev) buildApp(log);
  if (stopping) return;

  child = spawn(
    process.execPath,
    [path.join(process.cwd(), "server.mjs"), ...(dev ? ["--dev"] : []), "-p", String(port), "-H", host],
    {
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    },
  );
  log(`Verdict is starting on ${process.env.VERDICT_PUBLIC_URL}`);
  child.on("exit", (code) => void shutdown(code ?? 0));
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
// Whatever throws, here or in a library's callback, ends as one line, never a stack trace.
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
main().catch(fail);
