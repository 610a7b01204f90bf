import { AppError } from "@/lib/core/errors";

/**
 * Reads a request body, refusing it with 413 as soon as it passes maxBytes (never buffering more).
 * `subject` names the body in the error ("The compressed batch is larger than …").
 */
export async function readBodyBounded(
  req: Pick<Request, "headers" | "body">,
  maxBytes: number,
  subject = "The request body",
): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(subject, maxBytes);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(subject, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(subject: string, maxBytes: number): AppError {
  return new AppError("payload_too_large", `${subject} is larger than ${formatBytes(maxBytes)}`);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}
