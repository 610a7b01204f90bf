import { createGunzip, type Gunzip } from "node:zlib";
import { AppError } from "@/lib/http/errors";
import { formatBytes } from "@/lib/http/read-body";

export type LogBodyLimits = { maxCompressedBytes: number; maxDecompressedBytes: number };

// zlib's codes for input that is not gzip or ends early; anything else is a fault.
const CORRUPT_ZLIB_CODES = new Set(["Z_DATA_ERROR", "Z_BUF_ERROR", "Z_STREAM_ERROR", "Z_NEED_DICT"]);

/**
 * Reads an OPA decision-log body (gzip, per the protocol; plain JSON is accepted too) and returns
 * the decompressed bytes. Both limits are enforced while streaming: a body is cut off as soon as
 * it passes the compressed limit, and inflating stops as soon as the output passes the
 * decompressed limit — a gzip bomb is never inflated in full. After that the rest of the body is
 * read and discarded (up to the compressed limit, without inflating), so the client gets the 413
 * instead of a reset connection.
 */
export async function readLogBody(req: Request, limits: LogBodyLimits): Promise<Buffer> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity" && encoding !== "") {
    throw new AppError("unsupported_media_type", "Send the batch gzip-compressed (Content-Encoding: gzip)");
  }
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limits.maxCompressedBytes) throw tooLarge("compressed", limits.maxCompressedBytes);
  if (!req.body) return Buffer.alloc(0);
  const sink = new Inflater(encoding === "gzip" ? createGunzip() : null, limits.maxDecompressedBytes);
  const reader = req.body.getReader();
  let compressed = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    compressed += value.byteLength;
    if (compressed > limits.maxCompressedBytes) {
      await reader.cancel().catch(() => {});
      sink.abort();
      throw tooLarge("compressed", limits.maxCompressedBytes);
    }
    await sink.write(value);
  }
  return sink.finish();
}

/** Inflates (or just collects) chunks, and stops inflating for good at the first problem. */
class Inflater {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private failure: AppError | null = null;
  private first: Uint8Array | null = null;

  constructor(private readonly gunzip: Gunzip | null, private readonly max: number) {
    gunzip?.on("data", (chunk: Buffer) => this.collect(chunk));
    gunzip?.on("error", (error: Error & { code?: string }) => {
      this.failure ??= CORRUPT_ZLIB_CODES.has(error.code ?? "") ? this.corrupt(error) : new AppError("internal", "Decompression failed", { cause: error });
    });
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.first ??= chunk;
    if (this.failure) return; // draining: the body is read but no longer inflated
    if (!this.gunzip) return this.collect(Buffer.from(chunk));
    if (!this.gunzip.write(chunk)) await settled(this.gunzip, "drain");
  }

  async finish(): Promise<Buffer> {
    if (this.gunzip && !this.failure) {
      this.gunzip.end();
      await settled(this.gunzip, "end");
    }
    if (this.failure) throw this.failure;
    return Buffer.concat(this.chunks, this.size);
  }

  abort(): void {
    this.gunzip?.destroy();
  }

  private collect(chunk: Buffer): void {
    if (this.failure) return;
    this.size += chunk.length;
    if (this.size > this.max) {
      this.failure = tooLarge("decompressed", this.max);
      this.chunks.length = 0;
      this.gunzip?.destroy();
      return;
    }
    this.chunks.push(chunk);
  }

  private corrupt(cause: unknown): AppError {
    const looksGzip = this.first !== null && this.first[0] === 0x1f && this.first[1] === 0x8b;
    return new AppError("bad_request", looksGzip ? "The gzip body is truncated or corrupt" : "The body is not gzip-compressed (Content-Encoding: gzip)", { cause });
  }
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
