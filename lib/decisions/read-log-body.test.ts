import zlib, { gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/core/errors";
import { readLogBody } from "@/lib/decisions/read-log-body";
import { logUploadRequest } from "@/test/factories/decisions";
import { gzipBomb } from "@/test/support/gzip-bomb";

const LIMITS = { maxCompressedBytes: 64 * 1024, maxDecompressedBytes: 1024 * 1024 };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A body that arrives in small chunks, counting how much of it the reader pulled. */
function chunked(bytes: Buffer, chunkSize = 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + chunkSize));
        offset += chunkSize;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => Math.min(offset, bytes.length) };
}

describe("readLogBody", () => {
  it("inflates a gzip body", async () => {
    const body = await readLogBody(logUploadRequest(gzipSync('[{"a":1}]')), LIMITS);
    expect(body.toString()).toBe('[{"a":1}]');
  });

  it("accepts an uncompressed body when no Content-Encoding is sent", async () => {
    const body = await readLogBody(logUploadRequest(Buffer.from("[]"), { "content-encoding": "" }), LIMITS);
    expect(body.toString()).toBe("[]");
  });

  it("refuses a body that claims gzip but is not", async () => {
    const error = await failure(readLogBody(logUploadRequest(Buffer.from('[{"a":1}]')), LIMITS));
    expect([error.status, error.message]).toEqual([400, "The body is not gzip-compressed (Content-Encoding: gzip)"]);
  });

  it("refuses a truncated gzip body", async () => {
    const full = gzipSync(
      Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i, pad: "x".repeat(50) })))),
    );
    const error = await failure(readLogBody(logUploadRequest(full.subarray(0, full.length - 20)), LIMITS));
    expect([error.status, error.message]).toEqual([400, "The gzip body is truncated or corrupt"]);
  });

  it("refuses an unknown Content-Encoding with 415", async () => {
    const error = await failure(readLogBody(logUploadRequest(Buffer.from("[]"), { "content-encoding": "br" }), LIMITS));
    expect(error.status).toBe(415);
  });

  it("refuses a declared Content-Length over the compressed limit before reading", async () => {
    const { stream, pulled } = chunked(Buffer.alloc(10));
    const error = await failure(
      readLogBody(logUploadRequest(stream, { "content-length": String(LIMITS.maxCompressedBytes + 1) }), LIMITS),
    );
    expect([error.status, error.message]).toEqual([413, "The compressed batch is larger than 64 KiB"]);
    expect(pulled()).toBe(0);
  });

  it("stops reading a body that streams past the compressed limit", async () => {
    const big = gzipSync(Buffer.from(Array.from({ length: 400_000 }, (_, i) => `${i * 7919}`).join(",")), { level: 0 });
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const { stream, pulled } = chunked(big, 4096);
    const error = await failure(readLogBody(logUploadRequest(stream), LIMITS));
    expect([error.status, error.message]).toEqual([413, "The compressed batch is larger than 64 KiB"]);
    expect(pulled()).toBeLessThanOrEqual(LIMITS.maxCompressedBytes + 4096);
  });

  it("refuses a gzip bomb without inflating it in full", async () => {
    const bomb = await gzipBomb(4096); // about 4 MiB that inflate to 4 GiB
    const { stream, pulled } = chunked(bomb, 16 * 1024);
    // Observe (not replace) what reaches the inflater.
    const write = vi.spyOn(zlib.Gunzip.prototype, "write");
    const before = process.memoryUsage().rss;
    try {
      const error = await failure(
        readLogBody(logUploadRequest(stream), {
          maxCompressedBytes: 8 * 1024 * 1024,
          maxDecompressedBytes: 1024 * 1024,
        }),
      );
      expect([error.status, error.message]).toEqual([413, "The decompressed batch is larger than 1 MiB"]);
      const inflated = write.mock.calls.reduce((n, [chunk]) => n + (chunk as Uint8Array).byteLength, 0);
      expect(inflated).toBeLessThan(bomb.length / 20);
      // The rest of the body is still read (and discarded) so that the client receives the 413.
      expect(pulled()).toBe(bomb.length);
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      write.mockRestore();
    }
  });

  it("refuses a small gzip bomb (inflated in one call) at the decompressed limit", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }); // about 64 KiB
    const error = await failure(readLogBody(logUploadRequest(chunked(bomb).stream), LIMITS));
    expect([error.status, error.message]).toEqual([413, "The decompressed batch is larger than 1 MiB"]);
  });

  it("inflates a small body whose output is too large for one call but within the limit", async () => {
    const big = Buffer.from(`[${"0,".repeat(3_000_000)}0]`); // about 6 MiB of output from a small body
    expect(gzipSync(big).length).toBeLessThan(512 * 1024);
    const body = await readLogBody(logUploadRequest(chunked(gzipSync(big)).stream), {
      maxCompressedBytes: 1024 * 1024,
      maxDecompressedBytes: 16 * 1024 * 1024,
    });
    expect(body.equals(big)).toBe(true);
  });
});
