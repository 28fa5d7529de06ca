/**
 * Exact counts across a crash, in the shape of Flink's StreamCheckpointingITCase: 2,000,000
 * file records over 40 keys flow into a child process, which is killed with SIGKILL once, at
 * a uniformly random point between 40 % and 70 % of the input, and recovered with
 * `getOrCreate`: every key's final count is exactly 50,000 by `updateStateByKey`,
 * `mapWithState` and an inverse `reduceByKeyAndWindow`, and the idempotent sink holds every
 * record once (`npm run soak -- --long`: 10,000,000 records).
 *
 * Not run under Deno (listed in deno.json "test.exclude"): the program it kills is a Node
 * process either way, so a Deno pass would run the same child again for no new coverage.
 */
import t from "tap";
import { runSoak } from "./_soak.ts";

t.test("2,000,000 records over 40 keys, one kill -9 between 40 % and 70 %: every count exactly 50,000, three ways", { timeout: 400_000 }, async (t) => {
  const result = await runSoak({ kills: 1, killBetween: [0.4, 0.7], fileRecords: 2_000_000, files: 200, socketRecords: 0, keys: 40, feedMs: 15_000 });
  t.same(result.problems, [], "no key's count is off, nothing lost or doubled in the sink");
  t.equal(result.sinkRecords, 2_000_000);
});
