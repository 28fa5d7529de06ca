/**
 * The window steps without an inverse give exactly what Spark's forms of them give,
 * order included: `reduceByKeyAndWindow(f, w, s, n)` is `reduceByKey(f, n).window(w, s)
 * .reduceByKey(f, n)` and `groupByKeyAndWindow(w, s, n)` is `groupByKey(n).window(w, s)
 * .combineByKey(toBuffer, ++=, ++=, n)`, here written with the RDD steps themselves.
 * (The per-batch results under the window are not marked hash-partitioned — a window of
 * one batch is combined as a union of several is, through the shuffle's layout — so the
 * forms here drop the mark with a `map`; Spark's `PartitionerAwareUnionRDD` would keep it.)
 */
import t from "tap";
import fc from "fast-check";
import {
  type DStream,
  groupByKey,
  groupByKeyAndWindow,
  map,
  Milliseconds,
  pipe,
  reduceByKey,
  reduceByKeyAndWindow,
  transform,
  window,
} from "../mod.ts";
import { batchesOf, runOperation } from "./_harness.ts";

type Key = string | number | readonly [string, number];
type Pair = readonly [Key, number];
type Batches<A> = ReadonlyArray<ReadonlyArray<A>>;

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.constantFrom("a", "b", "c", "d", "e", "f", "g", ""),
  fc.integer({ min: -3, max: 3 }),
  fc.tuple(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 2 })).map(([s, n]): Key => [s, n]),
);
const pairArb = fc.tuple(keyArb, fc.integer({ min: -5, max: 5 })).map(([k, v]): Pair => [k, v]);
/** Many keys per batch, so that keys share hash-table slots and the layout's every rule shows. */
const manyKeysArb: fc.Arbitrary<Key> = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }).map((n) => `k${n}`));
const inputArb = fc.oneof(
  batchesOf(pairArb),
  fc.array(fc.array(fc.tuple(manyKeysArb, fc.integer({ min: -5, max: 5 })).map(([k, v]): Pair => [k, v]), { maxLength: 60 }), { maxLength: 8 }),
);
const shapeArb = fc.record({
  windowBatches: fc.integer({ min: 1, max: 6 }),
  slideBatches: fc.integer({ min: 1, max: 3 }),
  parallelism: fc.integer({ min: 1, max: 3 }),
  partitions: fc.integer({ min: 1, max: 4 }),
  /** Whether the stream is hash-partitioned into the result's partitions already (no shuffle then). */
  prepartitioned: fc.boolean(),
});

/** A reduce function that is not commutative, so any change in the merge order shows. */
const concatenated = (a: number, b: number) => a * 7 + b;

const outputsOf = async <B>(input: Batches<Pair>, batches: number, parallelism: number, op: (d: DStream<Pair>) => DStream<B>) => {
  const { outputs, terminationError } = await runOperation(input, op, { batch: Milliseconds(1000), batches, parallelism });
  if (terminationError !== undefined) throw terminationError;
  return JSON.stringify(outputs);
};

const same = (actual: string, expected: string): boolean => {
  if (actual !== expected) throw new Error(`dstreams: ${actual}\nSpark's form: ${expected}`);
  return true;
};

t.test("reduceByKeyAndWindow without an inverse equals reduceByKey.window.reduceByKey: values, keys and order", async (t) => {
  await t.resolves(fc.assert(fc.asyncProperty(inputArb, shapeArb, async (input, shape) => {
    const w = Milliseconds(1000 * shape.windowBatches);
    const s = Milliseconds(1000 * Math.min(shape.slideBatches, shape.windowBatches));
    const n = shape.partitions;
    const batches = input.length + shape.windowBatches + shape.slideBatches;
    const from = (d: DStream<Pair>) => shape.prepartitioned ? pipe(d, transform((rdd) => rdd.partitionBy(n))) : d;
    const actual = await outputsOf(input, batches, shape.parallelism, (d) => pipe(from(d), reduceByKeyAndWindow(concatenated, w, s, n)));
    const spark = await outputsOf(input, batches, shape.parallelism, (d) =>
      pipe(from(d), reduceByKey(concatenated, n), map((kv: Pair) => kv), window(w, s), transform((rdd) => rdd.reduceByKey(concatenated, n))));
    return same(actual, spark);
  }), { numRuns: 80 }));
});

t.test("groupByKeyAndWindow equals groupByKey.window.combineByKey: values in time order, keys and order", async (t) => {
  await t.resolves(fc.assert(fc.asyncProperty(inputArb, shapeArb, async (input, shape) => {
    const w = Milliseconds(1000 * shape.windowBatches);
    const s = Milliseconds(1000 * shape.slideBatches);
    const n = shape.partitions;
    const batches = input.length + shape.windowBatches + shape.slideBatches;
    const actual = await outputsOf(input, batches, shape.parallelism, (d) => pipe(d, groupByKeyAndWindow(w, s, n)));
    const spark = await outputsOf(input, batches, shape.parallelism, (d) =>
      pipe(
        d,
        groupByKey(n),
        map((kv: readonly [Key, ReadonlyArray<number>]) => kv),
        window(w, s),
        transform((rdd) =>
          rdd.combineByKey(
            (vs: ReadonlyArray<number>) => [...vs],
            (buffer: number[], vs: ReadonlyArray<number>) => {
              buffer.push(...vs);
              return buffer;
            },
            (a: number[], b: number[]) => a.concat(b),
            n,
          )
        ),
      ));
    return same(actual, spark);
  }), { numRuns: 80 }));
});
