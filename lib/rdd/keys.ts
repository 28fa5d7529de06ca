/**
 * Keys compare by value: primitives as themselves, tuples, plain objects and dates
 * by content, so two `["a", 1]` keys are one key. Internal to the RDD layer.
 *
 * @module
 */

/** Encodes a structured key as a string that is equal for equal content. */
export const encodeKey = (key: unknown): string => {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "number":
      // 0 and -0 are one key, as they are in a Map.
      return key === 0 ? "0" : String(key);
    case "bigint":
      return `${key}n`;
    case "boolean":
    case "undefined":
      return String(key);
    case "symbol":
      return `@${String(key.description)}#${symbolId(key)}`;
    case "function":
      throw new TypeError(
        "A function cannot be a key: keys compare by value. Key by a string, number or tuple instead",
      );
    case "object":
      return encodeObject(key);
  }
};

const symbolIds = new Map<symbol, number>();
const symbolId = (s: symbol): number => {
  let id = symbolIds.get(s);
  if (id === undefined) symbolIds.set(s, id = symbolIds.size);
  return id;
};

const encodeObject = (key: object | null): string => {
  if (key === null) return "null";
  if (Array.isArray(key)) {
    let out = "[";
    for (let i = 0; i < key.length; i++) out += (i === 0 ? "" : ",") + encodeKey(key[i]);
    return out + "]";
  }
  if (key instanceof Date) return `Date(${key.getTime()})`;
  if (key instanceof Map) {
    return `Map{${[...key].map(([k, v]) => `${encodeKey(k)}=>${encodeKey(v)}`).sort().join(",")}}`;
  }
  if (key instanceof Set) return `Set{${[...key].map(encodeKey).sort().join(",")}}`;
  const proto = Object.getPrototypeOf(key) as object | null;
  const tag = proto === Object.prototype || proto === null ? "" : String(proto.constructor?.name ?? "?");
  const record = key as Record<string, unknown>;
  const names = Object.keys(record).sort();
  let out = `${tag}{`;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out += (i === 0 ? "" : ",") + JSON.stringify(name) + ":" + encodeKey(record[name]);
  }
  return out + "}";
};

/**
 * Maps each structured key to the first key seen with the same content, so a plain
 * `Map` keyed by the canonical key groups keys by value. Primitive keys pass through.
 */
export class KeyInterner {
  readonly #byContent = new Map<string, object>();

  canonical<K>(key: K): K {
    if (typeof key !== "object" || key === null) return key;
    const content = encodeKey(key);
    const seen = this.#byContent.get(content);
    if (seen !== undefined) return seen as K;
    this.#byContent.set(content, key);
    return key;
  }
}

/** True when two keys are one key under by-value comparison. */
export const sameKey = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && encodeKey(a) === encodeKey(b)) ||
  (a !== a && b !== b);
