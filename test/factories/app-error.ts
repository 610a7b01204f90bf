import { expect } from "vitest";
import { AppError } from "@/lib/core/errors";

/** The AppError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
