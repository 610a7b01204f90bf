import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { AppError } from "@/lib/http/errors";
import { formatBytes } from "@/lib/http/read-body";

export type LogBodyLimits = { maxCompressedBytes: number; maxDecompressedBytes: number };

const GZIP_MAGIC = [0x1f, 0x8b];
// zlib's codes for input that is not gzip or ends early; anything else is our own error or a fault.
const CORRUPT_ZLIB_CODES = new Set(["Z_DATA_ERROR", "Z_BUF_ERROR", "Z_STREAM_ERROR", "Z_NEED_DICT"]);

/**
 * Reads an OPA decision-log body (gzip, per the protocol; plain JSON is accepted too) and returns
 * the decompressed bytes. Both limits are enforced while streaming: a body that passes the
 * compressed limit is cut off as it arrives, and a gzip bomb is refused as soon as its output
 * passes the decompressed limit — it is never inflated in full.
 */
export async function readLogBody(req: Request, limits: LogBodyLimits): Promise<Buffer> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity" && encoding !== "") {
    throw new AppError("unsupported_media_type", "Send the batch gzip-compressed (Content-Encoding: gzip)");
  }
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limits.maxCompressedBytes) throw tooLarge("compressed", limits.maxCompressedBytes);
  if (!req.body) return Buffer.alloc(0);

  const chunks: Buffer[] = [];
  let compressed = 0;
  let decompressed = 0;
  let first: Buffer | null = null;
  const countCompressed = new Transform({
    transform(chunk: Buffer, _enc, done) {
      compressed += chunk.length;
      if (compressed > limits.maxCompressedBytes) return done(tooLarge("compressed", limits.maxCompressedBytes));
      first ??= chunk;
      done(null, chunk);
    },
  });
  const collect = new Writable({
    write(chunk: Buffer, _enc, done) {
      decompressed += chunk.length;
      if (decompressed > limits.maxDecompressedBytes) return done(tooLarge("decompressed", limits.maxDecompressedBytes));
      chunks.push(chunk);
      done();
    },
  });
  const source = Readable.fromWeb(req.body as import("node:stream/web").ReadableStream<Uint8Array>);
  try {
    if (encoding === "gzip") await pipeline(source, countCompressed, createGunzip(), collect);
    else await pipeline(source, countCompressed, collect);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && CORRUPT_ZLIB_CODES.has(code)) {
      const looksGzip = first !== null && (first as Buffer)[0] === GZIP_MAGIC[0] && (first as Buffer)[1] === GZIP_MAGIC[1];
      throw new AppError("bad_request", looksGzip ? "The gzip body is truncated or corrupt" : "The body is not gzip-compressed (Content-Encoding: gzip)", { cause: error });
    }
    throw error;
  }
  return Buffer.concat(chunks, decompressed);
}

function tooLarge(which: "compressed" | "decompressed", limit: number): AppError {
  return new AppError("payload_too_large", `The ${which} batch is larger than ${formatBytes(limit)}`);
}
