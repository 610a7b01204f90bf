import { constants, createGzip } from "node:zlib";

/**
 * A gzip bomb built without compressing gigabytes: a full-flushed deflate block of 1 MiB of zeros
 * is byte-aligned and self-contained, so repeating it n times inflates to n MiB (about 1000:1).
 */
export async function gzipBomb(mebibytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const flushed = async () => {
    gzip.write(Buffer.alloc(1024 * 1024));
    await new Promise<void>((resolve) => gzip.flush(constants.Z_FULL_FLUSH, () => resolve()));
    const parts: Buffer[] = [];
    for (let chunk = gzip.read() as Buffer | null; chunk; chunk = gzip.read() as Buffer | null) parts.push(chunk);
    return Buffer.concat(parts);
  };
  const first = await flushed();
  const block = await flushed();
  gzip.destroy();
  return Buffer.concat([first, ...Array.from({ length: mebibytes - 1 }, () => block)]);
}
