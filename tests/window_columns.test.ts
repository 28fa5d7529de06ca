/**
 * The windows without an inverse read their batches' results held flat, by key id
 * (lib/dstream/_window_keyed.ts). Whatever the order windows are made in (a `slice` makes
 * an earlier one after later ones), after the key table started again (many keys came and
 * left), with batches put back by recovery (plain RDDs of pairs), and after a user
 * function threw, each window equals the plain form: the union of its batches, reduced
 * (`reduceByKey`) or combined (`combineByKey`, values in time order) by the RDD steps —
 * same values, keys and order. And a pipeline that recovers from a checkpoint gives, batch
 * by batch, the run without the crash.
 */
import t from "tap";
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  foreachRDD,
  groupByKeyAndWindow,
  ManualClock,
  map,
  pipe,
  RDD,
  reduceByKeyAndWindow,
  Seconds,
  SparkContext,
  StreamingContext,
} from "../mod.ts";
import {
  groupBatchIntoColumns,
  groupWindowFromColumns,
  recordWindowBatches,
  reduceBatchIntoColumns,
  reduceWindowByKey,
  WindowKeyIds,
} from "../lib/dstream/_window_keyed.ts";
import { UserFunctionError } from "../lib/rdd/user_function_error.ts";
import { ScriptedInput } from "./_scripted_input.ts";

type Key = string | number | readonly [string, number];
type Pair = readonly [Key, number];

/** A reduce function that is not commutative, so any change in the merge order shows. */
const concatenated = (a: number, b: number) => a * 7 + b;

/**
 * Batches whose keys drift: batch b draws most keys from its own range, so that over 15
 * batches some 3,000 keys come and leave a window of a few batches (the key table then
 * starts again), and a few from a small shared set (keys in every window, some of them
 * with equal hash codes).
 */
const drifting = (b: number): fc.Arbitrary<Key> =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 299 }).map((i): Key => (i % 3 === 0 ? 300 * b + i : `k${300 * b + i}`)), weight: 4 },
    // Java hash codes collide for "Aa" and "BB", "AaAa" and "BBBB", 0 and "": ties in the layout's sort.
    { arbitrary: fc.constantFrom<Key>("a", "b", 0, -1, "", "Aa", "BB", "AaAa", "BBBB", "AaBB", ["a", 1], ["b", 2]), weight: 1 },
  );

const batchArb = (b: number): fc.Arbitrary<Pair[]> =>
  fc.array(fc.tuple(drifting(b), fc.integer({ min: -5, max: 5 })).map(([k, v]): Pair => [k, v]), { minLength: 100, maxLength: 300, size: "max" });

/** Mostly 15 batches: enough keys for the key table to start again. */
const batchCountArb = fc.oneof({ arbitrary: fc.constant(15), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 14 }), weight: 1 });

const inputArb = batchCountArb.chain((batches) =>
  fc.record({
    batches: fc.tuple(...Array.from({ length: batches }, (_, b) => batchArb(b))),
    /** Input partitions of each batch, and the result's partitions. */
    inputPartitions: fc.integer({ min: 1, max: 3 }),
    partitions: fc.integer({ min: 1, max: 4 }),
    windowBatches: fc.integer({ min: 1, max: 4 }),
    /** The order the windows are made in (a permutation, earlier windows after later ones). */
    order: fc.shuffledSubarray(Array.from({ length: batches }, (_, i) => i), { minLength: batches, maxLength: batches }),
    /** Batches put back as plain RDDs of their pairs, as recovery does. */
    recovered: fc.array(fc.boolean(), { minLength: batches, maxLength: batches }),
  })
);

/** `records` split into `n` contiguous partitions. */
const split = <A>(records: ReadonlyArray<A>, n: number): RDD<A> => RDD.fromArray(records, n);

const same = (actual: unknown, expected: unknown): boolean => {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`columns: ${a}\nplain form: ${b}`);
  return true;
};

/** How many random runs saw the key table start again (at least one must). */
const restarts = { reduce: 0, group: 0 };

t.test("reduceByKeyAndWindow without an inverse, over columns, equals the union of its batches reduced: any window order, the key table started again, recovered batches", async (t) => {
  fc.assert(fc.property(inputArb, (input) => {
    const n = input.partitions;
    const keyIds = new WindowKeyIds<Key>();
    const batches = input.batches.map((records, b) => {
      const reduced = reduceBatchIntoColumns(split(records, input.inputPartitions), concatenated, n, "test", keyIds);
      same(reduced.collectPartitions(), split(records, input.inputPartitions).reduceByKey(concatenated, n).collectPartitions());
      return input.recovered[b] ? RDD.fromPartitions(reduced.collectPartitions()) : reduced;
    });
    for (const end of input.order) {
      const inWindow = batches.slice(Math.max(0, end - input.windowBatches + 1), end + 1);
      const union = RDD.union(inWindow);
      recordWindowBatches(union, inWindow);
      same(reduceWindowByKey(union, concatenated, n, "test", keyIds).collectPartitions(), RDD.union(inWindow).reduceByKey(concatenated, n).collectPartitions());
    }
    if (keyIds.generation > 0) restarts.reduce++;
    return true;
  }), { numRuns: 40 });
  t.pass("40 random batch sequences agree with the plain form");
  t.ok(restarts.reduce > 0, `the key table started again in ${restarts.reduce} of them`);
});

t.test("groupByKeyAndWindow, over columns, equals the union of its batches' groups combined: values in time order, any window order, the key table started again, recovered batches", async (t) => {
  fc.assert(fc.property(inputArb, (input) => {
    const n = input.partitions;
    const keyIds = new WindowKeyIds<Key>();
    const batches = input.batches.map((records, b) => {
      const grouped = groupBatchIntoColumns(split(records, input.inputPartitions), n, keyIds);
      same(grouped.collectPartitions(), split(records, input.inputPartitions).groupByKey(n).collectPartitions());
      return input.recovered[b] ? RDD.fromPartitions(grouped.collectPartitions()) : grouped;
    });
    for (const end of input.order) {
      const inWindow = batches.slice(Math.max(0, end - input.windowBatches + 1), end + 1);
      const union = RDD.union(inWindow);
      recordWindowBatches(union, inWindow);
      const plain = RDD.union(inWindow).combineByKey(
        (vs: ReadonlyArray<number>) => [...vs],
        (buffer: number[], vs: ReadonlyArray<number>) => {
          buffer.push(...vs);
          return buffer;
        },
        (a: number[], b: number[]) => a.concat(b),
        n,
      );
      same(groupWindowFromColumns(union, n, keyIds).collectPartitions(), plain.collectPartitions());
    }
    if (keyIds.generation > 0) restarts.group++;
    return true;
  }), { numRuns: 40 });
  t.pass("40 random batch sequences agree with the plain form");
  t.ok(restarts.group > 0, `the key table started again in ${restarts.group} of them`);
});

t.test("a reduce function that throws in a window's reduce fails that window with a UserFunctionError naming the step; the next window is right", async (t) => {
  const keyIds = new WindowKeyIds<string>();
  let throwing = true;
  const f = (a: number, b: number): number => {
    if (throwing && b === 99) throw new Error("no 99s");
    return a + b;
  };
  const input: Array<Array<readonly [string, number]>> = [[["x", 1], ["y", 2]], [["x", 99], ["z", 3]], [["y", 4], ["x", 5]]];
  const batches = input.map((records) => reduceBatchIntoColumns(RDD.fromArray(records), f, 2, "counts", keyIds));
  const windowOf = (from: number, to: number) => {
    const inWindow = batches.slice(from, to);
    const union = RDD.union(inWindow);
    recordWindowBatches(union, inWindow);
    return reduceWindowByKey(union, f, 2, "counts", keyIds);
  };
  let thrown: unknown;
  try {
    windowOf(0, 2).collect();
  } catch (error) {
    thrown = error;
  }
  t.ok(thrown instanceof UserFunctionError, "a UserFunctionError");
  t.match((thrown as Error).message, /^counts failed: .*no 99s/, "naming the step and what the function threw");
  throwing = false;
  t.same(new Map(windowOf(0, 3).collect()), new Map([["x", 105], ["y", 6], ["z", 3]]), "the window of all three batches, after the failure");
  t.same(new Map(windowOf(1, 3).collect()), new Map([["x", 104], ["z", 3], ["y", 4]]), "the window of the last two");
});

// -------------------------------------------------------------------------------------
// recovery
// -------------------------------------------------------------------------------------

type Outputs = Array<readonly [number, ReadonlyArray<unknown>]>;

const SCRIPT: ReadonlyArray<ReadonlyArray<string>> = [
  ["a b", "a"], ["b c"], [], ["a a a"], ["c"], ["b", "d"], ["a"], [], ["d d"], ["a b c d"], ["b"], ["c c"],
];

type Build = (ssc: StreamingContext, out: Outputs) => void;

const pairsOf = (ssc: StreamingContext) =>
  pipe(
    new ScriptedInput(ssc, "words", SCRIPT),
    map((line: string) => line.split(" ")),
    map((words: string[]) => [words[0]!, words.length] as const),
  );

const collectInto = (out: Outputs) => foreachRDD((rdd: { collect(): ReadonlyArray<unknown> }, time) => void out.push([time.milliseconds, rdd.collect()]));

const quiet = () => new SparkContext({ appName: "window-columns", defaultParallelism: 2, log: () => {} });

const reference = async (build: Build, batches: number): Promise<Outputs> => {
  const out: Outputs = [];
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
  build(ssc, out);
  ssc.start();
  await clock.advance(Seconds(batches));
  await ssc.stop();
  return out;
};

/** Runs `build` with checkpoints, stops after `crashAfter` batches (the directory as a crash leaves it), recovers and runs on. */
const withCrash = async (build: Build, batches: number, crashAfter: number): Promise<Outputs> => {
  const directory = await mkdtemp(join(tmpdir(), "dstreams-window-columns-"));
  try {
    const out: Outputs = [];
    const factory = (clock: ManualClock) => () => {
      const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
      ssc.checkpoint(directory);
      build(ssc, out);
      return ssc;
    };
    const clock1 = new ManualClock(0);
    const first = await StreamingContext.getOrCreate(directory, factory(clock1));
    first.start();
    await clock1.advance(Seconds(crashAfter));
    await first.stop();
    const clock2 = new ManualClock(crashAfter * 1000);
    const second = await StreamingContext.getOrCreate(directory, factory(clock2));
    second.start();
    await clock2.advance(Seconds(batches - crashAfter));
    await second.stop();
    return out;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};

const cases: ReadonlyArray<readonly [string, Build]> = [
  ["reduceByKeyAndWindow without an inverse", (ssc, out) => void pipe(pairsOf(ssc), reduceByKeyAndWindow(concatenated, Seconds(4), Seconds(2)), collectInto(out))],
  ["groupByKeyAndWindow", (ssc, out) => void pipe(pairsOf(ssc), groupByKeyAndWindow(Seconds(3), Seconds(1), 3), collectInto(out))],
];

for (const [name, build] of cases) {
  t.test(`recovery with ${name} gives, batch by batch, the run without the crash`, async (t) => {
    const expected = await reference(build, SCRIPT.length);
    for (const crashAfter of [2, 5, 9]) t.same(await withCrash(build, SCRIPT.length, crashAfter), expected, `crash after batch ${crashAfter}`);
  });
}
