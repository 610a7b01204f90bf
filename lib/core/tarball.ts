import { gunzipSync, gzipSync } from "node:zlib";
import tar from "tar-stream";

export type TarFile = { name: string; content: Buffer };

/**
 * A gzip'd tar of regular files, byte-for-byte reproducible for the same input (fixed mtime,
 * owner and mode). Names are written exactly as given: OPA matches them against the signed file
 * list without normalising, so "./x" would break verification.
 */
export async function packTarGz(files: TarFile[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  for (const file of files) {
    if (file.name.startsWith("./") || file.name.startsWith("/") || file.name.includes("..")) {
      throw new Error(`refusing a tar entry name OPA would not match: ${file.name}`);
    }
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: file.name,
          size: file.content.length,
          mode: 0o644,
          mtime,
          uid: 0,
          gid: 0,
          uname: "",
          gname: "",
          type: "file",
        },
        file.content,
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

/** Reads every regular file of a gzip'd tar (for showing a revision's contents and in tests). */
export async function unpackTarGz(bytes: Buffer, options: { maxBytes?: number } = {}): Promise<TarFile[]> {
  const raw = gunzipSync(bytes, { maxOutputLength: options.maxBytes ?? 256 * 1024 * 1024 });
  const extract = tar.extract();
  const files: TarFile[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on("data", (c: unknown) => parts.push(c as Buffer));
      stream.on("end", () => {
        if (header.type === "file") files.push({ name: header.name, content: Buffer.concat(parts) });
        next();
      });
      stream.resume();
    });
    extract.on("finish", () => resolve());
    extract.on("error", reject);
  });
  extract.end(raw);
  await finished;
  return files;
}
