/**
 * The default ordering of `sortBy`, `sortByKey`, `top`, `takeOrdered`, `max` and `min`:
 * Scala's implicit orderings for the values a JavaScript program keys and sorts by.
 *
 * @module
 */

/** A comparison: negative when `a` comes first, positive when `b` does, 0 when tied. */
export type Compare<A> = (a: A, b: A) => number;

const kindOf = (value: unknown): string => {
  if (value === null) return "null";
  if (value instanceof Date) return "Date";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? `${name} object` : "object";
  }
  return typeof value;
};

const unorderable = (what: string, a: unknown, b: unknown): TypeError =>
  new TypeError(
    `${what}'s default ordering compares numbers, strings, bigints, booleans, Dates and arrays (tuples) of them, ` +
      `two of one kind; got ${kindOf(a)} and ${kindOf(b)}: pass a compare function, e.g. (a, b) => a.id - b.id`,
  );

/** Numbers by value with `NaN` after every number (as Java's `Double.compare`), `-0` equal to `0`. */
const compareNumbers = (a: number, b: number): number => {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = a !== a;
  return aNaN === (b !== b) ? 0 : aNaN ? 1 : -1;
};

/**
 * The default ordering, naming `what` (the operation) in its error: numbers, strings
 * (by UTF-16 code units, as Java's `String.compareTo`), bigints, booleans (`false`
 * first), Dates by time, and arrays lexicographically (a prefix first).
 */
export const defaultCompare = (what: string): Compare<unknown> => {
  const compare = (a: unknown, b: unknown): number => {
    const ta = typeof a;
    if (ta !== typeof b) throw unorderable(what, a, b);
    switch (ta) {
      case "number":
        return compareNumbers(a as number, b as number);
      case "string":
      case "bigint":
      case "boolean":
        return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
      case "object":
        if (a instanceof Date && b instanceof Date) return compareNumbers(a.getTime(), b.getTime());
        if (Array.isArray(a) && Array.isArray(b)) {
          const n = Math.min(a.length, b.length);
          for (let i = 0; i < n; i++) {
            const c = compare(a[i], b[i]);
            if (c !== 0) return c;
          }
          return a.length - b.length;
        }
    }
    throw unorderable(what, a, b);
  };
  return compare;
};
