import { AppError } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { proposeAllowlistChange, type ProposalResult } from "@/lib/allowlists/propose-allowlist-change";
import type { RowError } from "@/lib/allowlists/change-plan";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";

/** Proposes granting one caller access to one endpoint; 409 when that grant already exists. */
export async function grantAccess(options: {
  actor: Actor;
  input: TEntrySpecInput;
  requestId?: string;
}): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  return asSingleRequest(() =>
    proposeAllowlistChange({
      actor: options.actor,
      requestId: options.requestId,
      input: {
        upserts: [{ row: 1, value: options.input }],
        removals: [],
        mode: "merge",
        dryRun: false,
        createOnly: true,
        source: "api",
      },
    }),
  );
}

export // A single request has no rows: row errors become field errors on the body, duplicates a 409.
async function asSingleRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const rowErrors = error instanceof AppError ? (error.extra?.rowErrors as RowError[] | undefined) : undefined;
    if (!rowErrors) throw error;
    const duplicate = rowErrors.find((e) => e.code === "duplicate");
    if (duplicate) throw new AppError("conflict", duplicate.message, { cause: error });
    throw new AppError(
      "validation_failed",
      rowErrors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join("; "),
      {
        cause: error,
        fieldErrors: rowErrors.map((e) => ({ path: e.field ? `body.${e.field}` : "body", message: e.message })),
      },
    );
  }
}
