import t from "tap";
import { count, foreachRDD, pipe, RDD, Seconds } from "../mod.ts";
import type { BatchInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";
import { outputsOf } from "./_harness.ts";

t.test("queueStream gives one batch per batch time, then empty batches", async (t) => {
  t.same(await outputsOf([[1, 2], [3]], (s) => s, { batches: 4 }), [[1, 2], [3], [], []]);
});

t.test("queueStream counts an empty queue as an empty batch: count() prints 0", async (t) => {
  t.same(await outputsOf<number, number>([[1, 2], []], (s) => pipe(s, count()), { batches: 3 }), [[2], [0], [0]]);
});

t.test("queueStream with oneAtATime false takes everything queued at once", async (t) => {
  const { ssc, clock } = testContext();
  const seen: number[][] = [];
  const input = ssc.queueStream([[1], [2, 3]], { oneAtATime: false });
  pipe(input, foreachRDD((rdd) => void seen.push(rdd.collect())));
  ssc.start();
  await clock.advance(Seconds(1));
  input.enqueue([4], [5]);
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(seen, [[1, 2, 3], [4, 5], []]);
});

t.test("queueStream uses defaultBatch when the queue is empty, and takes RDDs and later enqueues", async (t) => {
  const { ssc, clock } = testContext();
  const seen: string[][] = [];
  const input = ssc.queueStream<string>([RDD.fromArray(["rdd"])], { defaultBatch: ["default"] });
  pipe(input, foreachRDD((rdd) => void seen.push(rdd.collect())));
  const infos: BatchInfo[] = [];
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
  ssc.start();
  await clock.advance(Seconds(2));
  input.enqueue(["late"]);
  t.equal(input.size, 1);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(seen, [["rdd"], ["default"], ["late"]]);
  t.same(infos.map((info) => info.numRecords), [1, 1, 1]);
});

t.test("queueStream copies its list: changing the caller's array later changes nothing", async (t) => {
  const batches = [[1]];
  const { ssc, clock } = testContext();
  const seen: number[][] = [];
  pipe(ssc.queueStream(batches), foreachRDD((rdd) => void seen.push(rdd.collect())));
  batches.push([2]);
  ssc.start();
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(seen, [[1], []]);
});

t.test("a long queue is taken in order, one batch per batch time", async (t) => {
  const input = Array.from({ length: 3000 }, (_, i) => [i]);
  const outputs = await outputsOf(input, (s) => s);
  t.equal(outputs.length, 3000);
  t.ok(outputs.every((batch, i) => batch.length === 1 && batch[0] === i), "batch i holds record i");
});
