import { AppError } from "@/lib/core/errors";

/** A keyset cursor over (time, id), newest first: opaque to clients (base64url of "iso|id"). */
export function encodeTimeIdCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString("base64url");
}

/** The (time, id) a cursor stands for; a 400 naming query.cursor when it was not made by encodeTimeIdCursor. */
export function decodeTimeIdCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const at = new Date(iso ?? "");
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(at.getTime())) {
    throw new AppError("validation_failed", "The cursor is invalid", {
      fieldErrors: [{ path: "query.cursor", message: "invalid cursor" }],
    });
  }
  return { at, id };
}
