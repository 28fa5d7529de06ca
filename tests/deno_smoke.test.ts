// Shared smoke test: runs under tap on Node and under `deno test` on Deno
// (deno.json maps "tap" to tests/_tap_deno.ts). It drives one small pipeline
// through the public entry point under a manual clock, as mod.ts's example does.
import t from "tap";
import { count, flatMap, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "../mod.ts";

t.test("StreamingContext runs a pipeline through mod.ts", async (t) => {
  t.equal(typeof StreamingContext, "function", "StreamingContext is exported");
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "smoke" }), Seconds(1), { clock });
  const blocks: string[] = [];
  pipe(
    ssc.queueStream([["a b", "c"], ["d"]]),
    flatMap((line: string) => line.split(" ")),
    count(),
    pprint(10, { print: (block) => blocks.push(block) }),
  );
  ssc.start();
  await clock.advance(Seconds(1));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.equal(blocks.length, 2, "one block per batch");
  t.match(blocks[0] ?? "", /Time: .+:01\n-+\n3\n/, "first batch counts 3 words");
  t.match(blocks[1] ?? "", /Time: .+:02\n-+\n1\n/, "second batch counts 1 word");
});
