import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/core/errors";
import { isDatabaseUnavailable, toAppError } from "@/lib/http/problem";

const withCode = (code: string) => Object.assign(new Error("driver error"), { code });

describe("database unavailable errors", () => {
  it("are recognised from node socket codes and connection-class SQLSTATEs, also when wrapped", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "57P01", "08006", "53300"]) {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true);
      expect(toAppError(withCode(code)).status).toBe(503);
    }
    expect(isDatabaseUnavailable(new Error("outer", { cause: withCode("ECONNREFUSED") }))).toBe(true);
    expect(isDatabaseUnavailable(toAppError(withCode("57P01")))).toBe(true);
  });

  it("are not confused with query errors, app errors or plain bugs", () => {
    expect(isDatabaseUnavailable(withCode("23505"))).toBe(false);
    expect(isDatabaseUnavailable(withCode("42P01"))).toBe(false);
    expect(isDatabaseUnavailable(new AppError("conflict", "taken"))).toBe(false);
    expect(isDatabaseUnavailable(new AppError("service_unavailable", "rate limited upstream"))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
  });
});
