import { once } from "node:events";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { sha256Hex } from "@/lib/core/sha256";

/**
 * Level 1 compresses the pack's JSON at several times the speed of the default level 6 for a
 * somewhat larger file; at 6, zlib alone is slower than PostgreSQL produces the decisions.
 */
export const PACK_GZIP_LEVEL = 1;

/**
 * A tar.gz written entry by entry into a web stream, holding at most about one entry in memory:
 * each `add` waits while the reader is behind. Records every file's SHA-256 for the pack's
 * SHA256SUMS, which `finish` writes last.
 */
export class PackWriter {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly pack = tar.pack();
  private readonly gzip = createGzip({ level: PACK_GZIP_LEVEL });
  private readonly sums: string[] = [];
  private readonly mtime = new Date();

  constructor(private readonly root: string) {
    this.pack.pipe(this.gzip);
    // A failure reaches the reader through the web stream; these keep it from also being uncaught.
    this.pack.on("error", () => {});
    this.gzip.on("error", () => {});
    this.stream = Readable.toWeb(this.gzip) as ReadableStream<Uint8Array>;
  }

  async add(name: string, content: Buffer | string, mode = 0o644): Promise<void> {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    this.sums.push(`${sha256Hex(bytes)}  ${name}`);
    await new Promise<void>((resolve, reject) =>
      this.pack.entry({ name: `${this.root}/${name}`, size: bytes.length, mode, mtime: this.mtime }, bytes, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    if (this.gzip.writableNeedDrain) {
      // Both waits are cancelled once either ends, so that no listener stays behind per entry.
      const done = new AbortController();
      const drained = once(this.gzip, "drain", { signal: done.signal }).then(
        () => true,
        () => false,
      );
      const closed = once(this.gzip, "close", { signal: done.signal }).then(
        () => false,
        () => false,
      );
      const ok = await Promise.race([drained, closed]);
      done.abort();
      if (!ok) throw new Error("the reader of the evidence pack went away");
    }
    if (this.gzip.destroyed) throw new Error("the reader of the evidence pack went away");
  }

  async addJson(name: string, value: unknown): Promise<void> {
    await this.add(name, `${JSON.stringify(value, null, 1)}\n`);
  }

  async finish(): Promise<void> {
    await this.add("SHA256SUMS", `${[...this.sums].sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join("\n")}\n`);
    this.pack.finalize();
  }

  fail(error: Error): void {
    this.gzip.destroy(error);
  }
}
