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

t.test("the sink takes arrays only: every contender hands the same shape", async (t) => {
  const { measureWorkload } = await import("../bench/harness.ts");
  const handsAMap = async (_: unknown, sink: (records: ReadonlyArray<number>) => void) => sink(new Map([[1, 1]]) as unknown as number[]);
  const results = await measureWorkload({
    id: "shape",
    title: "shape",
    unit: "x",
    prepare: () => [],
    records: () => 1,
    fingerprint: () => "-",
    digest: (n: number) => n,
    light: (n: number) => n,
    contenders: { "hand loop": handsAMap, dstreams: handsAMap, RxJS: { unavailable: "-" }, Effect: { unavailable: "-" } },
  }, ["hand loop"], { quick: true });
  t.equal(results[0]?.status, "error");
  t.match(results[0]?.message, /array/);
});

t.test("npm run bench:quick: every contender runs every workload and gets the hand loop's results", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dstreams-bench-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "results.json");
  const log: string[] = [];
  const report = await runBench(WORKLOADS, { mode: { quick: true }, isolate: false, out, log: (line) => log.push(line) });

  const defined = WORKLOADS.reduce((n, w) => n + CONTENDERS.filter((c) => w.contenders[c] !== undefined).length, 0);
  t.equal(report.rows.length, defined, "one row per workload and contender it defines");
  for (const workload of WORKLOADS) {
    for (const c of ["hand loop", "dstreams", "RxJS", "Effect"] as const) {
      t.ok(report.rows.some((r) => r.workload === workload.id && r.contender === c), `${workload.title}: has a ${c} row`);
    }
  }
  // The extra rows of issue 14: the limit and the naive peers, beside the expert ones.
  for (const c of ["tuned loop", "RxJS naive", "Effect naive"] as const) {
    t.ok(report.rows.some((r) => r.workload === "wordcount" && r.contender === c && r.status === "ok"), `word count: the ${c} row ran`);
  }
  const skipping = ["window-length", "window-scaling", "join", "wordcount-ui", "local-cores", "local-cores-socket", "local-cores-files"];
  for (const row of report.rows) {
    const where = `${row.title} / ${row.contender}`;
    if (row.status === "unavailable") {
      // Only dstreams-only figures leave peers out, and they say why.
      t.ok(skipping.includes(row.workload), `${where}: only ${skipping.join(", ")} skip contenders`);
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
  // The new rows' figures are there: per-size rates, per-window times and memory per record.
  const sweep = report.rows.find((r) => r.workload === "batch-size" && r.contender === "dstreams");
  t.same(Object.keys(sweep?.extra ?? {}).sort(), ["k@10", "k@100", "k@1000"], "the sweep reports a rate per batch size");
  const scaling = report.rows.find((r) => r.workload === "window-scaling" && r.contender === "dstreams");
  for (const key of ["window2Ms", "window10Ms", "groupByKeyAndWindow10Ms"]) {
    t.ok(Number.isFinite(scaling?.extra?.[key]), `window scaling reports ${key}`);
  }
  // Memory per retained record needs a full GC (node --expose-gc, as npm run bench runs).
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function";
  for (const key of ["windowB", "groupByKeyAndWindowB"]) {
    t.ok(scaling?.extra !== undefined && key in scaling.extra && (hasGc ? Number.isFinite(scaling.extra[key]) : true), `window scaling reports ${key}`);
  }
  t.ok(log.some((line) => line.includes(out)), "says where the JSON went");
});
