import { expect } from "vitest";
import { ApiError } from "@/lib/http/errors";

/** The code and message of the ApiError `promise` rejects with (the test fails if it resolves, or rejects with anything else). */
export async function apiRefusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return { code: (error as ApiError).code, message: (error as ApiError).message };
}
