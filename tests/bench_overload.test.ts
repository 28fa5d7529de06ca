/**
 * The bench's overload scenario in quick mode (3 s of real time at twice the sustainable
 * rate), so it cannot rot: every record sent is processed, and memory stays bounded.
 * Never asserts times.
 */
import t from "tap";
import { backpressureCost, formatOverload, runOverload } from "../bench/overload.ts";

t.test("overload, quick: nothing lost, the buffer and the heap stay bounded", async (t) => {
  const report = await runOverload({ durationMs: 3_000, batchMs: 250, sampleEveryMs: 500 });
  t.ok(report.sent > 0, "the producer sent records");
  t.equal(report.processed, report.sent, "records sent = records processed");
  t.ok(report.peakBufferedRecords <= report.maxBufferedRecords, `the buffer stayed within its bound: ${report.peakBufferedRecords} <= ${report.maxBufferedRecords}`);
  t.ok(report.finalRate !== undefined && report.finalRate >= 100, "backpressure set a rate, never below minRate");
  const first = report.samples[0]!;
  t.ok(report.heapFinalMB < first.heapMB + 200, `the heap stayed bounded: ${report.heapFinalMB.toFixed(0)} MB from ${first.heapMB.toFixed(0)} MB`);
  const cost = await backpressureCost(200, 3, 1);
  t.ok(cost.on > 0 && cost.off > 0, "word count ran with backpressure on and off");
  t.match(formatOverload(report, cost), /records sent [\d,]+, processed [\d,]+: none lost/);
});
