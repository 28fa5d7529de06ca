/**
 * How dead letters and error reports show a value: JSON where possible, cut short.
 *
 * @module
 */

/** Longest value shown in an error report, in characters. */
export const PREVIEW = 120;

export const preview = (u: unknown): string => {
  if (u === undefined) return "undefined";
  let text: string | undefined;
  try {
    text = typeof u === "bigint" ? `${u}n` : JSON.stringify(u);
  } catch {
    text = undefined;
  }
  text ??= String(u);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}… (${text.length} characters)` : text;
};


/** An io-ts codec's `_tag`, if it has one. */
export const tagOf = (codec: unknown): string | undefined =>
  typeof codec === "object" && codec !== null && "_tag" in codec ? String((codec as { _tag: unknown })._tag) : undefined;
