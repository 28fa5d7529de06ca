/**
 * The kill -9 soak, short form (`npm run soak` runs it at full size): a real child process
 * with a file-fed and a write-ahead-logged socket-fed pipeline is killed with SIGKILL at
 * random moments and restarted; at the end every key's count is exact three ways, and the
 * idempotent sink holds every record exactly once with running sums exactly 1…N per key.
 *
 * Not run under Deno (listed in deno.json "test.exclude"): the program it kills is a Node
 * process either way, so a Deno pass would run the same child again for no new coverage.
 */
import t from "tap";
import { percentile, runSoak } from "./_soak.ts";

t.test("kill -9 three times while files and socket lines flow: 0 lost, 0 duplicated, every count exact", { timeout: 400_000 }, async (t) => {
  const result = await runSoak({ kills: 3, fileRecords: 200_000, files: 60, socketRecords: 20_000, keys: 40, feedMs: 8_000 });
  t.same(result.problems, [], "nothing lost, nothing counted twice");
  t.equal(result.sinkRecords, 220_000, "every record in the sink once");
  t.comment(`restart to first batch: p50 ${percentile(result.restartToFirstBatchMs, 50)} ms, p99 ${percentile(result.restartToFirstBatchMs, 99)} ms`);
});
