import t from "tap";
import { flatMap, formatBatch, formatRecord, map, none, pipe, pprint, reduceByKey, Seconds, some, Time } from "../mod.ts";
import { testContext } from "./_contexts.ts";

const DASHES = "-".repeat(43);

t.test("pprint prints Spark's block: dashes, time, dashes, records, blank line", async (t) => {
  const { ssc, clock } = testContext();
  const blocks: string[] = [];
  pipe(
    ssc.queueStream([["hello world", "hello"]]),
    flatMap((line: string) => line.split(" ")),
    map((word) => [word, 1] as const),
    reduceByKey((a, b) => a + b),
    pprint(10, { print: (block) => blocks.push(block) }),
  );
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(blocks, [`${DASHES}\nTime: 1000 ms\n${DASHES}\n(hello,2)\n(world,1)\n`]);
  t.equal(DASHES.length, 43);
});

t.test("pprint(num) shows at most num records, then ... when there are more", async (t) => {
  t.equal(formatBatch([1, 2, 3], new Time(5000), 2), `${DASHES}\nTime: 5000 ms\n${DASHES}\n1\n2\n...\n`);
  t.equal(formatBatch([1, 2], new Time(5000), 2), `${DASHES}\nTime: 5000 ms\n${DASHES}\n1\n2\n`, "no ... at exactly num");
  t.equal(formatBatch([], new Time(5000), 10), `${DASHES}\nTime: 5000 ms\n${DASHES}\n`, "an empty batch still prints its header");
});

t.test("pprint writes to standard output by default, with the blank line after each block", async (t) => {
  const { ssc, clock } = testContext();
  pipe(ssc.queueStream([["a", "b", "c"]]), pprint(2));
  const written: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void written.push(args.join(" "));
  try {
    ssc.start();
    await clock.advance(Seconds(1));
  } finally {
    console.log = original;
  }
  await ssc.stop();
  t.same(written, [`${DASHES}\nTime: 1000 ms\n${DASHES}\na\nb\n...\n`]);
});

t.test("records print as Spark's toString does", async (t) => {
  t.equal(formatRecord("text"), "text");
  t.equal(formatRecord(42), "42");
  t.equal(formatRecord(["a", ["b", 1]]), "(a,(b,1))");
  t.equal(formatRecord(some(3)), "Some(3)");
  t.equal(formatRecord(none), "None");
  t.equal(formatRecord({ user: "x", n: 1 }), '{"user":"x","n":1}');
  t.equal(formatRecord(null), "null");
  t.equal(formatRecord(undefined), "undefined");
  t.equal(formatRecord(new Time(3)), "3 ms", "a class with its own toString uses it");
});

t.test("pprint rejects a bad num", async (t) => {
  const { ssc } = testContext();
  t.throws(() => pipe(ssc.queueStream([["a"]]), pprint(-1)), /pprint's num must be a non-negative whole number/);
});
