import { createGunzip, gunzipSync, type Gunzip } from "node:zlib";
import { AppError } from "@/lib/core/errors";
import { formatBytes, readBodyBounded } from "@/lib/core/read-body";

export type LogBodyLimits = { maxCompressedBytes: number; maxDecompressedBytes: number };

// zlib's codes for input that is not gzip or ends early; anything else is a fault.
const CORRUPT_ZLIB_CODES = new Set(["Z_DATA_ERROR", "Z_BUF_ERROR", "Z_STREAM_ERROR", "Z_NEED_DICT"]);

// Small bodies (OPA sends at most upload_size_limit_bytes, 32 KiB by default) are inflated in
// one synchronous call: a zlib stream costs a few hundred microseconds of bookkeeping per request,
// more than the inflating itself. The output cap bounds how long that call can block.
const SYNC_MAX_COMPRESSED = 512 * 1024;
const SYNC_MAX_DECOMPRESSED = 4 * 1024 * 1024;
const STREAM_SLICE = 16 * 1024;

/**
 * Reads an OPA decision-log body (gzip, per the protocol; plain JSON is accepted too) and returns
 * the decompressed bytes. Both limits hold: a body is cut off as soon as it passes the compressed
 * limit, and inflating stops as soon as the output passes the decompressed limit — a gzip bomb is
 * never inflated in full. The whole (bounded) body is read before inflating, so a client whose
 * batch is refused receives the 413 instead of a reset connection.
 */
export async function readLogBody(req: Pick<Request, "headers" | "body">, limits: LogBodyLimits): Promise<Buffer> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity" && encoding !== "") {
    throw new AppError("unsupported_media_type", "Send the batch gzip-compressed (Content-Encoding: gzip)");
  }
  const body = await readBodyBounded(req, limits.maxCompressedBytes, "The compressed batch");
  if (encoding !== "gzip") {
    if (body.length > limits.maxDecompressedBytes) throw tooLarge("decompressed", limits.maxDecompressedBytes);
    return body;
  }
  if (body.length <= SYNC_MAX_COMPRESSED) {
    const inflated = inflateSmall(body, limits.maxDecompressedBytes);
    if (inflated) return inflated;
  }
  const sink = new Inflater(createGunzip(), body, limits.maxDecompressedBytes);
  for (let at = 0; at < body.length && !sink.failed; at += STREAM_SLICE)
    await sink.write(body.subarray(at, at + STREAM_SLICE));
  return sink.finish();
}

/** Inflates in one call; null when the output is too large for that (the stream takes over). */
function inflateSmall(body: Buffer, max: number): Buffer | null {
  try {
    return gunzipSync(body, { maxOutputLength: Math.min(max, SYNC_MAX_DECOMPRESSED) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "ERR_BUFFER_TOO_LARGE") {
      if (max <= SYNC_MAX_DECOMPRESSED) throw tooLarge("decompressed", max);
      return null;
    }
    throw CORRUPT_ZLIB_CODES.has(code)
      ? corrupt(body, error)
      : new AppError("internal", "Decompression failed", { cause: error });
  }
}

/** Inflates chunks, and stops inflating for good at the first problem. */
class Inflater {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private failure: AppError | null = null;

  constructor(
    private readonly gunzip: Gunzip,
    body: Buffer,
    private readonly max: number,
  ) {
    gunzip.on("data", (chunk: Buffer) => this.collect(chunk));
    gunzip.on("error", (error: Error & { code?: string }) => {
      this.failure ??= CORRUPT_ZLIB_CODES.has(error.code ?? "")
        ? corrupt(body, error)
        : new AppError("internal", "Decompression failed", { cause: error });
    });
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.gunzip.write(chunk)) await settled(this.gunzip, "drain");
  }

  async finish(): Promise<Buffer> {
    if (!this.failure) {
      this.gunzip.end();
      await settled(this.gunzip, "end");
    }
    if (this.failure) throw this.failure;
    return Buffer.concat(this.chunks, this.size);
  }

  private collect(chunk: Buffer): void {
    if (this.failure) return;
    this.size += chunk.length;
    if (this.size > this.max) {
      this.failure = tooLarge("decompressed", this.max);
      this.chunks.length = 0;
      this.gunzip.destroy();
      return;
    }
    this.chunks.push(chunk);
  }
}

function corrupt(body: Buffer, cause: unknown): AppError {
  const looksGzip = body[0] === 0x1f && body[1] === 0x8b;
  return new AppError(
    "bad_request",
    looksGzip ? "The gzip body is truncated or corrupt" : "The body is not gzip-compressed (Content-Encoding: gzip)",
    { cause },
  );
}

/** Resolves on the event, or when the stream errors or is destroyed (the failure is recorded elsewhere). */
function settled(stream: Gunzip, event: "drain" | "end"): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off(event, done).off("error", done).off("close", done);
      resolve();
    };
    stream.once(event, done).once("error", done).once("close", done);
  });
}

function tooLarge(which: "compressed" | "decompressed", limit: number): AppError {
  return new AppError("payload_too_large", `The ${which} batch is larger than ${formatBytes(limit)}`);
}
