import { notFound } from "next/navigation";
import { AppError } from "@/lib/core/errors";

/** Awaits a service read; a "not found" from the service becomes the console's 404 page. */
export async function orNotFound<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  }
}
