/**
 * io-ts validation errors as readable lines, the form dead letters carry.
 *
 * @module
 */
import type * as t from "io-ts";
import { preview, tagOf } from "./_preview.ts";

/**
 * One readable line per io-ts validation error: `Expecting number at ts but instead
 * got: "oops"` (the path is dot-separated; a failed union is reported as a whole; a
 * codec's own message, from `t.failure(u, c, message)`, is used as it is).
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { formatValidationErrors } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const result = t.type({ ts: t.number }).decode({ ts: "oops" });
 * assert.deepEqual(result._tag === "Left" ? formatValidationErrors(result.left) : [], ['Expecting number at ts but instead got: "oops"']);
 * ```
 * @category decoding
 * @since 0.1.0
 */
export const formatValidationErrors = (errors: t.Errors): string[] => {
  const lines = new Set<string>();
  for (const error of errors) lines.add(formatValidationError(error));
  return [...lines];
};


const formatValidationError = (error: t.ValidationError): string => {
  if (error.message !== undefined) return error.message;
  const context = error.context;
  const keys: string[] = [];
  let expected = context[context.length - 1]?.type.name ?? "a value";
  let actual = error.value;
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]!;
    const parentTag = tagOf(parent.type);
    if (parentTag === "UnionType") {
      expected = parent.type.name;
      actual = parent.actual;
      break;
    }
    if (parentTag === "IntersectionType") continue;
    keys.push(context[i]!.key);
  }
  const at = keys.length === 0 ? "" : ` at ${keys.join(".")}`;
  return `Expecting ${expected}${at} but instead got: ${preview(actual)}`;
};

