/**
 * What a file stream costs per batch: old files nothing (no `stat`, counted through the
 * file-system seam), new names one `stat` each; and under backlog a batch reads one
 * file and defers the rest, dropping none.
 */
import t from "tap";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers";
import { foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { fileSystem } from "../lib/sources/_file_system.ts";

const quietSpark = () => new SparkContext({ appName: "file-cost", logLevel: "ERROR", log: () => {} });

const settle = async (turns = 20) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Counts `stat` calls, by path, while `body` runs. */
const countingStats = () => {
  const original = fileSystem.stat;
  const paths: string[] = [];
  fileSystem.stat = ((path: string, ...rest: unknown[]) => {
    paths.push(String(path));
    return (original as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fileSystem.stat;
  return { paths, restore: () => void (fileSystem.stat = original) };
};

t.test("20,000 old files cost no stat per batch; a new file costs one", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dstreams-cost-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 20_000; i++) writeFileSync(join(dir, `old-${i}.txt`), "old\n");
  const clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
  const lines: string[] = [];
  pipe(ssc.textFileStream(dir), foreachRDD((rdd) => void lines.push(...rdd.collect())));
  const stats = countingStats();
  t.teardown(stats.restore);
  ssc.start();
  await clock.advance(Seconds(1));
  t.ok(stats.paths.length >= 20_000, "the first listing examines every name once");
  stats.paths.length = 0;
  for (let i = 0; i < 5; i++) await clock.advance(Seconds(1));
  t.same(stats.paths.filter((path) => path !== dir), [], "five more batches: no file examined again");
  const fresh = join(dir, "new.txt");
  writeFileSync(fresh, "new\n");
  utimesSync(fresh, (clock.now() + 500) / 1000, (clock.now() + 500) / 1000);
  await clock.advance(Seconds(1));
  t.same(stats.paths.filter((path) => path !== dir), [fresh], "the new name is examined once");
  t.same(lines, ["new"], "and read; the old files are not");
  await ssc.stop();
});

t.test("a backlogged batch reads one file and defers the others; none is dropped", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dstreams-defer-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock, maxPendingBatches: 2 });
  let submitted = 0;
  ssc.addStreamingListener({ onBatchSubmitted: () => void submitted++ });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => void (release = resolve));
  const seen: Array<[number, string[]]> = [];
  pipe(
    ssc.textFileStream(dir),
    foreachRDD(async (rdd, time) => {
      seen.push([time.milliseconds, rdd.collect().sort()]);
      if (seen.length === 1) await gate;
    }),
  );
  ssc.start();
  const start = clock.now();
  const first = clock.advance(Seconds(1));
  await settle();
  for (const name of ["a", "b", "c"]) {
    writeFileSync(join(dir, name), `${name}\n`);
    utimesSync(join(dir, name), (start + 1500) / 1000, (start + 1500) / 1000);
  }
  const rest = clock.advance(Seconds(4));
  // The second batch lists the directory (real I/O): wait until it is generated, behind the first.
  // Under load the listing may take a while: wait for it on real time, up to 10 s.
  for (const deadline = Date.now() + 10_000; submitted < 2 && Date.now() < deadline;) {
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  t.equal(submitted, 2, "two batches wait, the bound");
  release();
  await first;
  await rest;
  const batches = seen.map(([time, lines]) => [time - start, lines]);
  t.same(batches, [[1000, []], [2000, ["a"]], [3000, ["b"]], [4000, ["c"]], [5000, []]], "one file per backlogged batch, in name order");
  await ssc.stop();
});
