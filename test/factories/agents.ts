import type { Actor } from "@/lib/auth/actor";
import type { TCreateAgentCredentialRequest } from "@/lib/agents/schemas";
import { createAgentCredential } from "@/lib/agents/create-agent-credential";

let counter = 0;

/** An agent credential made by an admin; returns the one-time secret with it. */
export async function createTestAgentCredential(admin: Actor, overrides: Partial<TCreateAgentCredentialRequest> = {}) {
  counter += 1;
  return createAgentCredential({
    actor: admin,
    input: {
      name: `agent-${counter}-${process.pid}`,
      kind: "bearer",
      bundles: [],
      mayReportStatus: true,
      mayUploadLogs: false,
      expiresInDays: null,
      ...overrides,
    },
  });
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
}

/** Retries an assertion until it passes or the deadline passes (for effects that travel through NOTIFY). */
export async function eventually<T>(
  fn: () => Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 2_000);
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
    }
  }
}
