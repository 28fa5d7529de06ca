/**
 * How `pprint` shows a record, following Spark's `toString`: tuples as `(a,b)`,
 * strings as they are, `Option`s as `Some(x)` and `None`.
 *
 * @module
 */

const isOption = (u: object): u is { _tag: "None" } | { _tag: "Some"; value: unknown } => {
  const tag = (u as { _tag?: unknown })._tag;
  return (tag === "None" && Object.keys(u).length === 1) || (tag === "Some" && Object.keys(u).length === 2 && "value" in u);
};

/**
 * Formats one record as `pprint` prints it.
 *
 * @example
 * ```ts
 * import { formatRecord } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * assert.equal(formatRecord(["hello", 1]), "(hello,1)");
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const formatRecord = (record: unknown): string => {
  switch (typeof record) {
    case "string":
      return record;
    case "object": {
      if (record === null) return "null";
      if (Array.isArray(record)) return `(${record.map(formatRecord).join(",")})`;
      if (isOption(record)) return record._tag === "None" ? "None" : `Some(${formatRecord(record.value)})`;
      if (record instanceof Date) return record.toISOString();
      if (record instanceof Map) return `Map(${[...record].map(([k, v]) => `${formatRecord(k)} -> ${formatRecord(v)}`).join(", ")})`;
      if (record instanceof Set) return `Set(${[...record].map(formatRecord).join(", ")})`;
      if (record instanceof Uint8Array) return `Uint8Array(${record.join(", ")})`;
      if (Object.prototype.hasOwnProperty.call(record, "toString") || hasOwnToString(record)) return String(record);
      try {
        return JSON.stringify(record, (_key, value: unknown) => typeof value === "bigint" ? `${value}n` : value);
      } catch {
        return String(record);
      }
    }
    default:
      return String(record);
  }
};

/** True for class instances whose class defines its own `toString`. */
const hasOwnToString = (record: object): boolean => {
  for (let proto = Object.getPrototypeOf(record) as object | null; proto !== null && proto !== Object.prototype;) {
    if (Object.prototype.hasOwnProperty.call(proto, "toString")) return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
};
