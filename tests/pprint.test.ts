import t from "tap";
import {
  cogroup,
  flatMap,
  formatBatch,
  formatBatchTime,
  formatRecord,
  groupByKey,
  groupByKeyAndWindow,
  map,
  none,
  pipe,
  pprint,
  print,
  reduceByKey,
  Seconds,
  some,
  Time,
} from "../mod.ts";
import { testContext } from "./_contexts.ts";

const DASHES = "-".repeat(43);

/** 14 October 2014, 15:25:20 in this machine's time zone, as the Spark guide's sample. */
const GUIDE_START = new Date(2014, 9, 14, 15, 25, 20).getTime();

t.test("pprint prints PySpark's block: dashes, the local batch time, dashes, records, blank line", async (t) => {
  const { ssc, clock } = testContext(Seconds(1), GUIDE_START);
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
  t.same(blocks, [`${DASHES}\nTime: 2014-10-14 15:25:21\n${DASHES}\n(hello,2)\n(world,1)\n`]);
  t.equal(DASHES.length, 43);
});

t.test("print prints Scala's block: the batch time in milliseconds", async (t) => {
  const { ssc, clock } = testContext();
  const blocks: string[] = [];
  pipe(ssc.queueStream([[["hello", 2], ["world", 1]]]), print(10, { print: (block) => blocks.push(block) }));
  const other: string[] = [];
  print(ssc.queueStream([[1, 2, 3]]), 2, { print: (block) => other.push(block) });
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(blocks, [`${DASHES}\nTime: 1000 ms\n${DASHES}\n(hello,2)\n(world,1)\n`]);
  t.same(other, [`${DASHES}\nTime: 1000 ms\n${DASHES}\n1\n2\n...\n`], "data-first, and ... after num records");
  t.throws(() => print(-1), /print's num must be a non-negative whole number of records, got number -1/);
});

t.test("pprint's time is Python's str(datetime): local, microseconds only between seconds", async (t) => {
  t.equal(formatBatchTime(new Time(GUIDE_START + 1000)), "2014-10-14 15:25:21");
  t.equal(formatBatchTime(new Time(GUIDE_START + 1500)), "2014-10-14 15:25:21.500000");
  t.equal(formatBatchTime(new Time(GUIDE_START + 1001)), "2014-10-14 15:25:21.001000");
  t.equal(formatBatchTime(new Time(new Date(2026, 0, 2, 3, 4, 5).getTime())), "2026-01-02 03:04:05", "zero-padded fields");
  t.equal(formatBatchTime(new Time(GUIDE_START), "scala"), `${GUIDE_START} ms`);
});

t.test("pprint over half-second batches shows PySpark's .500000 suffix", async (t) => {
  const { ssc, clock } = testContext(Seconds(0.5), GUIDE_START);
  const headers: string[] = [];
  pipe(ssc.queueStream([["a"], ["b"]]), pprint(10, { print: (block) => headers.push(block.split("\n")[1]!) }));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(headers, ["Time: 2014-10-14 15:25:20.500000", "Time: 2014-10-14 15:25:21"]);
});

t.test("grouped values print as lists, never as tuples", async (t) => {
  const { ssc, clock } = testContext();
  const python: string[] = [];
  const scala: string[] = [];
  const pairs = ssc.queueStream([[["k", 1], ["k", 1], ["j", 2]] as Array<readonly [string, number]>]);
  const grouped = pipe(pairs, groupByKey(1));
  pipe(grouped, pprint(10, { print: (block) => python.push(block) }));
  pipe(grouped, print(10, { print: (block) => scala.push(block) }));
  const windowed: string[] = [];
  pipe(pairs, groupByKeyAndWindow(Seconds(2), Seconds(1), 1), pprint(10, { print: (block) => windowed.push(block) }));
  const cogrouped: string[] = [];
  pipe(pairs, cogroup(ssc.queueStream([[["k", "x"]] as Array<readonly [string, string]>]), 1), pprint(10, { print: (block) => cogrouped.push(block) }));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  const records = (block: string | undefined) => (block ?? "").split("\n").slice(3, -1).sort();
  t.same(records(python[0]), ["(j,[2])", "(k,[1, 1])"], "pprint: (k,[1, 1]), not (k,(1,1))");
  t.same(records(scala[0]), ["(j,CompactBuffer(2))", "(k,CompactBuffer(1, 1))"], "print: Scala's CompactBuffer");
  t.same(records(windowed[0]), ["(j,[2])", "(k,[1, 1])"], "groupByKeyAndWindow");
  t.same(records(cogrouped[0]), ["(j,([2],[]))", "(k,([1, 1],[x]))"], "cogroup: a tuple of two lists");
  t.equal(formatRecord(["k", [1, 1]]), "(k,(1,1))", "an array a user builds is a tuple, as in the guide");
});

t.test("pprint(num) shows at most num records, then ... when there are more", async (t) => {
  const time = new Time(GUIDE_START + 1000);
  const header = `${DASHES}\nTime: 2014-10-14 15:25:21\n${DASHES}\n`;
  t.equal(formatBatch([1, 2, 3], time, 2), `${header}1\n2\n...\n`);
  t.equal(formatBatch([1, 2], time, 2), `${header}1\n2\n`, "no ... at exactly num");
  t.equal(formatBatch([], time, 10), header, "an empty batch still prints its header");
  t.equal(formatBatch([1, 2, 3], new Time(5000), 2, "scala"), `${DASHES}\nTime: 5000 ms\n${DASHES}\n1\n2\n...\n`);
});

t.test("pprint writes to standard output by default, with the blank line after each block", async (t) => {
  const { ssc, clock } = testContext(Seconds(1), GUIDE_START);
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
  t.same(written, [`${DASHES}\nTime: 2014-10-14 15:25:21\n${DASHES}\na\nb\n...\n`]);
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
