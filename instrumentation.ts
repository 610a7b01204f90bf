// Runs once per server process, before it accepts requests: loads the in-memory caches that the
// OPA endpoints serve from (agent credentials, current bundle revisions), subscribes to the
// Postgres notifications that keep them current, and schedules decision-log maintenance
// (partitions ahead, retention), which takes a database lock so only one instance acts at a time,
// and hands server.mjs the agent plane that answers OPA agents ahead of the Next.js router.
export async function register(): Promise<void> {
  // The literal NEXT_RUNTIME check is the documented Next.js idiom: it lets the edge build drop
  // the Node-only import (pg, crypto) entirely.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startBackgroundWork } = await import("./lib/realtime/start-background-work");
    await startBackgroundWork();
    const { scheduleDecisionMaintenance } = await import("./lib/decisions/retention");
    scheduleDecisionMaintenance();
    const { registerAgentPlane } = await import("./lib/agent-plane/serve-agent-plane");
    registerAgentPlane();
  }
}
