export type MutationKind = "changed-identity" | "changed-method" | "missing-attribute";
export type InputMutation = { kind: MutationKind; description: string; input: unknown };

const IDENTITY_KEYS = new Set([
  "caller",
  "principal",
  "user",
  "username",
  "subject",
  "sub",
  "identity",
  "email",
  "uid",
]);
const METHOD_SWAP: Record<string, string> = { GET: "DELETE", POST: "DELETE", PUT: "DELETE", DELETE: "GET" };
const MAX_PER_INPUT = 24;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every (path, value) of the input's objects, two levels deep at most. */
function fields(input: Record<string, Json>, depth = 0, prefix: string[] = []): Array<[string[], Json]> {
  return Object.entries(input).flatMap(([key, value]): Array<[string[], Json]> => {
    const path = [...prefix, key];
    return isObject(value) && depth < 2 ? [[path, value], ...fields(value, depth + 1, path)] : [[path, value]];
  });
}

function withChange(input: Record<string, Json>, path: string[], value: Json | undefined): Record<string, Json> {
  const copy = structuredClone(input);
  let node: Record<string, Json> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, Json>;
  if (value === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
  return copy;
}

/**
 * Mutations of a recorded input that an authorization policy should notice: another identity
 * (any SPIFFE ID or identity-named field), another HTTP method, and each attribute taken away.
 * A policy that still allows every one of them decides without looking at who asks or for what.
 */
export function mutateInput(input: unknown): InputMutation[] {
  if (!isObject(input)) return [];
  const out: InputMutation[] = [];
  for (const [path, value] of fields(input)) {
    const name = path.join(".");
    const key = path.at(-1)!.toLowerCase();
    if (typeof value === "string" && (value.startsWith("spiffe://") || IDENTITY_KEYS.has(key)))
      out.push({
        kind: "changed-identity",
        description: `input.${name} replaced by another identity`,
        input: withChange(
          input,
          path,
          value.startsWith("spiffe://") ? "spiffe://attacker.example/ns/red-team/sa/probe" : "red-team-probe",
        ),
      });
    if (key === "method" && typeof value === "string")
      out.push({
        kind: "changed-method",
        description: `input.${name} ${value} → ${METHOD_SWAP[value.toUpperCase()] ?? "DELETE"}`,
        input: withChange(input, path, METHOD_SWAP[value.toUpperCase()] ?? "DELETE"),
      });
  }
  for (const [path] of fields(input))
    out.push({
      kind: "missing-attribute",
      description: `input.${path.join(".")} left out`,
      input: withChange(input, path, undefined),
    });
  return out.slice(0, MAX_PER_INPUT);
}
