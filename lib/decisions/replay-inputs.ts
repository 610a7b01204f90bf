import { evalQuery } from "@/lib/opa/eval";
import type { RegoError } from "@/lib/opa/types";
import { IMPACT_PACKAGE, IMPACT_QUERY, buildImpactHarness, type ImpactCase } from "@/lib/decisions/impact-harness";

export type ReplayedValue = { defined: boolean; result: unknown };

export type ReplayedInputs =
  | { ok: true; values: ReplayedValue[]; durationMs: number }
  | { ok: false; errors: RegoError[]; durationMs: number };

/**
 * Many recorded inputs against one published bundle revision (its tarball, as agents download
 * it), in a single `opa eval` through the impact harness: one opa process, however many inputs.
 * `values[i]` is what case i's path decided (undefined when the rule was).
 */
export async function replayInputsAgainstBundle(
  bundle: Buffer,
  cases: ImpactCase[],
  options: { timeoutMs?: number } = {},
): Promise<ReplayedInputs> {
  if (cases.length === 0) return { ok: true, values: [], durationMs: 0 };
  const harness = buildImpactHarness(cases);
  const run = await evalQuery({
    query: IMPACT_QUERY,
    modules: [{ path: `${IMPACT_PACKAGE}/harness.rego`, source: harness.module }],
    data: { [IMPACT_PACKAGE]: harness.data },
    bundles: [bundle],
    timeoutMs: options.timeoutMs ?? 20_000,
  });
  if (!run.ok) return run;
  const results = (run.results[0]?.expressions[0]?.value ?? {}) as Record<string, unknown>;
  return {
    ok: true,
    values: cases.map((_, i) => {
      const defined = Object.hasOwn(results, String(i));
      return { defined, result: defined ? results[String(i)] : null };
    }),
    durationMs: run.durationMs,
  };
}
