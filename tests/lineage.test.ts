import t from "tap";
import { count, filter, flatMap, foreachRDD, isDStream, map, named, pipe, pprint, reduceByKey, Seconds } from "../mod.ts";
import { graphOf, nodeOf } from "../spi.ts";
import { testContext } from "./_contexts.ts";

t.test("building a pipeline computes nothing before start()", async (t) => {
  const { ssc, clock } = testContext();
  let calls = 0;
  const mapped = pipe(ssc.queueStream([["a"]]), map((x: string) => {
    calls++;
    return x;
  }));
  pipe(mapped, pprint(10, { print: () => {} }));
  t.equal(calls, 0);
  ssc.start();
  t.equal(calls, 0, "nor does start() itself");
  await clock.advance(Seconds(1));
  t.equal(calls, 1);
  await ssc.stop();
});

t.test("combinators return new nodes and never change the stream they build on", async (t) => {
  const { ssc } = testContext();
  const input = ssc.queueStream([[1, 2, 3]]);
  const doubled = pipe(input, map((x: number) => x * 2));
  const evens = pipe(input, filter((x: number) => x % 2 === 0));
  t.not(doubled, input);
  t.not(evens, doubled);
  t.same(nodeOf(doubled, "test").parents, [input]);
  t.same(nodeOf(evens, "test").parents, [input]);
  t.same(nodeOf(input, "test").parents, []);
  t.ok(isDStream(doubled));
  t.notOk(isDStream([1, 2]));
  t.equal(doubled.name, `map-${doubled.id}`, "a stable name from kind and creation order");
});

t.test("a node shared by several outputs is computed once per batch", async (t) => {
  const { ssc, clock } = testContext();
  let calls = 0;
  const words = pipe(
    ssc.queueStream([["a b", "c"], ["d"]]),
    flatMap((line: string) => {
      calls++;
      return line.split(" ");
    }),
  );
  const counts: number[] = [];
  const seen: string[][] = [];
  pipe(words, count(), foreachRDD((rdd) => void counts.push(...rdd.collect())));
  pipe(words, foreachRDD((rdd) => void seen.push(rdd.collect())));
  pipe(words, map((w) => [w, 1] as const), reduceByKey((a, b) => a + b), foreachRDD((rdd) => void rdd.collect()));
  ssc.start();
  await clock.advance(Seconds(2));
  t.same(counts, [3, 1]);
  t.same(seen, [["a", "b", "c"], ["d"]]);
  t.equal(calls, 3, "one call per input line, not one per output");
  await ssc.stop();
});

t.test("the .pipe method reads like the free pipe", async (t) => {
  const { ssc, clock } = testContext();
  const out: number[] = [];
  ssc.queueStream([["x y z"]]).pipe(
    flatMap((line: string) => line.split(" ")),
    count(),
    foreachRDD((rdd) => void out.push(...rdd.collect())),
  );
  ssc.start();
  await clock.advance(Seconds(1));
  t.same(out, [3]);
  await ssc.stop();
});

t.test("streams of two contexts cannot be mixed", async (t) => {
  const a = testContext();
  const b = testContext();
  const input = a.ssc.queueStream([[1]]);
  t.throws(() => graphOf(b.ssc).registerOutput(nodeOf(input, "test"), "pprint", () => {}), /another StreamingContext/);
});

t.test("named gives a stream a stable name, unique in its context, used for its metrics", async (t) => {
  const { ssc } = testContext();
  const words = pipe(ssc.queueStream([["a b"]]), flatMap((line: string) => line.split(" ")), named("words"));
  t.equal(words.name, "words");
  t.equal(words.kind, "flatMap", "the kind stays");
  t.equal(pipe(words, named("words")), words, "naming again with the same name is a no-op");
  t.throws(() => pipe(words, named("other")), /already named/);
  const counted = pipe(words, count());
  t.throws(() => pipe(counted, named("words")), /Another stream of this context is already named "words"/);
  t.throws(() => pipe(counted, named("two words")), /A stream's name must be letters, digits/);
  pipe(counted, pprint(10, { print: () => {} }));
  ssc.start();
  t.throws(() => pipe(counted, named("late")), /after starting a context is not supported/);
  await ssc.stop();
});
