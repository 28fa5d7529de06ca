/**
 * The bench's latency scenario in quick mode (word count from a paced loopback feeder on
 * the system clock, 100 ms batches, 1 s per rate), so it cannot rot: every line sent is
 * processed and latencies are measured, on one thread and with local[2]'s worker thread
 * (receiver batches split into blocks). Never asserts times.
 */
import t from "tap";
import { formatLatency, runLatency } from "../bench/latency.ts";

t.test("latency, quick: every line sent is processed, p50 and p99 measured", async (t) => {
  const report = await runLatency(true, () => {});
  t.same(report.runs.map((run) => run.setup.name), ["one thread", "local[2], 50 ms blocks"], "both setups ran");
  for (const run of report.runs) {
    t.equal(run.ladder.length + 1, 2, `${run.setup.name}: the first rate and one ladder rung ran`);
  }
  for (const s of report.runs.flatMap((run) => [run.at50k, ...run.ladder])) {
    t.ok(s.sent > 0, `${s.rate} lines/s: the feeder sent lines`);
    t.equal(s.processed, s.sent, `${s.rate} lines/s: lines sent = lines processed`);
    t.ok(Number.isFinite(s.p50Ms) && Number.isFinite(s.p99Ms) && s.p50Ms <= s.p99Ms, `${s.rate} lines/s: p50 ≤ p99, both measured`);
    t.ok(s.batches > 0, `${s.rate} lines/s: batches ran on the system clock`);
  }
  t.match(formatLatency(report), /highest sustained rate: /);
});
