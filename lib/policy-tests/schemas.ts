import { z } from "zod";
import { REGO_VERSIONS } from "@/lib/rego/rego-version";

export const MAX_CASES = 1000;
export const MAX_CASE_TEXT_BYTES = 256 * 1024;
export const MAX_TEST_SOURCE_BYTES = 1024 * 1024;
export const DEFAULT_CASE_TIMEOUT_MS = 5_000;
export const MAX_CASE_TIMEOUT_MS = 60_000;
/** Generated harness names; user queries, packages and data overrides may not reach into them. */
export const HARNESS_PACKAGE = "verdict_testrun";
export const HARNESS_DATA_ROOT = "verdict_testrun_data";

// A data reference: data.a.b, data.a["b-c"], data.a[0]. The harness evaluates exactly this ref.
export const QUERY_PATTERN = /^data(\.[A-Za-z_][A-Za-z0-9_]*|\["(?:[^"\\]|\\.)*"\]|\[\d+\])+$/;

const ZJsonText = z.string().max(MAX_CASE_TEXT_BYTES, "must be at most 256 KiB");

/**
 * One table-driven case as the editor holds it. input, data and expected are JSON *texts*, kept
 * exactly as typed: a draft may hold a half-written case, and a text that is not JSON becomes an
 * error on that case when it runs, not a rejected save. expected is JSON or the word `undefined`.
 */
export const ZTestCase = z.object({
  id: z.string().uuid().optional(),
  name: z.string().trim().min(1, "must not be empty").max(200),
  /** Empty means the policy's `data.<package>.allow`. */
  query: z
    .string()
    .trim()
    .max(500)
    .refine((q) => q === "" || QUERY_PATTERN.test(q), "must be a data reference such as data.payments.authz.allow")
    .refine((q) => !q.startsWith(`data.${HARNESS_PACKAGE}`), "data.verdict_testrun is reserved for the test harness")
    .default(""),
  /** Empty means no input document. */
  input: ZJsonText.default(""),
  /** A JSON object merged into data for this case; empty means none. */
  data: ZJsonText.default(""),
  expected: ZJsonText.default("true"),
});
export type TTestCaseInput = z.input<typeof ZTestCase>;
export type TTestCase = z.infer<typeof ZTestCase> & { id: string };

export const ZTestCases = z.array(ZTestCase).max(MAX_CASES, `at most ${MAX_CASES} cases`);

export const ZTestSource = z
  .string()
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_TEST_SOURCE_BYTES, "the test module must be at most 1 MiB");

/** What a run evaluates when it is not a saved version: the editor's content, saved or not. */
export const ZInlineTestSubject = z.object({
  source: z.string().min(1, "must not be empty"),
  testSource: ZTestSource.default(""),
  cases: ZTestCases.default([]),
  /** The saved version the editor started from (shown in history). */
  basedOnVersion: z.number().int().min(1).optional(),
  /** The Rego version to read the source and test module as; omitted, the head version's. */
  regoVersion: z.enum(REGO_VERSIONS).optional(),
});
export type TInlineTestSubject = z.infer<typeof ZInlineTestSubject>;

export const ZCreateTestRunRequest = z
  .object({
    /** A saved version number, or "head". */
    version: z.union([z.number().int().min(1), z.literal("head")]).optional(),
    inline: ZInlineTestSubject.optional(),
    /** Per case and per Rego test. */
    timeoutMs: z.number().int().min(100).max(MAX_CASE_TIMEOUT_MS).default(DEFAULT_CASE_TIMEOUT_MS),
    /** Re-run only these cases (no Rego tests); such a partial run is returned but not stored. */
    caseIds: z.array(z.string().uuid()).min(1).max(MAX_CASES).optional(),
  })
  .refine((r) => (r.version === undefined) !== (r.inline === undefined), {
    message: "give exactly one of version or inline",
    path: ["version"],
  });
export type TCreateTestRunRequest = z.infer<typeof ZCreateTestRunRequest>;

export const ZListTestRunsQuery = z.object({
  version: z.coerce.number().int().min(1).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TListTestRunsQuery = z.infer<typeof ZListTestRunsQuery>;

export const ZTestRunParams = z.object({ id: z.string().uuid(), runId: z.string().uuid() });

const ZFiles = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a plain file name"),
    z.string().max(2 * 1024 * 1024, "must be at most 2 MiB"),
  )
  .refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 10, "give 1 to 10 files");

/**
 * What to do when policy.rego is Rego v0: "convert" it (and a v0 test module) with
 * `opa fmt --v0-v1`, or "keep" both as v0. Omitted, a v0 import is refused with the conversion
 * to look at first.
 */
const ZRegoV0Choice = z.enum(["convert", "keep"]).optional();
export type TRegoV0Choice = z.infer<typeof ZRegoV0Choice>;

/** Import into an existing policy: the files become its next version (409 on a stale expectedVersion). */
export const ZImportPolicyFilesRequest = z.object({
  files: ZFiles,
  regoV0: ZRegoV0Choice,
  expectedVersion: z.number().int().min(1),
  message: z.string().trim().max(2000).default("Imported from files"),
});
export type TImportPolicyFilesRequest = z.infer<typeof ZImportPolicyFilesRequest>;

/** Import as a new policy; its package comes from policy.rego. */
export const ZImportNewPolicyRequest = z.object({
  files: ZFiles,
  regoV0: ZRegoV0Choice,
  name: z.string().trim().min(1).max(120),
  owner: z.string().trim().min(1).max(120),
  description: z.string().trim().max(4000).default(""),
});
export type TImportNewPolicyRequest = z.infer<typeof ZImportNewPolicyRequest>;

export const ZExportQuery = z.object({
  version: z.coerce.number().int().min(1).optional(),
  format: z.enum(["zip", "json"]).default("zip"),
});
export type TExportQuery = z.infer<typeof ZExportQuery>;
