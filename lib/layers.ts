/**
 * Which lib/ folders may import which: the one place the direction of dependencies is written.
 * A folder imports only the folders listed for it (and its own files); `npm run check:layers`
 * enforces it and that the graph stays acyclic. Listed bottom-up: each folder names only folders
 * above it in this list. docs/architecture.md draws the same graph.
 */
// The folders most domains build on: the database, Rego facts, opa, who is calling, and the audit trail.
const FOUNDATION = ["core", "generated", "opa", "rego", "auth", "audit"] as const;

export const LAYERS = {
  /** Prisma's generated client. */
  generated: [],
  /** Database, errors, environment, logger and small pure helpers every domain uses. */
  core: ["generated"],
  /** Facts about Rego source that need no database: package names, module paths, limits, language versions, references. */
  rego: ["core"],
  /** Running the pinned opa binary. */
  opa: ["core", "rego"],
  /** Who is calling: sessions, API tokens, roles and permissions. */
  auth: ["core", "generated"],
  /** The append-only, hash-chained audit trail. */
  audit: ["core", "generated", "auth"],
  /** Route handler plumbing: authentication, bounded bodies, problem documents. */
  http: ["core", "generated", "auth"],
  /** People and their API tokens. */
  users: ["core", "auth", "audit"],
  /** Test cases and test runs against the real opa. */
  "policy-tests": [...FOUNDATION],
  /** Rego policies and their immutable versions. */
  policies: [...FOUNDATION, "policy-tests"],
  /** Change requests: what is proposed, its items and content hash, and its test gate. */
  "change-requests": ["core", "rego", "auth", "audit", "policy-tests"],
  /** Bundles: definitions, signing keys, building, serving. */
  bundles: ["core", "generated", "rego", "auth", "audit"],
  /** Caller allowlists: services, grants, their proposals and the authorization policy that reads them. */
  allowlists: ["core", "generated", "opa", "auth", "audit", "policies", "change-requests", "bundles"],
  /** Reading and judging change requests. */
  reviews: ["core", "generated", "auth", "audit", "change-requests", "allowlists"],
  /** Copies of signed revisions in OCI registries and S3-compatible buckets: upload, retry, re-check. */
  distribution: ["core", "generated", "auth", "audit", "bundles"],
  /** Whole repositories of Rego in and out: import with preview, data documents, workspace export. */
  "policy-repository": [...FOUNDATION, "policies", "policy-tests", "change-requests", "bundles"],
  /** Agents: identity, credentials, tokens, fleet status. */
  agents: ["core", "generated", "auth", "audit", "bundles", "distribution"],
  /** Decision logs: ingestion, search, export, replay and impact. */
  decisions: ["core", "opa", "rego", "auth", "audit", "policy-tests", "change-requests", "agents"],
  /** Git links: a repository feeding change requests, and approved editor changes pushed back. */
  "git-sync": ["core", "generated", "rego", "auth", "audit", "policies", "change-requests"],
  /** Generated adversarial inputs against a change request's proposed policies, and its publish gate. */
  "red-team": ["core", "opa", "auth", "audit", "change-requests", "allowlists", "decisions"],
  /** The publish pipeline: gate, collect, build, sign, check, store, notify, distribute. */
  publishing: [
    "core",
    "opa",
    "rego",
    "auth",
    "audit",
    "change-requests",
    "bundles",
    "allowlists",
    "red-team",
    "distribution",
    "policy-repository",
  ],
  /** The HTTP endpoints OPA agents call (/api/opa/*), in front of Next.js. */
  "agents/plane": ["core", "http", "agents", "bundles", "decisions"],
  /** Alerts: conditions checked on a schedule, signed webhook deliveries with retries and a log. */
  alerts: ["core", "generated", "auth", "audit", "bundles", "agents"],
  /** Staged rollouts: a canary revision for some agents, judged from their decision logs against the baseline. */
  rollouts: ["core", "generated", "auth", "audit", "bundles", "publishing", "alerts", "decisions"],
  /** Audit evidence: the state as of a moment, and verifiable evidence packs. */
  evidence: [...FOUNDATION, "policy-tests", "change-requests", "bundles", "allowlists", "agents", "decisions"],
  /** Recertification campaigns over allowlist grants, and least privilege from decision evidence. */
  recertification: ["core", "generated", "auth", "audit", "allowlists", "alerts"],
  /** The getting-started checklist, read from the state of the whole installation. */
  onboarding: ["core", "auth"],
  /** First-run and build tooling (embedded Postgres, migrations, the opa binary). */
  setup: ["core", "opa"],
  /** lib/boot.ts: what starts with the server process. */
  boot: [
    "core",
    "agents",
    "agents/plane",
    "alerts",
    "bundles",
    "decisions",
    "distribution",
    "publishing",
    "git-sync",
    "recertification",
    "rollouts",
  ],
} as const satisfies Record<string, readonly string[]>;
