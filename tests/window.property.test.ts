/**
 * Window operations against a reference model: straightforward implementations over
 * plain arrays of batches, fed the same random batch sequences (random keys including
 * tuple keys, empty and one-record batches, random window and slide multiples) as the
 * dstreams, compared batch by batch: the same output times, the same records (in any
 * order where Spark's order is not defined).
 */
import t from "tap";
import fc from "fast-check";
import {
  countByValueAndWindow,
  countByWindow,
  type DStream,
  groupByKeyAndWindow,
  Milliseconds,
  pipe,
  reduceByKeyAndWindow,
  reduceByWindow,
  window,
} from "../mod.ts";
import { batchesOf, runOperation, sorted } from "./_harness.ts";

type Key = string | readonly [string, number];
type Pair = readonly [Key, number];
type Batches<A> = ReadonlyArray<ReadonlyArray<A>>;
/** One output batch: its time in ms and its records. */
type Output<B> = readonly [number, ReadonlyArray<B>];

const RUNS = 60;

// -------------------------------------------------------------------------------------
// random input
// -------------------------------------------------------------------------------------

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.constantFrom("a", "b", "c", ""),
  fc.tuple(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 2 })).map(([s, n]): Key => [s, n]),
);


interface Shape {
  /** Batch interval in ms. */
  readonly batch: number;
  /** Window and slide, in batches. */
  readonly windowBatches: number;
  readonly slideBatches: number;
  readonly parallelism: number;
}

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    batch: fc.constantFrom(1000, 500),
    windowBatches: fc.integer({ min: 1, max: 5 }),
    slideFraction: fc.integer({ min: 1, max: 5 }),
    parallelism: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ batch, windowBatches, slideFraction, parallelism }) => ({
    batch,
    windowBatches,
    slideBatches: Math.min(slideFraction, windowBatches),
    parallelism,
  }));

const durations = (shape: Shape) => ({
  w: Milliseconds(shape.batch * shape.windowBatches),
  s: Milliseconds(shape.batch * shape.slideBatches),
});

/** Runs long enough for every record to leave the last window. */
const run = async <A, B>(input: Batches<A>, shape: Shape, op: (d: DStream<A>) => DStream<B>): Promise<Array<Output<B>>> => {
  const { outputs, terminationError } = await runOperation(input, op, {
    batch: Milliseconds(shape.batch),
    batches: input.length + shape.windowBatches + shape.slideBatches,
    parallelism: shape.parallelism,
  });
  if (terminationError !== undefined) throw terminationError;
  return outputs.map(([time, records]) => [time, records]);
};

// -------------------------------------------------------------------------------------
// the reference model
// -------------------------------------------------------------------------------------

interface ModelWindow<A> {
  readonly time: number;
  /** The batches in the window, oldest first. */
  readonly batches: Batches<A>;
  /** Every batch up to the window's end (for the inverse forms, whose keys never leave). */
  readonly seen: Batches<A>;
}

/** Spark's windows: at every multiple of the slide, the batches in (t − window, t]. */
const windowsOf = <A>(input: Batches<A>, shape: Shape): Array<ModelWindow<A>> => {
  const total = input.length + shape.windowBatches + shape.slideBatches;
  const batchAt = (k: number): ReadonlyArray<A> => input[k - 1] ?? [];
  const out: Array<ModelWindow<A>> = [];
  for (let k = shape.slideBatches; k <= total; k += shape.slideBatches) {
    const batches: Array<ReadonlyArray<A>> = [];
    for (let j = Math.max(1, k - shape.windowBatches + 1); j <= k; j++) batches.push(batchAt(j));
    const seen: Array<ReadonlyArray<A>> = [];
    for (let j = 1; j <= k; j++) seen.push(batchAt(j));
    out.push({ time: k * shape.batch, batches, seen });
  }
  return out;
};

const keyOf = (key: unknown): string => JSON.stringify(key);

/** Sums per key, keys in first-seen order. */
const sumsByKey = (records: ReadonlyArray<Pair>): Map<string, [Key, number]> => {
  const sums = new Map<string, [Key, number]>();
  for (const [k, v] of records) {
    const entry = sums.get(keyOf(k));
    if (entry === undefined) sums.set(keyOf(k), [k, v]);
    else entry[1] += v;
  }
  return sums;
};

const model = {
  window: <A>(input: Batches<A>, shape: Shape): Array<Output<A>> =>
    windowsOf(input, shape).map(({ time, batches }) => [time, batches.flat()]),

  /** Naive: every key with values in the window, summed. */
  reduceByKeyAndWindow: (input: Batches<Pair>, shape: Shape): Array<Output<Pair>> =>
    windowsOf(input, shape).map(({ time, batches }) => [time, [...sumsByKey(batches.flat()).values()]]),

  /** Inverse, no filter: every key seen so far stays, with its sum over the window (0 when none). */
  reduceByKeyAndWindowInverse: (input: Batches<Pair>, shape: Shape): Array<Output<Pair>> =>
    windowsOf(input, shape).map(({ time, batches, seen }) => {
      const inWindow = sumsByKey(batches.flat());
      const keys = sumsByKey(seen.flat());
      return [time, [...keys.values()].map(([k]): Pair => [k, inWindow.get(keyOf(k))?.[1] ?? 0])];
    }),

  countByWindow: <A>(input: Batches<A>, shape: Shape): Array<Output<number>> =>
    windowsOf(input, shape).map(({ time, batches, seen }) => [time, seen.flat().length === 0 ? [] : [batches.flat().length]]),

  reduceByWindow: (input: Batches<number>, shape: Shape): Array<Output<number>> =>
    windowsOf(input, shape).map(({ time, batches }) => {
      const records = batches.flat();
      return [time, records.length === 0 ? [] : [records.reduce((a, b) => a + b)]];
    }),

  reduceByWindowInverse: (input: Batches<number>, shape: Shape): Array<Output<number>> =>
    windowsOf(input, shape).map(({ time, batches, seen }) => [
      time,
      seen.flat().length === 0 ? [] : [batches.flat().reduce((a, b) => a + b, 0)],
    ]),

  countByValueAndWindow: (input: Batches<Key>, shape: Shape): Array<Output<readonly [Key, number]>> =>
    windowsOf(input, shape).map(({ time, batches }) => [time, [...sumsByKey(batches.flat().map((k): Pair => [k, 1])).values()]]),

  groupByKeyAndWindow: (input: Batches<Pair>, shape: Shape): Array<Output<readonly [Key, ReadonlyArray<number>]>> =>
    windowsOf(input, shape).map(({ time, batches }) => {
      const groups = new Map<string, [Key, number[]]>();
      for (const [k, v] of batches.flat()) {
        const group = groups.get(keyOf(k));
        if (group === undefined) groups.set(keyOf(k), [k, [v]]);
        else group[1].push(v);
      }
      return [time, [...groups.values()]];
    }),
};

/** Outputs with each batch's records in a canonical order (Spark's order is not defined for keyed results). */
const canonical = <B>(outputs: ReadonlyArray<Output<B>>): Array<readonly [number, B[]]> =>
  outputs.map(([time, records]) => [time, sorted(records)]);

/** Group values sorted too: their order across partitions is not defined in Spark. */
const canonicalGroups = (outputs: ReadonlyArray<Output<readonly [Key, ReadonlyArray<number>]>>) =>
  canonical(outputs.map(([time, records]) => [time, records.map(([k, vs]) => [k, [...vs].sort((a, b) => a - b)] as const)] as const));

const add = (a: number, b: number) => a + b;
const subtract = (a: number, b: number) => a - b;

// -------------------------------------------------------------------------------------
// properties
// -------------------------------------------------------------------------------------

/** Resolves when every random input agrees with the model; rejects with the first counterexample. */
const check = <A>(
  input: fc.Arbitrary<Array<Array<A>>>,
  property: (batches: Batches<A>, shape: Shape) => Promise<boolean>,
): Promise<void> => fc.assert(fc.asyncProperty(input, shapeArb, property), { numRuns: RUNS });

const agrees = `${RUNS} random batch sequences agree with the model`;

const same = (actual: unknown, expected: unknown): boolean => {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`dstreams: ${a}\nmodel:    ${b}`);
  return true;
};

const pairArb = fc.tuple(keyArb, fc.integer({ min: -5, max: 5 })).map(([k, v]): Pair => [k, v]);
const positivePairArb = fc.tuple(keyArb, fc.integer({ min: 1, max: 5 })).map(([k, v]): Pair => [k, v]);

t.test("window matches the model: the concatenation of the window's batches, in time order", async (t) => {
  await t.resolves(check(batchesOf(fc.integer({ min: 0, max: 99 })), async (input, shape) => {
    const { w, s } = durations(shape);
    return same(await run(input, shape, (d) => pipe(d, window(w, s))), model.window(input, shape));
  }), agrees);
});

t.test("reduceByKeyAndWindow without an inverse matches the model (tuple keys by value)", async (t) => {
  await t.resolves(check(batchesOf(pairArb), async (input, shape) => {
    const { w, s } = durations(shape);
    const actual = await run(input, shape, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, w, s)));
    return same(canonical(actual), canonical(model.reduceByKeyAndWindow(input, shape)));
  }), agrees);
});

t.test("reduceByKeyAndWindow with an inverse matches the model: keys stay at 0 once seen", async (t) => {
  await t.resolves(check(batchesOf(pairArb), async (input, shape) => {
    const { w, s } = durations(shape);
    const n = shape.parallelism + 1;
    const actual = await run(input, shape, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, subtract, w, s, n)));
    return same(canonical(actual), canonical(model.reduceByKeyAndWindowInverse(input, shape)));
  }), agrees);
});

t.test("reduceByKeyAndWindow with an inverse and a filter equals the naive form (positive values)", async (t) => {
  await t.resolves(check(batchesOf(positivePairArb), async (input, shape) => {
    const { w, s } = durations(shape);
    const actual = await run(
      input,
      shape,
      (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, subtract, w, s, undefined, ([, v]) => v !== 0)),
    );
    return same(canonical(actual), canonical(model.reduceByKeyAndWindow(input, shape)));
  }), agrees);
});

t.test("countByWindow matches the model: nothing before any data, 0 after it left", async (t) => {
  await t.resolves(check(batchesOf(keyArb), async (input, shape) => {
    const { w, s } = durations(shape);
    return same(await run(input, shape, (d) => pipe(d, countByWindow(w, s))), model.countByWindow(input, shape));
  }), agrees);
});

t.test("reduceByWindow, with and without an inverse, matches the model", async (t) => {
  await t.resolves(check(batchesOf(fc.integer({ min: -9, max: 9 })), async (input, shape) => {
    const { w, s } = durations(shape);
    same(await run(input, shape, (d: DStream<number>) => pipe(d, reduceByWindow(add, w, s))), model.reduceByWindow(input, shape));
    return same(
      await run(input, shape, (d: DStream<number>) => pipe(d, reduceByWindow(add, subtract, w, s))),
      model.reduceByWindowInverse(input, shape),
    );
  }), agrees);
});

t.test("countByValueAndWindow matches the model: records counted by value, zero counts removed", async (t) => {
  await t.resolves(check(batchesOf(keyArb), async (input, shape) => {
    const { w, s } = durations(shape);
    const actual = await run(input, shape, (d) => pipe(d, countByValueAndWindow(w, s)));
    return same(canonical(actual), canonical(model.countByValueAndWindow(input, shape)));
  }), agrees);
});

t.test("groupByKeyAndWindow matches the model", async (t) => {
  await t.resolves(check(batchesOf(pairArb), async (input, shape) => {
    const { w, s } = durations(shape);
    const actual = await run(input, shape, (d: DStream<Pair>) => pipe(d, groupByKeyAndWindow(w, s)));
    return same(canonicalGroups(actual), canonicalGroups(model.groupByKeyAndWindow(input, shape)));
  }), agrees);
});
