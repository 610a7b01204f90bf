import { z } from "zod";
import { REPOSITORY_LIMITS } from "@/lib/policy-repository/repository-limits";

const ZBoolString = z.enum(["true", "false"]).transform((v) => v === "true");

/** POST /api/v1/policy-repository/import: what to do with the uploaded repository. */
export const ZRepositoryImportQuery = z.object({
  /** true (the default): the preview only, nothing written. */
  dryRun: ZBoolString.default(true),
  /** The preview's planHash: apply refuses (409) if the plan moved since. */
  expectedPlanHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** Open one change request over every new version, with this title. */
  changeRequestTitle: z.string().trim().min(1).max(200).optional(),
  message: z.string().trim().max(500).optional(),
});
export type TRepositoryImportQuery = z.infer<typeof ZRepositoryImportQuery>;

/** The API form of a repository: its files by path, as text. */
export const ZRepositoryFiles = z
  .object({
    files: z
      .array(z.object({ path: z.string().min(1).max(REPOSITORY_LIMITS.maxPathLength), content: z.string() }).strict())
      .max(REPOSITORY_LIMITS.maxFiles, `at most ${REPOSITORY_LIMITS.maxFiles} files`),
  })
  .strict();
