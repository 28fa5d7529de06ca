/**
 * What a Spark program calls on the context and on a stream besides the combinators:
 * `ssc.union`, `ssc.transform`, `awaitTermination(timeout)`,
 * `awaitTerminationOrTimeout(Duration)`, `cache()`/`persist()`; `transform` over a
 * parent without an RDD, and a `transform` that throws; `reduceByKeyAndWindow`'s
 * PySpark `invFunc=None` and options forms against the positional ones.
 */
import t from "tap";
import {
  BatchError,
  type DStream,
  foreachRDD,
  map,
  Milliseconds,
  pipe,
  RDD,
  reduceByKeyAndWindow,
  Seconds,
  type Time,
  transform,
} from "../mod.ts";
import { DStreamNode, nodeOf } from "../spi.ts";
import { testContext } from "./_contexts.ts";
import { outputsOf, sorted } from "./_harness.ts";

/** Collects every batch's records of `stream`, with the batch time. */
const collect = <A>(stream: DStream<A>): Array<readonly [number, A[]]> => {
  const seen: Array<readonly [number, A[]]> = [];
  foreachRDD(stream, (rdd, time) => void seen.push([time.milliseconds, rdd.collect()]));
  return seen;
};

// -------------------------------------------------------------------------------------
// transform
// -------------------------------------------------------------------------------------

/** A stream with an RDD only every other batch: what a parent without an RDD looks like. */
class EveryOtherBatch<A> extends DStreamNode<A> {
  readonly #parent: DStreamNode<A>;
  constructor(parent: DStreamNode<A>) {
    super(parent.context, "everyOtherBatch", [parent as DStreamNode<unknown>], parent.slideDuration);
    this.#parent = parent;
  }
  protected override compute(time: Time): RDD<A> | undefined {
    return (time.milliseconds / 1000) % 2 === 0 ? this.#parent.getOrCompute(time) : undefined;
  }
}

t.test("transform over a parent that produced no RDD fails the batch, as Spark's TransformedDStream does", async (t) => {
  const { ssc, clock, log } = testContext();
  const gappy = new EveryOtherBatch(nodeOf(ssc.queueStream([[1], [2], [3]]), "test"));
  const mapped = collect(pipe(gappy, map((n: number) => n * 10)));
  const transformed = collect(pipe(gappy, transform((rdd: RDD<number>) => rdd.map((n) => n + 1))));
  const failure = ssc.awaitTermination().then(() => undefined, (error: unknown) => error);
  ssc.start();
  await clock.advance(Seconds(3));
  await ssc.stop();
  const error = await failure;
  t.ok(error instanceof BatchError, "awaitTermination rejects with a BatchError");
  t.match((error as Error).message, /^Error generating jobs for time 1000 ms: Error: transform-\d+ couldn't generate RDD from parent everyOtherBatch-\d+ at time 1000 ms/);
  t.same(transformed, [[2000, [3]]], "the batches whose parent has an RDD still run");
  t.same(mapped, [[2000, [20]]], "a map over the same parent just has no RDD at those times");
  t.ok(log.some((line) => /couldn't generate RDD from parent/.test(line)), "the failure is logged");
});

t.test("an error thrown inside transform reaches awaitTermination as a BatchError naming the operation", async (t) => {
  const { ssc, clock } = testContext();
  const boom = new RangeError("boom");
  pipe(
    ssc.queueStream([[1]]),
    transform((): RDD<number> => {
      throw boom;
    }),
    foreachRDD(() => {}),
  );
  const failure = ssc.awaitTermination().then(() => undefined, (error: unknown) => error);
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  const error = await failure;
  t.ok(error instanceof BatchError);
  t.match((error as Error).message, /^Error generating jobs for time 1000 ms: transform-\d+ failed: RangeError: boom/);
});

t.test(
  "an error thrown inside transform is the BatchError's cause, one level down",
  async (t) => {
    const { ssc, clock } = testContext();
    const boom = new RangeError("boom");
    pipe(
      ssc.queueStream([[1]]),
      transform((): RDD<number> => {
        throw boom;
      }),
      foreachRDD(() => {}),
    );
    const failure = ssc.awaitTermination().then(() => undefined, (error: unknown) => error);
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
    const error = await failure;
    t.ok(error instanceof BatchError && error.cause === boom, "BatchError.cause is the user's own error");
  },
);

// -------------------------------------------------------------------------------------
// the context's union and transform
// -------------------------------------------------------------------------------------

t.test("ssc.union(streams): every stream's records, batch by batch (Spark's StreamingContext.union)", async (t) => {
  const { ssc, clock } = testContext();
  const seen = collect(ssc.union([ssc.queueStream([[1], [2]]), ssc.queueStream([[10], []]), ssc.queueStream([[100], [200]])]));
  ssc.start();
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(seen.map(([time, records]) => [time, sorted(records)]), [[1000, [1, 10, 100]], [2000, [2, 200]]]);
  t.throws(() => ssc.union([]), /union/, "an empty list is refused");
});

t.test("ssc.transform(streams, (rdds, time) => rdd): one RDD from every stream's RDD of the batch", async (t) => {
  const { ssc, clock } = testContext();
  const words = ssc.queueStream([["a", "b"], ["c"]]);
  const numbers = ssc.queueStream([[1], [2, 3]]);
  const seen = collect(ssc.transform([words, numbers], (rdds, time) => {
    const [w, n] = rdds as [RDD<string>, RDD<number>];
    return RDD.fromArray([`${time.milliseconds}: ${w.count()} words, ${n.count()} numbers`]);
  }));
  ssc.start();
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(seen, [[1000, ["1000: 2 words, 1 numbers"]], [2000, ["2000: 1 words, 2 numbers"]]]);
});

// -------------------------------------------------------------------------------------
// awaiting termination with a timeout
// -------------------------------------------------------------------------------------

t.test("awaitTermination(timeout) returns after the timeout when the context keeps running (PySpark's form)", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), foreachRDD(() => {}));
  ssc.start();
  t.equal(await ssc.awaitTermination(Milliseconds(5)), undefined, "a Duration");
  t.equal(await ssc.awaitTermination(5), undefined, "milliseconds");
  t.equal(ssc.getState(), "ACTIVE", "the context is still running");
  const stopped = ssc.awaitTermination(Seconds(60));
  await ssc.stop();
  t.equal(await stopped, undefined, "resolves on stop, before the timeout");
});

t.test("awaitTerminationOrTimeout takes a Duration as well as milliseconds", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), foreachRDD(() => {}));
  ssc.start();
  t.equal(await ssc.awaitTerminationOrTimeout(Milliseconds(5)), false, "false when still running");
  const waiting = ssc.awaitTerminationOrTimeout(Seconds(60));
  await ssc.stop();
  t.equal(await waiting, true, "true once stopped");
  t.throws(() => ssc.awaitTerminationOrTimeout("5s" as unknown as number), /awaitTerminationOrTimeout/);
});

// -------------------------------------------------------------------------------------
// cache and persist
// -------------------------------------------------------------------------------------

t.test("cache() and persist() keep a stream's RDDs: an output that reads one twice computes it once", async (t) => {
  const run = async (keep: "cache" | "persist" | "none") => {
    const { ssc, clock } = testContext();
    let calls = 0;
    const doubled = pipe(ssc.queueStream([[1, 2, 3]]), map((n: number) => (calls++, n * 2)));
    if (keep === "cache") t.equal(doubled.cache(), doubled, "cache() returns the stream");
    if (keep === "persist") t.equal(doubled.persist(), doubled, "persist() returns the stream");
    const counts: number[] = [];
    foreachRDD(doubled, (rdd) => void counts.push(rdd.count(), rdd.collect().length));
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
    t.same(counts, [3, 3]);
    return calls;
  };
  t.equal(await run("cache"), 3, "cached: the map runs once per record");
  t.equal(await run("persist"), 3, "persisted: the same");
  t.equal(await run("none"), 6, "without: each action recomputes it");
  const { ssc } = testContext();
  const stream = ssc.queueStream([[1]]);
  pipe(stream, foreachRDD(() => {}));
  ssc.start();
  t.throws(() => stream.cache(), /after starting a context is not supported/, "not after start()");
  await ssc.stop();
});

// -------------------------------------------------------------------------------------
// reduceByKeyAndWindow's forms
// -------------------------------------------------------------------------------------

type Pair = readonly [string, number];
const add = (a: number, b: number) => a + b;
const sub = (a: number, b: number) => a - b;
const pairs: Pair[][] = [[["a", 1]], [["a", 1], ["b", 1]], [["b", 2]], [], [["a", 3]], [], []];

const byKey = async (operation: (d: DStream<Pair>) => DStream<Pair>) =>
  (await outputsOf(pairs, operation, { batches: 8 })).map((batch) => sorted(batch));

t.test("reduceByKeyAndWindow(f, undefined, w, s): PySpark's invFunc=None is the form without inverse", async (t) => {
  const positional = await byKey((d) => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1))));
  t.same(await byKey((d) => pipe(d, reduceByKeyAndWindow(add, undefined, Seconds(3), Seconds(1)))), positional, "undefined");
  t.same(await byKey((d) => pipe(d, reduceByKeyAndWindow(add, null, Seconds(3), Seconds(1)))), positional, "null");
  t.same(await byKey((d) => reduceByKeyAndWindow(d, add, undefined, Seconds(3), Seconds(1), 2)), positional, "data-first, with numPartitions");
  t.same(positional[3], [["a", 1], ["b", 3]], "the window at 4 s holds batches 2–4");
  t.same(positional[7], [], "keys leave once their values have");
});

t.test("reduceByKeyAndWindow's options form gives what the positional form gives", async (t) => {
  const keep = ([, n]: Pair) => n !== 0;
  const positional = await byKey((d) => pipe(d, reduceByKeyAndWindow(add, sub, Seconds(3), Seconds(1), 2, keep)));
  const options = await byKey((d) => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), { inverse: sub, filter: keep, numPartitions: 2 })));
  t.same(options, positional, "inverse, filter and numPartitions");
  t.same(
    await byKey((d) => reduceByKeyAndWindow(d, add, Seconds(3), Seconds(1), { inverse: sub, filter: keep })),
    positional,
    "data-first",
  );
  const unfiltered = await byKey((d) => pipe(d, reduceByKeyAndWindow(add, sub, Seconds(3), Seconds(1))));
  t.same(await byKey((d) => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), { inverse: sub }))), unfiltered, "inverse alone");
  t.same(unfiltered[7], [["a", 0], ["b", 0]], "without the filter, keys stay at the identity, as in Spark");
  t.same(positional[7], [], "the filter drops them");
  t.same(
    await byKey((d) => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), { numPartitions: 3 }))),
    await byKey((d) => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), 3))),
    "no inverse: numPartitions alone",
  );
  const { ssc } = testContext();
  const d = ssc.queueStream<Pair>([]);
  t.throws(() => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), { filter: keep })), /filter needs inverse/);
  t.throws(
    () => pipe(d, reduceByKeyAndWindow(add, Seconds(3), Seconds(1), { invers: sub } as unknown as { inverse: typeof sub })),
    /options have no "invers": use inverse, filter or numPartitions/,
  );
});
