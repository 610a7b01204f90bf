/** A failure talking to a distribution target, worded for the revision's target table. */
export class TargetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TargetError";
  }
}

const TIMEOUT_MS = 15_000;
const MAX_READ_BYTES = 64 * 1024 * 1024;

/**
 * fetch with a deadline, turning network failures into a TargetError that names the host.
 * Redirects are followed only when asked (registries send blob downloads to their storage);
 * fetch drops the Authorization header when a redirect leaves the origin.
 */
export async function remoteFetch(url: string, init: RequestInit & { follow?: boolean } = {}): Promise<Response> {
  const { follow, ...rest } = init;
  try {
    return await fetch(url, {
      ...rest,
      redirect: follow ? "follow" : "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new TargetError(`${init.method ?? "GET"} ${new URL(url).host} failed: ${why}`, { cause: error });
  }
}

/** The body, refusing one larger than any bundle Verdict would have stored. */
export async function readBounded(response: Response): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_READ_BYTES) throw new TargetError(`the target answered with ${declared} bytes, too many`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_READ_BYTES) throw new TargetError(`the target answered with ${body.length} bytes, too many`);
  return body;
}

/** "HTTP 403 from PUT host: <first line of the body>", without echoing anything long. */
export async function unexpectedStatus(response: Response, what: string): Promise<TargetError> {
  const text = (await response.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
  return new TargetError(`${what}: HTTP ${response.status}${text ? ` (${text})` : ""}`);
}
