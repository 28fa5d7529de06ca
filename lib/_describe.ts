/**
 * How error messages show what a user passed or what was thrown. Private to lib/.
 *
 * @module
 */

/** A value as an error message shows it: `null`, `"text"`, `number 10`, `an object (Map)`. */
export const describeValue = (u: unknown): string => {
  if (u === null) return "null";
  if (typeof u === "object") return `an object (${u.constructor?.name ?? "Object"})`;
  if (typeof u === "string") return JSON.stringify(u);
  return `${typeof u} ${String(u)}`;
};

/** Anything thrown, in one line: `Name: message` for errors. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
