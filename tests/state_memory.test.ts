/**
 * Heap per key of updateStateByKey's state (issue 5: at most 150 bytes per key): heap
 * after a full GC at the last batch, before its output is read, less the heap before the
 * run, over the keys in state. The input, whose key strings the state shares, is live in
 * both measurements; the last batches touch a tenth of the keys each, as the running
 * counts benchmark does.
 *
 * Under Deno, which gives a test no way to force a garbage collection, the heap figure
 * is not asserted (the outputs still are).
 */
import t from "tap";
import { forceGC, heapNow } from "./_heap.ts";
import { foreachRDD, isSome, ManualClock, map, type Option, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";


const KEYS = 200_000;
const FILL_BATCHES = 4;
const STEADY_BATCHES = 3;

t.test("updateStateByKey keeps at most 150 heap bytes per key of state", async (t) => {
  const names = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
  const per = KEYS / FILL_BATCHES;
  const batches: string[][] = [];
  for (let b = 0; b < FILL_BATCHES; b++) batches.push(names.slice(b * per, (b + 1) * per));
  // Steady batches: every tenth key, from a different start each batch.
  for (let b = 0; b < STEADY_BATCHES; b++) batches.push(names.filter((_, i) => i % 10 === b));
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "state-memory", logLevel: "WARN" }), Seconds(1), { clock });
  let seen = 0;
  let heapAt = Number.NaN;
  let total = 0;
  let count = 0;
  pipe(
    ssc.queueStream(batches),
    map((key: string) => [key, 1] as const),
    updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) => some(values.length + (isSome(state) ? state.value : 0))),
    foreachRDD((rdd) => {
      if (++seen !== batches.length) return;
      heapAt = heapNow();
      const records = rdd.collect();
      count = records.length;
      total = records.reduce((n, [, c]) => n + c, 0);
    }),
  );
  const heapBefore = heapNow();
  ssc.start();
  for (let b = 0; b < batches.length; b++) await clock.advance(Seconds(1));
  await ssc.stop();
  t.equal(count, KEYS, "one record per key");
  t.equal(total, KEYS + STEADY_BATCHES * (KEYS / 10), "every record counted");
  if (forceGC === undefined) {
    t.comment("no way to force a garbage collection here: heap not measured");
    return;
  }
  const perKey = (heapAt - heapBefore) / KEYS;
  t.comment(`${perKey.toFixed(1)} heap bytes per key of state`);
  t.ok(perKey <= 150, `heap per key of state ${perKey.toFixed(1)} B ≤ 150 B`);
});
