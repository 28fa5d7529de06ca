/**
 * The error a user's function threw, named after the operation that called it, so a
 * failed batch says which step of the pipeline failed ("map-2 failed: boom").
 *
 * Combinators label the RDD steps they build; the RDD layer wraps only the call of the
 * user's function (never the records it emits downstream), so the innermost failing
 * operation is the one named.
 *
 * @module
 */

/** The thrown value as a short text: the message of a plain `Error`, `Name: message` otherwise. */
const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) return cause.name === "Error" ? cause.message : `${cause.name}: ${cause.message}`;
  return String(cause);
};

/**
 * A user function (a `map`'s function, an `updateStateByKey` update, …) threw. The
 * message names the operation (its node name, e.g. `map-2`); `cause` is what it threw.
 *
 * @example
 * ```ts
 * import { UserFunctionError } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const error = new UserFunctionError("map-2", new Error("boom"));
 * assert.equal(error.message, "map-2 failed: boom");
 * assert.equal(error.operation, "map-2");
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UserFunctionError extends Error {
  override readonly name = "UserFunctionError";
  /** The operation whose user function threw: a node name such as `map-2`. */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`${operation} failed: ${describeCause(cause)}`, { cause });
    this.operation = operation;
  }
}

/**
 * Wraps what a user function threw; an error that already names an operation (thrown
 * by an inner labelled step) is passed through unchanged.
 */
export const userFunctionError = (operation: string, cause: unknown): UserFunctionError =>
  cause instanceof UserFunctionError ? cause : new UserFunctionError(operation, cause);
