/**
 * The inverse window's table, updated in place by each slide: its output order (the
 * table's order, which Spark leaves to the implementation and dstreams keeps stable),
 * an earlier window read after later slides, and a slide retried after a user function
 * threw midway (the table is put back as it was).
 */
import t from "tap";
import fc from "fast-check";
import {
  countByValueAndWindow,
  type DStream,
  foreachRDD,
  ManualClock,
  map,
  Milliseconds,
  pipe,
  reduceByKey,
  reduceByKeyAndWindow,
  Seconds,
  SparkContext,
  StreamingContext,
  transform,
  window,
} from "../mod.ts";
import { batchesOf, runOperation } from "./_harness.ts";

type Key = string | readonly [string, number];
type Pair = readonly [Key, number];
type Batches<A> = ReadonlyArray<ReadonlyArray<A>>;
type Output<B> = readonly [number, ReadonlyArray<B>];

const add = (a: number, b: number) => a + b;
const subtract = (a: number, b: number) => a - b;
const keyOf = (key: unknown): string => JSON.stringify(key);

// -------------------------------------------------------------------------------------
// the order model
// -------------------------------------------------------------------------------------

/**
 * The inverse window as a table in insertion order, slide by slide: the batches that
 * left are merged (in time order, keys in first-seen order) and subtracted from the keys
 * present; those that entered are merged and added, a new key last; the filter runs on
 * the keys changed (left's first), and a key it drops comes last when it returns.
 * `reduced` is each batch's `reduceByKey` output, whose order places new keys.
 */
const orderModel = (
  reduced: ReadonlyMap<number, ReadonlyArray<Pair>>,
  batchMs: number,
  windowMs: number,
  slideMs: number,
  lastMs: number,
  keep?: (kv: Pair) => boolean,
): Array<Output<Pair>> => {
  const merged = (from: number, to: number): Map<string, [Key, number]> => {
    const out = new Map<string, [Key, number]>();
    for (let t = Math.max(from, batchMs); t <= to; t += batchMs) {
      for (const [k, v] of reduced.get(t) ?? []) {
        const entry = out.get(keyOf(k));
        if (entry === undefined) out.set(keyOf(k), [k, v]);
        else entry[1] = add(entry[1], v);
      }
    }
    return out;
  };
  const table = new Map<string, [Key, number]>();
  const outputs: Array<Output<Pair>> = [];
  for (let t = slideMs; t <= lastMs; t += slideMs) {
    const previous = t - slideMs;
    const left = merged(previous - windowMs + batchMs, Math.min(previous, t - windowMs));
    const entered = merged(Math.max(previous, t - windowMs) + batchMs, t);
    const changed: string[] = [];
    for (const [id, [, v]] of left) {
      const entry = table.get(id);
      if (entry === undefined) continue;
      table.set(id, [entry[0], subtract(entry[1], v)]);
      changed.push(id);
    }
    for (const [id, [k, v]] of entered) {
      const entry = table.get(id);
      table.set(id, entry === undefined ? [k, v] : [entry[0], add(entry[1], v)]);
      if (!changed.includes(id)) changed.push(id);
    }
    if (keep !== undefined) for (const id of changed.filter((id) => !keep(table.get(id)!))) table.delete(id);
    outputs.push([t, [...table.values()]]);
  }
  return outputs;
};

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.constantFrom("a", "b", "c", "d", "e", ""),
  fc.tuple(fc.constantFrom("a", "b"), fc.integer({ min: 0, max: 2 })).map(([s, n]): Key => [s, n]),
);
const pairArb = fc.tuple(keyArb, fc.integer({ min: 1, max: 3 })).map(([k, v]): Pair => [k, v]);
const shapeArb = fc.record({
  windowBatches: fc.integer({ min: 1, max: 4 }),
  slideBatches: fc.integer({ min: 1, max: 3 }),
  parallelism: fc.integer({ min: 1, max: 3 }),
});

const same = (actual: unknown, expected: unknown): boolean => {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`dstreams: ${a}\nmodel:    ${b}`);
  return true;
};

/** Runs `op` over `input` for long enough that every record leaves the window. */
const outputs = async <A, B>(input: Batches<A>, batches: number, parallelism: number, op: (d: DStream<A>) => DStream<B>) => {
  const { outputs, terminationError } = await runOperation(input, op, { batch: Milliseconds(1000), batches, parallelism });
  if (terminationError !== undefined) throw terminationError;
  return outputs;
};

t.test("reduceByKeyAndWindow with an inverse keeps its table's order exactly, with and without a filter", async (t) => {
  await t.resolves(fc.assert(fc.asyncProperty(batchesOf(pairArb), shapeArb, fc.boolean(), async (input, shape, filtered) => {
    const { windowBatches, parallelism } = shape;
    // A slide longer than the window is allowed: the batches between two windows belong to none.
    const slideBatches = shape.slideBatches;
    const n = parallelism + 1;
    const batches = Math.ceil((input.length + windowBatches + slideBatches) / slideBatches) * slideBatches;
    const reduced = new Map(await outputs(input, batches, parallelism, (d: DStream<Pair>) => pipe(d, reduceByKey(add, n))));
    const keep = filtered ? ([, v]: Pair) => v !== 0 : undefined;
    const w = Milliseconds(1000 * windowBatches);
    const s = Milliseconds(1000 * slideBatches);
    const actual = await outputs(input, batches, parallelism, (d: DStream<Pair>) =>
      keep === undefined
        ? pipe(d, reduceByKeyAndWindow(add, subtract, w, s, n))
        : pipe(d, reduceByKeyAndWindow(add, subtract, w, s, n, keep)));
    return same(actual, orderModel(reduced, 1000, w.milliseconds, s.milliseconds, batches * 1000, keep));
  }), { numRuns: 80 }));
});

t.test("countByValueAndWindow keeps its table's order: a value counted again after leaving comes last", async (t) => {
  const input = [["x", "y"], ["z"], ["y"], ["x"]];
  const actual = await outputs(input, 6, 1, (d: DStream<string>) => pipe(d, countByValueAndWindow(Seconds(2), Seconds(1), 1)));
  t.strictSame(actual, [
    [1000, [["x", 1], ["y", 1]]],
    [2000, [["x", 1], ["y", 1], ["z", 1]]],
    [3000, [["y", 1], ["z", 1]]],
    [4000, [["y", 1], ["x", 1]]],
    [5000, [["x", 1]]],
    [6000, []],
  ]);
});

// -------------------------------------------------------------------------------------
// windows read late, slides retried
// -------------------------------------------------------------------------------------

t.test("an inverse window's output read after later slides still holds its own window", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "late-read", logLevel: "ERROR" }), Seconds(1), { clock });
  const input: Array<Array<readonly [string, number]>> = [[["a", 1]], [["a", 2], ["b", 1]], [["b", 5]], [["a", 1]], [], []];
  const events: string[] = [];
  const seen: Array<Output<readonly [string, number]>> = [];
  pipe(
    ssc.queueStream(input),
    reduceByKeyAndWindow(add, subtract, Seconds(2), Seconds(1), 1, ([, n]: readonly [string, number]) => n !== 0),
    transform((rdd, time) => {
      events.push(`made ${time.milliseconds}`);
      return rdd;
    }),
    foreachRDD(async (rdd, time) => {
      // Reads the window after the next batches were generated (their slides made).
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`read ${time.milliseconds}`);
      seen.push([time.milliseconds, rdd.collect()]);
    }),
  );
  ssc.start();
  await clock.advance(Seconds(6));
  await ssc.stop();
  t.ok(events.indexOf("made 2000") < events.indexOf("read 1000"), `a later slide ran before an earlier window was read: ${events.join(", ")}`);
  t.strictSame(seen, [
    [1000, [["a", 1]]],
    [2000, [["a", 3], ["b", 1]]],
    [3000, [["a", 2], ["b", 6]]],
    [4000, [["a", 1], ["b", 5]]],
    [5000, [["a", 1]]],
    [6000, []],
  ]);
});

/** The window of 2 batches over an inverse window (whose reduce or filter throws once at 3 s), per output time. */
const retried = async (throwIn: "reduce" | "filter" | "none") => {
  const clock = new ManualClock();
  const log: string[] = [];
  const ssc = new StreamingContext(new SparkContext({ appName: "retry", logLevel: "ERROR", log: (line) => log.push(line) }), Seconds(1), { clock });
  const input = [[["a", 1], ["b", 1]], [["a", 2]], [["a", 4], ["c", 1]], [["b", 8]], [["a", 16]], []];
  let armed = throwIn !== "none";
  const reduce = (a: number, b: number) => {
    if (armed && throwIn === "reduce" && b === 4) {
      armed = false;
      throw new Error("once");
    }
    return a + b;
  };
  const keep = ([k, n]: readonly [string, number]) => {
    if (armed && throwIn === "filter" && k === "c") {
      armed = false;
      throw new Error("once");
    }
    return n !== 0;
  };
  const seen: Array<Output<readonly [string, number]>> = [];
  pipe(
    ssc.queueStream(input.map((batch) => batch.map(([k, v]) => [k, v] as readonly [string, number]))),
    map((kv: readonly [string, number]) => kv),
    reduceByKeyAndWindow(reduce, subtract, Seconds(2), Seconds(1), 1, keep),
    window(Seconds(2), Seconds(1)),
    foreachRDD((rdd, time) => void seen.push([time.milliseconds, rdd.collect()])),
  );
  ssc.start();
  await clock.advance(Seconds(6));
  await ssc.stop();
  return { seen, log };
};

t.test("a slide whose user function threw is undone: made again (by a later window), it starts from the same table", async (t) => {
  const expected = (await retried("none")).seen;
  for (const where of ["reduce", "filter"] as const) {
    const { seen, log } = await retried(where);
    t.match(log.join("\n"), /Error generating jobs for time 3000 ms/, `the ${where} function failed the batch at 3 s`);
    // The batch at 3 s failed; at 4 s the outer window made the inner window at 3 s again.
    t.strictSame(seen, expected.filter(([time]) => time !== 3000), `with a throwing ${where} function, every other batch as without`);
  }
});
