/**
 * How a stateful node's state becomes bytes in a checkpoint and back: a versioned codec.
 *
 * Bytes are `node:v8`'s structured serialisation, on Node and on Deno alike (each reads
 * the other's). It keeps, by value: primitives (string, number, boolean, bigint, null,
 * undefined), plain objects and arrays (so fp-ts `Option`s, plain `{ _tag }` objects, round
 * trip), `Map`, `Set`, `Date`, `RegExp`, `ArrayBuffer` and typed arrays, and shared or cyclic
 * references. It does not keep functions or symbols (they throw), nor classes: an instance
 * of a class would come back as a plain object without its methods, so encoding refuses it
 * with an `UnsupportedStateError` naming where it sits, rather than lose its class silently.
 *
 * A state whose shape may change between versions of the code gets an io-ts codec
 * (`ioTsStateCodec`): typed decoding, a class encoded as plain data, and a `migrate`
 * function that turns an older version's state into today's.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import type * as t from "io-ts";
import { isLeft } from "fp-ts/lib/Either.js";
import { describeError } from "../_describe.ts";
import { StateDecodeError, UnsupportedStateError } from "./errors.ts";

/**
 * A versioned codec for one node's state.
 *
 * @category model
 * @since 0.2.0
 */
export interface StateCodec<S> {
  /** Which codec wrote the bytes (`"v8"`, `"io-ts"`), as the checkpoint records it. */
  readonly id: string;
  /** The state format version today's code writes; a checkpoint records it per node. */
  readonly version: number;
  /** True when `decode` can turn an older version (or another kind's state) into today's. */
  readonly migrates: boolean;
  /** The state as bytes; throws `UnsupportedStateError` for a value it cannot keep. */
  encode(state: S, node: string): Uint8Array;
  /**
   * The same bytes as pieces, encoded one at a time as they are asked for: a checkpoint
   * writer gives the event loop a turn between pieces, so a large state does not block it
   * for its whole encoding. Optional; `decode` reads the concatenation.
   */
  encodePieces?(state: S, node: string): Iterable<Uint8Array>;
  /** The state written by `encode` at format `recordedVersion`; throws `StateDecodeError`. */
  decode(bytes: Uint8Array, recordedVersion: number, node: string): S;
}

/**
 * Options of the state codecs.
 *
 * @category model
 * @since 0.2.0
 */
export interface StateCodecOptions<S> {
  /** The state format version: 1 by default. Raise it when the state's shape changes. */
  readonly version?: number;
  /**
   * Turns the decoded state of an older format `fromVersion` into today's. Without it, a
   * checkpoint of another version is refused.
   */
  readonly migrate?: (old: unknown, fromVersion: number) => S;
}

/**
 * The default codec: `node:v8` serialisation of the state as it is, checked first (every
 * value visited) so a function, symbol or class instance is refused with its place named.
 *
 * @example
 * ```ts
 * import { v8StateCodec } from "./state_codec.ts";
 * import { some, none } from "fp-ts/lib/Option.js";
 * import assert from "node:assert";
 *
 * const codec = v8StateCodec<Map<string, unknown>>();
 * const state = new Map<string, unknown>([["a", some(1n)], ["b", none], ["c", new Set([new Date(0)])]]);
 * assert.deepStrictEqual(codec.decode(codec.encode(state, "counts"), 1, "counts"), state);
 * assert.throws(() => codec.encode(new Map([["f", () => 1]]), "counts"), /state\.get\("f"\) is a function/);
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const v8StateCodec = <S>(options: StateCodecOptions<S> = {}): StateCodec<S> => {
  const version = versionOf(options);
  const migrate = options.migrate;
  return {
    id: "v8",
    version,
    migrates: migrate !== undefined,
    encode: (state, node) => {
      assertSerializable(state, node);
      return serialize(state);
    },
    encodePieces: (state, node) => encodeV8Pieces(state, node),
    decode: (bytes, recordedVersion, node) => {
      const value = startsWithPieces(bytes) ? deserializePieces(bytes, node) : deserializeState(bytes, node);
      if (recordedVersion === version) return value as S;
      return migrateOrRefuse(value, recordedVersion, version, migrate, node);
    },
  };
};

/**
 * A typed codec: `type.encode` turns the state into its output form (plain data, which
 * `node:v8` then keeps), `type.decode` checks and rebuilds it when restoring, and
 * `migrate` turns an older version's output form into today's state.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { ioTsStateCodec } from "./state_codec.ts";
 * import assert from "node:assert";
 *
 * const v1 = ioTsStateCodec(t.type({ count: t.number }));
 * const bytes = v1.encode({ count: 3 }, "counts");
 * const v2 = ioTsStateCodec(t.type({ count: t.number, seen: t.boolean }), {
 *   version: 2,
 *   migrate: (old) => ({ ...(old as { count: number }), seen: true }),
 * });
 * assert.deepStrictEqual(v2.decode(bytes, 1, "counts"), { count: 3, seen: true });
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const ioTsStateCodec = <S, O>(type: t.Type<S, O, unknown>, options: StateCodecOptions<S> = {}): StateCodec<S> => {
  const version = versionOf(options);
  const migrate = options.migrate;
  const check = (value: unknown, node: string): S => {
    const result = type.decode(value);
    if (isLeft(result)) {
      const first = result.left[0];
      const where = first === undefined ? "" : first.context.map((entry) => entry.key).filter((key) => key !== "").join(".");
      throw new StateDecodeError(
        node,
        `the io-ts codec ${type.name} refused it${where === "" ? "" : ` at ${where}`} (value ${describeShort(first?.value)}): ` +
          `give the codec a new version and a migrate function, or discard the state with discardState: ["${node}"]`,
      );
    }
    return result.right;
  };
  return {
    id: "io-ts",
    version,
    migrates: migrate !== undefined,
    encode: (state, node) => {
      const output = type.encode(state);
      assertSerializable(output, node);
      return serialize(output);
    },
    decode: (bytes, recordedVersion, node) => {
      const value = deserializeState(bytes, node);
      if (recordedVersion === version) return check(value, node);
      return check(type.encode(migrateOrRefuse(value, recordedVersion, version, migrate, node)), node);
    },
  };
};

/**
 * Throws an `UnsupportedStateError` naming the first value in `state` that `node:v8` cannot
 * keep faithfully (a function, a symbol, a class instance, a WeakMap, a Promise…).
 *
 * @category utils
 * @since 0.2.0
 */
export const assertSerializable = (state: unknown, node: string): void => {
  // A first pass without paths keeps the common case cheap (a 1 M-entry Map of numbers:
  // about 25 ms); only a refused value pays for finding its place.
  if (unsupportedIn(state, new Set(), undefined) === undefined) return;
  const found = unsupportedIn(state, new Set(), "state");
  if (found !== undefined) throw new UnsupportedStateError(node, found.path, found.what);
};

interface Unsupported {
  readonly path: string;
  readonly what: string;
}

const unsupportedIn = (value: unknown, seen: Set<object>, path: string | undefined): Unsupported | undefined => {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return undefined;
    case "symbol":
      return { path: path ?? "", what: "a symbol" };
    case "function":
      return { path: path ?? "", what: `a function${value.name === "" ? "" : ` (${value.name})`}` };
  }
  if (value === null) return undefined;
  const object = value as object;
  if (seen.has(object)) return undefined;
  // Small leaves (a [key, count] pair) are checked without entering the set of seen objects.
  if (Array.isArray(object) && object.length <= 8 && Object.getPrototypeOf(object) === Array.prototype && holdsOnlyPrimitives(object)) {
    return undefined;
  }
  seen.add(object);
  const at = (suffix: string): string | undefined => (path === undefined ? undefined : path + suffix);
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) return classOf(object, path);
    if (holdsOnlyPrimitives(object)) return undefined; // a tuple of a key and a count: nothing to remember
    for (let i = 0; i < object.length; i++) {
      const found = unsupportedIn(object[i], seen, at(`[${i}]`));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (object instanceof Map) {
    if (Object.getPrototypeOf(object) !== Map.prototype) return classOf(object, path);
    let i = 0;
    for (const [key, entry] of object) {
      const keyFound = unsupportedIn(key, seen, at(`.keys()[${i}]`));
      if (keyFound !== undefined) return keyFound;
      const found = unsupportedIn(entry, seen, path === undefined ? undefined : `${path}.get(${keyText(key)})`);
      if (found !== undefined) return found;
      i++;
    }
    return undefined;
  }
  if (object instanceof Set) {
    if (Object.getPrototypeOf(object) !== Set.prototype) return classOf(object, path);
    let i = 0;
    for (const entry of object) {
      const found = unsupportedIn(entry, seen, at(`.values()[${i++}]`));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (object instanceof Date || object instanceof RegExp || object instanceof ArrayBuffer || ArrayBuffer.isView(object)) {
    return isBuiltIn(object) ? undefined : classOf(object, path);
  }
  const prototype: unknown = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return classOf(object, path);
  for (const key of Object.keys(object)) {
    const found = unsupportedIn((object as Record<string, unknown>)[key], seen, at(propertyText(key)));
    if (found !== undefined) return found;
  }
  return undefined;
};

const holdsOnlyPrimitives = (array: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < array.length; i++) {
    const v = array[i];
    if (v !== null && (typeof v === "object" || typeof v === "function" || typeof v === "symbol")) return false;
  }
  // Holes and extra properties are rare; v8 keeps holes, and extra properties are not kept by
  // serialize either way, so the fast path loses nothing the slow one would catch.
  return true;
};

const BUILT_INS: ReadonlySet<unknown> = new Set<unknown>([
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  ...[Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
    BigInt64Array, BigUint64Array].map((typed) => typed.prototype),
]);

const isBuiltIn = (object: object): boolean => BUILT_INS.has(Object.getPrototypeOf(object));

const classOf = (object: object, path: string | undefined): Unsupported => {
  const name = (object.constructor as { name?: string } | undefined)?.name ?? "an unnamed class";
  return {
    path: path ?? "",
    what: `an instance of ${name}, which would come back as a plain object without its class (its methods and prototype are lost)`,
  };
};

const keyText = (key: unknown): string =>
  typeof key === "string" ? JSON.stringify(key) : typeof key === "bigint" ? `${key}n` : typeof key === "object" ? "{…}" : String(key);

const propertyText = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

const describeShort = (value: unknown): string => {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
};

const versionOf = (options: StateCodecOptions<unknown>): number => {
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RangeError(`A state format version is a whole number ≥ 1, got ${String(version)}: start at 1 and raise it when the state's shape changes`);
  }
  return version;
};

/** Arrays longer than this are encoded in slices of this many entries. */
const PIECE_ENTRIES = 50_000;
const PIECES_MAGIC = new TextEncoder().encode("DSV8PCS1");

const startsWithPieces = (bytes: Uint8Array): boolean =>
  bytes.length >= PIECES_MAGIC.length && PIECES_MAGIC.every((b, i) => bytes[i] === b);

/**
 * A long array as slices, each checked and serialised when asked for: the magic, then per
 * slice its length (u32) and its `node:v8` bytes. Anything else: one `serialize`.
 */
function* encodeV8Pieces(state: unknown, node: string): Iterable<Uint8Array> {
  if (!Array.isArray(state) || state.length <= PIECE_ENTRIES || Object.getPrototypeOf(state) !== Array.prototype) {
    assertSerializable(state, node);
    yield serialize(state);
    return;
  }
  yield PIECES_MAGIC;
  for (let from = 0; from < state.length; from += PIECE_ENTRIES) {
    const slice = state.slice(from, from + PIECE_ENTRIES);
    try {
      assertSerializable(slice, node);
    } catch (error) {
      // Name the place in the whole array, not in the slice.
      if (error instanceof UnsupportedStateError) {
        throw new UnsupportedStateError(node, error.path.replace(/^state\[(\d+)\]/, (_m, i: string) => `state[${from + Number(i)}]`), error.what);
      }
      throw error;
    }
    const bytes = serialize(slice);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    yield length;
    yield bytes;
  }
}

const deserializePieces = (bytes: Uint8Array, node: string): unknown[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: unknown[] = [];
  let at = PIECES_MAGIC.length;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new StateDecodeError(node, `its pieces are cut at byte ${at}`);
    const length = view.getUint32(at);
    const piece = deserializeState(bytes.subarray(at + 4, at + 4 + length), node);
    if (!Array.isArray(piece)) throw new StateDecodeError(node, "a piece of it is not an array");
    for (let i = 0; i < piece.length; i++) out.push(piece[i]);
    at += 4 + length;
  }
  return out;
};

const deserializeState = (bytes: Uint8Array, node: string): unknown => {
  try {
    return deserialize(bytes);
  } catch (error) {
    throw new StateDecodeError(node, `its bytes are not node:v8 data (${describeError(error)})`);
  }
};

const migrateOrRefuse = <S>(
  value: unknown,
  recordedVersion: number,
  version: number,
  migrate: ((old: unknown, fromVersion: number) => S) | undefined,
  node: string,
): S => {
  if (migrate === undefined) {
    throw new StateDecodeError(
      node,
      `it was written in state format version ${recordedVersion} and today's code reads version ${version}: ` +
        `give the codec a migrate function from version ${recordedVersion}, or discard the state with discardState: ["${node}"]`,
    );
  }
  try {
    return migrate(value, recordedVersion);
  } catch (error) {
    throw new StateDecodeError(node, `its migration from version ${recordedVersion} to ${version} threw (${describeError(error)})`);
  }
};
