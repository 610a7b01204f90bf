import { AppError } from "@/lib/core/errors";
import { jsonNestingExceeds, MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { isJsonContentType, readBodyBounded } from "@/lib/core/read-body";
import { readRepositoryUpload, type RepositoryEntry } from "@/lib/policy-repository/read-repository-upload";
import { REPOSITORY_LIMITS } from "@/lib/policy-repository/repository-limits";
import { ZRepositoryFiles } from "@/lib/policy-repository/schemas";

/**
 * The repository in a request body (bounded): a zip or a tarball as the raw body, or
 * application/json {"files": [{"path", "content"}]}.
 */
export async function readRepositoryRequest(req: Pick<Request, "headers" | "body">): Promise<RepositoryEntry[]> {
  const bytes = await readBodyBounded(req, REPOSITORY_LIMITS.maxUploadBytes, "The repository");
  if (bytes.length === 0) throw new AppError("bad_request", "Send the repository as a zip, a tarball or JSON files");
  if (!isJsonContentType(req.headers.get("content-type"))) return readRepositoryUpload({ kind: "archive", bytes });
  if (jsonNestingExceeds(bytes))
    throw new AppError("bad_request", `The body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    throw new AppError("bad_request", "The body is not valid JSON", { cause });
  }
  const parsed = ZRepositoryFiles.safeParse(value);
  if (!parsed.success)
    throw new AppError("validation_failed", "The body is invalid", {
      fieldErrors: parsed.error.issues.map((i) => ({
        path: ["body", ...i.path.map(String)].join("."),
        message: i.message,
      })),
    });
  return readRepositoryUpload({ kind: "files", files: parsed.data.files });
}
