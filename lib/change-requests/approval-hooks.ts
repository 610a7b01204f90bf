import { logger } from "@/lib/core/logger";

export type ApprovedChangeRequest = {
  id: string;
  number: number;
  approver: { userId: string; email: string; name: string };
  requestId?: string;
};

type ApprovalHook = (approved: ApprovedChangeRequest) => Promise<void>;

// On globalThis: Next.js may load this module once for instrumentation (where hooks are
// registered) and again for route handlers (where approvals happen).
const KEY = Symbol.for("verdict.changeRequestApprovalHooks");
const hooks = (): Map<string, ApprovalHook> => {
  const g = globalThis as typeof globalThis & { [KEY]?: Map<string, ApprovalHook> };
  g[KEY] ??= new Map();
  return g[KEY];
};

/** Something to do once an approval is committed (e.g. push the change to git). One hook per name. */
export function onChangeRequestApproved(name: string, hook: ApprovalHook): void {
  hooks().set(name, hook);
}

/** Runs every hook after the approval committed; a failing hook is logged and never undoes the approval. */
export async function runApprovalHooks(approved: ApprovedChangeRequest): Promise<void> {
  for (const [name, hook] of hooks()) {
    try {
      await hook(approved);
    } catch (err) {
      logger.error({ err, hook: name, changeRequest: approved.number }, "change request approval hook failed");
    }
  }
}
