import { gunzipSync } from "node:zlib";
import { Unzip, UnzipInflate, UnzipPassThrough } from "fflate";
import tar from "tar-stream";
import { AppError } from "@/lib/core/errors";
import { formatBytes } from "@/lib/core/read-body";
import { REPOSITORY_LIMITS as LIMITS } from "@/lib/policy-repository/repository-limits";

/** One file of a repository: its path inside the repository (no leading folder, "/" separated) and its bytes. */
export type RepositoryEntry = { path: string; bytes: Buffer };

export type RepositoryUpload =
  | { kind: "archive"; bytes: Buffer }
  | { kind: "files"; files: Array<{ path: string; content: string }> };

/**
 * The files of an uploaded repository: a zip, a tarball (gzip'd or not) or a list of files. Every
 * bound is checked while reading, so a hostile archive is refused before it costs memory: paths
 * that leave the repository, links, too many files, too many bytes, a suspicious compression ratio.
 */
export async function readRepositoryUpload(upload: RepositoryUpload): Promise<RepositoryEntry[]> {
  if (upload.kind === "files") return fromFileList(upload.files);
  return stripSharedFolder(isZip(upload.bytes) ? unzipEntries(upload.bytes) : await untarEntries(upload.bytes));
}

function fromFileList(files: Array<{ path: string; content: string }>): RepositoryEntry[] {
  const budget = new Budget(Number.POSITIVE_INFINITY);
  return files.map((f) => {
    const entry = { path: safePath(f.path), bytes: Buffer.from(f.content, "utf8") };
    budget.file(entry.path);
    budget.add(entry.bytes.length, entry.path);
    return entry;
  });
}

const isZip = (b: Buffer) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5);
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

// Fed in small slices: one slice of deflate inflates to at most ~1,032 times its size.
const ZIP_SLICE = 4096;

function unzipEntries(bytes: Buffer): RepositoryEntry[] {
  const budget = new Budget(bytes.length);
  const entries: RepositoryEntry[] = [];
  let failure: AppError | null = null;
  const unzip = new Unzip((file) => {
    if (failure || file.name.endsWith("/")) return;
    try {
      const path = safePath(file.name);
      budget.file(path);
      const parts: Uint8Array[] = [];
      let size = 0;
      file.ondata = (error, chunk, final) => {
        if (failure) return;
        if (error) {
          failure = badArchive(`${path} does not inflate: ${error.message}`);
          return;
        }
        size += chunk.length;
        try {
          budget.add(chunk.length, path);
          if (size > LIMITS.maxFileBytes) throw fileTooLarge(path);
        } catch (e) {
          failure = e as AppError;
          file.terminate();
          return;
        }
        parts.push(chunk);
        if (final) entries.push({ path, bytes: Buffer.concat(parts) });
      };
      file.start();
    } catch (e) {
      failure = e instanceof AppError ? e : badArchive(`${file.name} uses a compression Verdict cannot read`);
    }
  });
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  try {
    for (let at = 0; at < bytes.length && !failure; at += ZIP_SLICE) {
      unzip.push(bytes.subarray(at, at + ZIP_SLICE), at + ZIP_SLICE >= bytes.length);
    }
  } catch (e) {
    if (!failure) failure = e instanceof AppError ? e : badArchive("the zip archive is damaged");
  }
  if (failure) throw failure;
  return entries;
}

async function untarEntries(bytes: Buffer): Promise<RepositoryEntry[]> {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes, { maxOutputLength: LIMITS.maxUnpackedBytes });
    } catch (cause) {
      if ((cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw unpackedTooLarge();
      throw badArchive("the gzip stream is damaged");
    }
    new Budget(bytes.length).add(raw.length, "the tarball");
  }
  const budget = new Budget(Number.POSITIVE_INFINITY);
  const entries: RepositoryEntry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      // Destroying the extractor destroys this stream too, with the same (already reported) error.
      stream.on("error", () => {});
      const fail = (error: AppError) => {
        stream.resume();
        extract.destroy(error);
      };
      try {
        if (header.type === "directory") {
          stream.resume();
          stream.on("end", next);
          return;
        }
        if (header.type === "symlink" || header.type === "link")
          return fail(badArchive(`${header.name} is a link; a repository holds regular files only`));
        if (header.type !== "file" && header.type !== "contiguous-file")
          return fail(badArchive(`${header.name} is not a regular file (${header.type})`));
        const path = safePath(header.name);
        budget.file(path);
        if ((header.size ?? 0) > LIMITS.maxFileBytes) return fail(fileTooLarge(path));
        budget.add(header.size ?? 0, path);
        const parts: Buffer[] = [];
        stream.on("data", (c: unknown) => parts.push(c as Buffer));
        stream.on("end", () => {
          entries.push({ path, bytes: Buffer.concat(parts) });
          next();
        });
      } catch (e) {
        fail(e as AppError);
      }
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(raw);
  try {
    await done;
  } catch (e) {
    throw e instanceof AppError ? e : badArchive("the file is neither a zip nor a (gzip'd) tar archive");
  }
  return entries;
}

/** Counts files and inflated bytes against the limits; `compressed` bounds the ratio. */
class Budget {
  private files = 0;
  private bytes = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly compressed: number) {}

  file(path: string): void {
    if (++this.files > LIMITS.maxFiles)
      throw new AppError("payload_too_large", `The repository holds more than ${LIMITS.maxFiles} files`);
    if (this.seen.has(path)) throw badArchive(`${path} appears twice in the archive`);
    this.seen.add(path);
  }

  add(n: number, path: string): void {
    this.bytes += n;
    if (this.bytes > LIMITS.maxUnpackedBytes) throw unpackedTooLarge();
    if (this.bytes > LIMITS.maxRatioAfterBytes && this.bytes / this.compressed > LIMITS.maxCompressionRatio) {
      throw new AppError(
        "payload_too_large",
        `The archive inflates more than ${LIMITS.maxCompressionRatio} times its size (at ${path}); it looks like a zip bomb`,
      );
    }
  }
}

/** A path inside the repository, or a refusal: nothing absolute, no "..", no backslashes or control characters. */
export function safePath(name: string): string {
  const path = name.replace(/^(\.\/)+/, "");
  const problem =
    name.length > LIMITS.maxPathLength
      ? `is longer than ${LIMITS.maxPathLength} characters`
      : name.startsWith("/") || /^[A-Za-z]:/.test(name)
        ? "is absolute"
        : name.includes("\\")
          ? "contains a backslash"
          : [...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
            ? "contains a control character"
            : path.split("/").some((s) => s === ".." || s === "." || s === "")
              ? "leaves the repository or has an empty segment"
              : null;
  if (problem) throw badArchive(`The path ${JSON.stringify(name.slice(0, 200))} ${problem}`);
  return path;
}

/**
 * GitHub archives and folder uploads wrap everything in one folder (repo-main/…). It is not part of
 * the paths, as `opa test repo-main/` reads data paths from inside the folder it is given.
 */
function stripSharedFolder(entries: RepositoryEntry[]): RepositoryEntry[] {
  const first = entries[0]?.path.split("/")[0];
  if (!first || !entries.every((e) => e.path.startsWith(`${first}/`))) return entries;
  return entries.map((e) => ({ ...e, path: e.path.slice(first.length + 1) }));
}

function badArchive(message: string): AppError {
  return new AppError("bad_request", `The repository was refused: ${message}`);
}

function unpackedTooLarge(): AppError {
  return new AppError(
    "payload_too_large",
    `The repository inflates to more than ${formatBytes(LIMITS.maxUnpackedBytes)}; nothing was imported`,
  );
}

function fileTooLarge(path: string): AppError {
  return new AppError("payload_too_large", `${path} is larger than ${formatBytes(LIMITS.maxFileBytes)}`);
}
