import { expect } from "vitest";
import { AppError } from "@/lib/core/errors";

/** The AppError a promise rejects with (the assertion fails when it resolves or throws something else). */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
