/**
 * MLlib's vectors and labelled points, as plain values: a dense vector is a
 * `number[]` or a `Float64Array`, a sparse one is `{ size, indices, values }` (MLlib's
 * `SparseVector`: indices increasing, each below `size`).
 *
 * @module
 */
import { describeValue } from "../_describe.ts";

/**
 * MLlib's sparse vector: `size` entries, zero except at `indices` (strictly increasing,
 * each in `0 … size - 1`), which hold `values`.
 *
 * @category vectors
 * @since 0.3.0
 */
export interface SparseVector {
  readonly size: number;
  readonly indices: ReadonlyArray<number> | Int32Array;
  readonly values: ReadonlyArray<number> | Float64Array;
}

/**
 * A vector as the streaming algorithms take it: dense (`number[]`, `Float64Array`) or
 * sparse ({@link SparseVector}).
 *
 * @category vectors
 * @since 0.3.0
 */
export type Vector = ReadonlyArray<number> | Float64Array | SparseVector;

/**
 * A training example for the regressions: MLlib's `LabeledPoint(label, features)`.
 *
 * @category vectors
 * @since 0.3.0
 */
export class LabeledPoint {
  readonly label: number;
  readonly features: Vector;

  constructor(label: number, features: Vector) {
    this.label = label;
    this.features = features;
  }

  /** `(1.0,[0.5,2.0])`, as MLlib prints it. */
  toString(): string {
    return `(${formatNumber(this.label)},${formatVector(this.features)})`;
  }
}

/**
 * Constructors for vectors, as MLlib's `Vectors` object names them.
 *
 * @example
 * ```ts
 * import { Vectors } from "@dstreams/dstreams/ml";
 * import assert from "node:assert";
 * assert.deepEqual(Vectors.dense(1, 2), [1, 2]);
 * assert.deepEqual(Vectors.toArray(Vectors.sparse(3, [1], [5])), [0, 5, 0]);
 * ```
 * @category vectors
 * @since 0.3.0
 */
export const Vectors = {
  /** A dense vector of the given numbers. */
  dense: (...values: ReadonlyArray<number>): number[] => [...values],
  /** A sparse vector of `size` entries, `values` at `indices` (checked when used). */
  sparse: (size: number, indices: ReadonlyArray<number>, values: ReadonlyArray<number>): SparseVector => ({ size, indices, values }),
  /** `size` zeros. */
  zeros: (size: number): number[] => new Array<number>(size).fill(0),
  /** The vector's entries as a dense `number[]`. */
  toArray: (v: Vector): number[] => {
    if (isSparse(v)) {
      const out = new Array<number>(v.size).fill(0);
      for (let i = 0; i < v.indices.length; i++) out[v.indices[i]!] = v.values[i]!;
      return out;
    }
    return Array.from(v);
  },
  /** How many entries the vector has. */
  size: (v: Vector): number => (isSparse(v) ? v.size : v.length),
} as const;

/**
 * True for the sparse form.
 *
 * @category vectors
 * @since 0.3.0
 */
export const isSparse = (v: Vector): v is SparseVector => !Array.isArray(v) && !(v instanceof Float64Array);

const formatNumber = (x: number): string => (Number.isInteger(x) ? x.toFixed(1) : String(x));

const formatVector = (v: Vector): string =>
  isSparse(v)
    ? `(${v.size},[${Array.from(v.indices).join(",")}],[${Array.from(v.values, formatNumber).join(",")}])`
    : `[${Array.from(v, formatNumber).join(",")}]`;

/**
 * Why `v` is not a usable vector of `dim` entries, or `undefined` when it is. Internal:
 * the reasons become dead letters.
 */
export const vectorProblem = (v: unknown, dim: number, what = "vector"): string | undefined => {
  if (Array.isArray(v) || v instanceof Float64Array) {
    if (v.length !== dim) return `${what} has ${v.length} entries, the model has dimension ${dim}: send vectors of ${dim} numbers`;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== "number") return `${what}[${i}] is ${describeValue(x)}, not a number`;
      if (!Number.isFinite(x)) return `${what}[${i}] is ${x}: entries must be finite numbers (not NaN or ±Infinity)`;
    }
    return undefined;
  }
  if (typeof v !== "object" || v === null) {
    return `${what} is ${describeValue(v)}: expected a number[], a Float64Array or a sparse vector { size, indices, values }`;
  }
  const { size, indices, values } = v as { size?: unknown; indices?: unknown; values?: unknown };
  if (typeof size !== "number" || !(Array.isArray(indices) || indices instanceof Int32Array) || !(Array.isArray(values) || values instanceof Float64Array)) {
    return `${what} is ${describeValue(v)}: expected a number[], a Float64Array or a sparse vector { size, indices, values }`;
  }
  if (size !== dim) return `${what} has size ${size}, the model has dimension ${dim}: send vectors of ${dim} entries`;
  if (indices.length !== values.length) return `sparse ${what} has ${indices.length} indices but ${values.length} values: give one value per index`;
  let previous = -1;
  for (let i = 0; i < indices.length; i++) {
    const index: unknown = indices[i];
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= size) {
      return `sparse ${what}'s indices[${i}] is ${describeValue(index)}: indices must be whole numbers in 0…${size - 1}`;
    }
    if (index <= previous) return `sparse ${what}'s indices must increase strictly, got ${previous} then ${index} at indices[${i}]`;
    previous = index;
    const x: unknown = values[i];
    if (typeof x !== "number") return `sparse ${what}'s values[${i}] is ${describeValue(x)}, not a number`;
    if (!Number.isFinite(x)) return `sparse ${what}'s values[${i}] (index ${index}) is ${x}: entries must be finite numbers (not NaN or ±Infinity)`;
  }
  return undefined;
};

/** Throws a TypeError naming `where` when `v` is not a vector of `dim` entries. */
export const checkVector = (v: unknown, dim: number, where: string): void => {
  const problem = vectorProblem(v, dim, where);
  if (problem !== undefined) throw new TypeError(problem);
};

/** `v · w` for a checked `v` of `w.length` entries. */
export const dot = (v: Vector, w: Float64Array | ReadonlyArray<number>): number => {
  let sum = 0;
  if (isSparse(v)) {
    const { indices, values } = v;
    for (let i = 0; i < indices.length; i++) sum += values[i]! * w[indices[i]!]!;
    return sum;
  }
  for (let i = 0; i < v.length; i++) sum += v[i]! * w[i]!;
  return sum;
};

/** `y += a · v`, in place. */
export const axpy = (a: number, v: Vector, y: Float64Array): void => {
  if (isSparse(v)) {
    const { indices, values } = v;
    for (let i = 0; i < indices.length; i++) y[indices[i]!]! += a * values[i]!;
    return;
  }
  for (let i = 0; i < v.length; i++) y[i]! += a * v[i]!;
};

/** `‖v − c‖²` where `c` is the `dim` entries of `centers` from `offset`. */
export const squaredDistanceTo = (v: Vector, centers: Float64Array, offset: number, dim: number, centerNorm2: number): number => {
  if (isSparse(v)) {
    // ‖v‖² − 2 v·c + ‖c‖², over v's non-zeros only.
    const { indices, values } = v;
    let vv = 0;
    let vc = 0;
    for (let i = 0; i < indices.length; i++) {
      const x = values[i]!;
      vv += x * x;
      vc += x * centers[offset + indices[i]!]!;
    }
    return Math.max(0, vv - 2 * vc + centerNorm2);
  }
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    const d = v[j]! - centers[offset + j]!;
    sum += d * d;
  }
  return sum;
};
