/**
 * Keys as users mean them: the one by-value key table behind every keyed operation
 * (`reduceByKey`, `groupByKey`, joins, windows, `updateStateByKey`, `mapWithState`).
 *
 * - Primitives compare as themselves (`NaN` is one key, `-0` equals `0`), as in a `Map`.
 * - Arrays (tuples) and plain objects compare by content; a plain object's property
 *   order does not matter.
 * - `Date`s by their time, `URL`s by their `href`, `RegExp`s by source and flags, boxed
 *   primitives (`new Number(1)`) by their value, `Map`s and `Set`s by their entries,
 *   typed arrays by their bytes.
 * - An instance of a class with a `[keyBy]()` method compares by what that returns
 *   (and its class): the explicit key.
 * - Any other object (an `Error`, a class instance, one with `#private` fields) is
 *   its own key: two instances are two keys, whatever their properties.
 *
 * Private to lib/: users meet it only through the keyed operations and {@link keyBy}.
 *
 * @module
 */
import { longHashCode, numberHashCode, stringHashCode } from "./_hash.ts";
import { keepShapeOf } from "../_shapes.ts";

/**
 * The method a class defines to say which value its instances compare by as keys:
 * `[keyBy]() { return this.id; }`. Without it, class instances are compared by
 * identity.
 *
 * @example
 * ```ts
 * import { keyBy, RDD } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * class UserId {
 *   readonly id: string;
 *   constructor(id: string) {
 *     this.id = id;
 *   }
 *   [keyBy]() {
 *     return this.id;
 *   }
 * }
 * const counts = RDD.fromArray([[new UserId("ann"), 1], [new UserId("ann"), 2]] as const).reduceByKey((a: number, b: number) => a + b);
 * assert.equal(counts.count(), 1);
 * ```
 * @category keys
 * @since 0.2.0
 */
export const keyBy: unique symbol = Symbol.for("dstreams.keyBy");

/** Objects compared by identity inside structured keys: a number per object, for the content string. */
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
const identityOf = (o: object): number => {
  let id = identities.get(o);
  if (id === undefined) identities.set(o, id = nextIdentity++);
  return id;
};

const symbolIds = new Map<symbol, number>();
const symbolId = (s: symbol): number => {
  let id = symbolIds.get(s);
  if (id === undefined) symbolIds.set(s, id = symbolIds.size);
  return id;
};

type KeyMethod = () => unknown;

const explicitKeyOf = (o: object): KeyMethod | undefined => {
  const method = (o as { [keyBy]?: unknown })[keyBy];
  return typeof method === "function" ? method as KeyMethod : undefined;
};

/**
 * A string equal for keys equal by content, or `undefined` for an object that is its
 * own key (compared by identity). Only called for objects.
 */
const contentOf = (key: object): string | undefined => {
  if (Array.isArray(key)) return encodeArray(key);
  const explicit = explicitKeyOf(key);
  if (explicit !== undefined) {
    const ctor = (key as { constructor?: unknown }).constructor;
    const owner = typeof ctor === "function" ? identityOf(ctor) : -1;
    return `K${owner}:${encode(explicit.call(key))}`;
  }
  const proto = Object.getPrototypeOf(key) as object | null;
  if (proto === Object.prototype || proto === null) return encodePlain(key as Record<string, unknown>);
  if (key instanceof Date) return `D${key.getTime()}`;
  if (key instanceof URL) return `U${key.href}`;
  if (key instanceof RegExp) return `R/${key.source}/${key.flags}`;
  if (key instanceof Number) return `#n${encode(key.valueOf())}`;
  if (key instanceof String) return `#s${JSON.stringify(key.valueOf())}`;
  if (key instanceof Boolean) return `#b${String(key.valueOf())}`;
  if (key instanceof BigInt) return `#i${String(key.valueOf())}`;
  if (key instanceof Symbol) return `#y${encode(key.valueOf())}`;
  if (key instanceof Map) return `M{${[...key].map(([k, v]) => `${encode(k)}=>${encode(v)}`).sort().join(",")}}`;
  if (key instanceof Set) return `S{${[...key].map(encode).sort().join(",")}}`;
  if (ArrayBuffer.isView(key)) {
    const bytes = new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
    return `B${key.constructor.name}[${bytes.join(",")}]`;
  }
  return undefined;
};

const encodeArray = (items: ReadonlyArray<unknown>): string => {
  let out = "[";
  for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : ",") + encode(items[i]);
  return out + "]";
};

const encodePlain = (record: Record<PropertyKey, unknown>): string => {
  const names = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out += (i === 0 ? "" : ",") + JSON.stringify(name) + ":" + encode(record[name]);
  }
  // Symbol-named properties count too, so { [a]: 1 } and { [a]: 2 } stay two keys.
  const symbols = Object.getOwnPropertySymbols(record);
  if (symbols.length > 0) {
    const parts = symbols.filter((s) => Object.prototype.propertyIsEnumerable.call(record, s))
      .map((s) => `${encode(s)}:${encode(record[s])}`).sort();
    for (const part of parts) out += (out.length === 1 ? "" : ",") + part;
  }
  return out + "}";
};

/** Any value (a part of a structured key) as a string equal for equal keys. */
const encode = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      // 0 and -0 are one key, as they are in a Map; every NaN is one key too.
      return value === 0 ? "0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
    case "undefined":
      return String(value);
    case "symbol":
      return `@${String(value.description)}#${symbolId(value)}`;
    case "function":
      throw notAKey();
    case "object":
      if (value === null) return "null";
      return contentOf(value) ?? `&${identityOf(value)}`;
  }
};

/**
 * The hash that places a key in a partition, as Spark's `HashPartitioner` does with
 * Java's `hashCode`: strings as `String.hashCode`, numbers as a boxed `Integer` (whole
 * numbers in the 32-bit range) or `Double` (any other), bigints as `Long`, booleans as
 * `Boolean` (1231, 1237), `null` and `undefined` as 0, a `Date` as `Date.hashCode` (its
 * time as a `Long`), a boxed primitive as its value, a `[keyBy]()` key as the value it
 * returns. Any other key compared by content hashes its content string with
 * `String.hashCode` (deterministic, but not what a JVM would compute for a Scala tuple),
 * and a key compared by identity by a number given to each object in the order first
 * hashed.
 */
export const hashCodeOf = (key: unknown): number => {
  switch (typeof key) {
    case "string":
      return stringHashCode(key);
    case "number":
      return numberHashCode(key);
    case "bigint":
      return longHashCode(key);
    case "boolean":
      return key ? 1231 : 1237;
    case "undefined":
      return 0;
    case "symbol":
      return stringHashCode(encode(key));
    case "function":
      throw notAKey();
    case "object": {
      if (key === null) return 0;
      if (Array.isArray(key)) return stringHashCode(encodeArray(key));
      const explicit = explicitKeyOf(key);
      if (explicit !== undefined) return hashCodeOf(explicit.call(key));
      if (key instanceof Date) return longHashCode(BigInt(Number.isNaN(key.getTime()) ? 0 : key.getTime()));
      if (key instanceof Number || key instanceof String || key instanceof Boolean || key instanceof BigInt) {
        return hashCodeOf(key.valueOf());
      }
      const content = contentOf(key);
      return content === undefined ? identityOf(key) | 0 : stringHashCode(content);
    }
  }
};

const notAKey = (): TypeError =>
  new TypeError("A function cannot be a key: keys compare by value. Key by a string, number or tuple instead");

/** True when two keys are one key. */
export const sameKey = (a: unknown, b: unknown): boolean => {
  if (a === b || (a !== a && b !== b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ca = contentOf(a);
  return ca !== undefined && ca === contentOf(b);
};

/**
 * A map from keys to values with the key semantics above, in insertion order. Keys
 * compared as themselves (primitives, identity objects) are its keys directly; a key
 * compared by content is represented by the first key seen with that content (its
 * canonical key), found through the content string.
 */
export class KeyMap<K, V> {
  readonly #map: Map<K, V>;
  /** Content string → canonical key, for the keys compared by content. */
  readonly #canonical: Map<string, K>;

  constructor(map: Map<K, V> = new Map(), canonical: Map<string, K> = new Map()) {
    this.#map = map;
    this.#canonical = canonical;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The content string of `key`, or `undefined` when it is compared as itself. */
  static #content(key: unknown): string | undefined {
    if (typeof key === "object" && key !== null) return contentOf(key);
    if (typeof key === "function") throw notAKey();
    return undefined;
  }

  /** The key this map holds `key` under, if any: the canonical key, or `key` itself. */
  #existing(key: K): K {
    if (typeof key !== "object" || key === null) {
      if (typeof key === "function") throw notAKey();
      return key;
    }
    const content = contentOf(key);
    return content === undefined ? key : this.#canonical.get(content) ?? key;
  }

  /** The key to insert `key` under, recording a new canonical key. */
  #insertable(key: K): K {
    const content = KeyMap.#content(key);
    if (content === undefined) return key;
    const seen = this.#canonical.get(content);
    if (seen !== undefined) return seen;
    this.#canonical.set(content, key);
    return key;
  }

  get(key: K): V | undefined {
    return this.#map.get(this.#existing(key));
  }

  has(key: K): boolean {
    return this.#map.has(this.#existing(key));
  }

  /** The key this map reports for `key`: the first one seen with its content, else `key`. */
  canonical(key: K): K {
    return this.#existing(key);
  }

  set(key: K, value: V): this {
    this.#map.set(this.#insertable(key), value);
    return this;
  }

  /** Sets `key` to `combine(old, value)` when present, to `value` when absent (one lookup of the content). */
  merge(key: K, value: V, combine: (old: V, value: V) => V): void {
    const map = this.#map;
    const k = this.#insertable(key);
    const old = map.get(k);
    map.set(k, old !== undefined || map.has(k) ? combine(old as V, value) : value);
  }

  /** Sets `key` to `f(old)` only when present; returns whether it was. */
  update(key: K, f: (old: V) => V): boolean {
    const map = this.#map;
    const k = this.#existing(key);
    const old = map.get(k);
    if (old === undefined && !map.has(k)) return false;
    map.set(k, f(old as V));
    return true;
  }

  /** The value of `key`, inserting `create()` first when absent. */
  getOrInsert(key: K, create: () => V): V {
    const map = this.#map;
    const k = this.#insertable(key);
    const old = map.get(k);
    if (old !== undefined || map.has(k)) return old as V;
    const value = create();
    map.set(k, value);
    return value;
  }

  delete(key: K): boolean {
    const content = KeyMap.#content(key);
    if (content === undefined) return this.#map.delete(key);
    const canonical = this.#canonical.get(content);
    if (canonical === undefined) return false;
    this.#canonical.delete(content);
    return this.#map.delete(canonical);
  }

  /** An independent copy (the values themselves are shared). */
  copy(): KeyMap<K, V> {
    return new KeyMap(new Map(this.#map), new Map(this.#canonical));
  }

  forEach(f: (value: V, key: K) => void): void {
    this.#map.forEach(f);
  }

  /** Every `[key, value]`, as new pairs, in insertion order. */
  entries(): Array<readonly [K, V]> {
    return this.#map.size === 0 ? [] : Array.from(this.#map);
  }

  /** The entries in insertion order (a key re-inserted after `delete` moves last). */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }
}

/** The string table's first size: 2^6 entries. */
const STRING_TABLE_BITS = 6;

/**
 * Distinct keys, compared as in {@link KeyMap}, numbered 0, 1, 2, … in first-arrival
 * order: a table that keeps its values in arrays of its own, at each key's slot.
 *
 * String keys, the common case, go into a table of its own rather than a `Map`: open
 * addressing on the key's Java hash code (computed here, where the new string is still
 * in cache, and kept: a layout needs it anyway). A word count's combine took 8.5 ms per
 * 100,000 words this way against 11.6 through a `Map` (8.0 against 12.5 under Deno,
 * whose `Map` is slower still).
 */
export class KeySlots<K> {
  /** Canonical key → its slot (its index in `keys`), for the keys that are not strings. */
  readonly #index = new Map<K, number>();
  /** Content string → canonical key, for the keys compared by content. */
  readonly #canonical = new Map<string, K>();
  /** The canonical keys, in first-arrival order. */
  readonly keys: K[] = [];
  /**
   * The string keys: slot + 1 at each entry (0: empty), placed by Fibonacci hashing of the
   * key's Java hash code (its top bits), linear probing, never more than half full.
   */
  #strings = new Int32Array(1 << STRING_TABLE_BITS);
  #stringShift = 32 - STRING_TABLE_BITS;
  #stringCount = 0;
  /** Each string key's Java hash code (`String.hashCode`), at its slot (0 at other slots). */
  #hashes = new Int32Array(64);

  get size(): number {
    return this.keys.length;
  }

  /** The slot of `key`; a key not seen before gets the next one, `size` before the call. */
  slotOf(key: K): number {
    if (typeof key === "string") return this.#slotOfString(key);
    let k = key;
    if (typeof key === "object" && key !== null) {
      const content = contentOf(key);
      if (content !== undefined) {
        const seen = this.#canonical.get(content);
        if (seen === undefined) this.#canonical.set(content, key);
        else k = seen;
      }
    } else if (typeof key === "function") {
      throw notAKey();
    }
    const keys = this.keys;
    const i = this.#index.get(k);
    if (i !== undefined) return i;
    this.#index.set(k, keys.length);
    keys.push(k);
    return keys.length - 1;
  }

  /**
   * The Java hash codes of the keys (`hashCodeOf`, as a layout needs them), when every key
   * is a string: they were computed on the way in. `undefined` otherwise.
   */
  stringHashCodes(): Int32Array | undefined {
    return this.#stringCount === this.keys.length ? this.#hashes.subarray(0, this.keys.length) : undefined;
  }

  #slotOfString(key: string): number {
    const h = stringHashCode(key);
    const table = this.#strings;
    const mask = table.length - 1;
    const hashes = this.#hashes;
    const keys = this.keys;
    let at = Math.imul(h, 0x9e3779b1) >>> this.#stringShift;
    for (;;) {
      const entry = table[at]!;
      if (entry === 0) break;
      const slot = entry - 1;
      if (hashes[slot] === h && keys[slot] === (key as K)) return slot;
      at = (at + 1) & mask;
    }
    const slot = keys.length;
    keys.push(key as K);
    // Keys of other types take slots too, so the column may be more than one short.
    if (slot >= hashes.length) this.#growHashes(slot + 1);
    this.#hashes[slot] = h;
    table[at] = slot + 1;
    if (++this.#stringCount * 2 > table.length) this.#growStrings();
    return slot;
  }

  #growHashes(atLeast: number): void {
    const grown = new Int32Array(Math.max(atLeast, this.#hashes.length * 2));
    grown.set(this.#hashes);
    this.#hashes = grown;
  }

  /** Doubles the string table, placing every string key again. */
  #growStrings(): void {
    const table = new Int32Array(this.#strings.length * 2);
    const shift = this.#stringShift - 1;
    const mask = table.length - 1;
    const hashes = this.#hashes;
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) {
      if (typeof keys[slot] !== "string") continue;
      let at = Math.imul(hashes[slot]!, 0x9e3779b1) >>> shift;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = slot + 1;
    }
    this.#strings = table;
    this.#stringShift = shift;
  }
}

/**
 * The table of a `reduceByKey`: each key's values merged as they arrive, keys compared
 * as in {@link KeyMap}, in first-arrival order. A key seen before costs one lookup of
 * the table (its index; its running value is replaced in an array), not a `get` and a
 * `set`; the keys and values are kept as two arrays in first-arrival order, so the
 * result is laid out from them without a copy of the table.
 */
export class KeyReducer<K, V> extends KeySlots<K> {
  /** Each key's running value, at its key's slot. */
  readonly values: V[] = [];

  /** Merges `value` into `key`'s running value with `combine(old, value)`, or starts it. */
  add(key: K, value: V, combine: (old: V, value: V) => V): void {
    const values = this.values;
    const i = this.slotOf(key);
    if (i === values.length) values.push(value);
    else values[i] = combine(values[i]!, value);
  }

  /** Every `[key, value]`, as new pairs, in first-arrival order. */
  entries(): Array<readonly [K, V]> {
    const { keys, values } = this;
    const out = new Array<readonly [K, V]>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = [keys[i]!, values[i]!];
    return out;
  }
}

/**
 * Cells (one per distinct key, made by the caller) with the key semantics of
 * {@link KeyMap}, and the keys and cells in first-seen order as arrays: the table of a
 * join. Look a key up with {@link KeyCells.canonical} first, then `get`/`insert` by it.
 */
export class KeyCells<K, C> {
  readonly #cells = new Map<K, C>();
  /** Content string → canonical key, for the keys compared by content. */
  readonly #canonical = new Map<string, K>();
  /** The canonical keys, in first-seen order. */
  readonly keys: K[] = [];
  /** Their cells, in the same order. */
  readonly cells: C[] = [];

  /** The key the table knows `key` by: the first one seen with its content, else `key` (recorded as seen). */
  canonical(key: K): K {
    if (typeof key === "object" && key !== null) {
      const content = contentOf(key);
      if (content === undefined) return key;
      const seen = this.#canonical.get(content);
      if (seen !== undefined) return seen;
      this.#canonical.set(content, key);
      return key;
    }
    if (typeof key === "function") throw notAKey();
    return key;
  }

  /** The cell of a canonical key. */
  get(canonicalKey: K): C | undefined {
    return this.#cells.get(canonicalKey);
  }

  /** Adds the cell of a canonical key not in the table yet. */
  insert(canonicalKey: K, cell: C): void {
    this.#cells.set(canonicalKey, cell);
    this.keys.push(canonicalKey);
    this.cells.push(cell);
  }
}

// One instance each keeps their hidden classes alive between batches (see lib/_shapes.ts).
keepShapeOf(new KeyMap());
keepShapeOf(new KeySlots());
keepShapeOf(new KeyReducer());
keepShapeOf(new KeyCells());
