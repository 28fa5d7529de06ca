/**
 * The benchmark harness in quick mode (tiny inputs, the same code paths as
 * `npm run bench`), so it cannot rot: every contender of every workload runs, their
 * results are equal, and the JSON report is written. Never asserts times.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { type BenchReport, CONTENDERS, formatTable, runBench } from "../bench/harness.ts";
import { WORKLOADS } from "../bench/workloads/index.ts";

t.test("npm run bench:quick: every contender runs every workload and gets the hand loop's results", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dstreams-bench-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "results.json");
  const log: string[] = [];
  const report = await runBench(WORKLOADS, { mode: { quick: true }, isolate: false, out, log: (line) => log.push(line) });

  t.equal(report.rows.length, WORKLOADS.length * CONTENDERS.length, "one row per workload and contender");
  for (const row of report.rows) {
    const where = `${row.title} / ${row.contender}`;
    if (row.status === "unavailable") {
      // Only the window-length figure leaves peers out, and it says why.
      t.equal(row.workload, "window-length", `${where}: only window-length skips contenders`);
      t.match(row.message, /not measured/, `${where}: says why it is skipped`);
      continue;
    }
    t.equal(row.status, "ok", `${where}: ${row.message ?? "ok"}`);
    t.ok(row.check !== undefined && row.check.length > 0, `${where}: results fingerprinted`);
    t.ok(row.rate !== undefined && row.rate > 0, `${where}: has a rate`);
  }
  // Results equal: every contender's fingerprint is the hand loop's, per workload.
  for (const workload of WORKLOADS) {
    const rows = report.rows.filter((r) => r.workload === workload.id && r.status === "ok");
    const hand = rows.find((r) => r.contender === "hand loop");
    t.ok(hand !== undefined, `${workload.title}: the hand loop ran`);
    for (const row of rows) t.equal(row.check, hand?.check, `${workload.title} / ${row.contender}: same results as the hand loop`);
  }

  const written = JSON.parse(readFileSync(out, "utf8")) as BenchReport;
  t.equal(written.mode, "quick");
  t.equal(written.node, process.version);
  t.ok(written.machine.cpus > 0 && written.machine.cpuModel.length > 0, "machine info");
  t.ok(!Number.isNaN(Date.parse(written.date)), "date");
  t.same(written.rows.map((r) => [r.workload, r.contender, r.status]), report.rows.map((r) => [r.workload, r.contender, r.status]));
  t.ok(written.targets.length > 0, "targets listed");
  t.match(formatTable(report), /1\. word count\s+dstreams/, "the table has a dstreams row");
  t.ok(log.some((line) => line.includes(out)), "says where the JSON went");
});
