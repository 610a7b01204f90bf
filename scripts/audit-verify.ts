// npm run audit:verify — recomputes the audit trail's hash chain; exits 1 and names the first broken row.
import path from "node:path";
import { loadOrCreateLocalSecrets } from "@/lib/setup/local-secrets";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/setup/embedded-postgres";

async function main(): Promise<number> {
  let embedded: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.resolve(process.env.VERDICT_DATA_DIR ?? ".data");
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      password: loadOrCreateLocalSecrets(dataDir).postgresPassword,
      reuseRunning: true,
    });
    process.env.DATABASE_URL = embedded.url("verdict");
  }
  try {
    const { verifyAuditChain } = await import("@/lib/audit/verify-audit-chain");
    const { closeDb } = await import("@/lib/core/db");
    const report = await verifyAuditChain();
    await closeDb();
    if (report.ok) {
      console.log(`audit trail intact: ${report.rows} events, head ${report.headHash}`);
      return 0;
    }
    console.error(
      `audit trail BROKEN at event #${report.brokenAt}: ${report.reason} (${report.rows} events verified before it)`,
    );
    return 1;
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
