/**
 * io-ts codecs for fields that arrive as text.
 *
 * @module
 */
import * as t from "io-ts";

/**
 * A number written as a string (`"42"`, `"-1.5e3"`), as CSV fields are; an empty or
 * non-numeric string is rejected.
 *
 * @category decoding
 * @since 0.1.0
 */
export const NumberFromString: t.Type<number, string, unknown> = new t.Type<number, string, unknown>(
  "NumberFromString",
  (u): u is number => typeof u === "number",
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c);
    const n = Number(u);
    return u.trim() === "" || Number.isNaN(n) ? t.failure(u, c) : t.success(n);
  },
  (n) => String(n),
);
