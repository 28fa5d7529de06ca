/**
 * saveAsTextFiles on real temporary folders: Spark's folder names (rddToFileName), part
 * files and _SUCCESS, record formatting, replays, and no half-written batch left behind.
 */
import t from "tap";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DStream,
  ManualClock,
  map,
  pipe,
  rddToFileName,
  reduceByKey,
  saveAsTextFiles,
  Seconds,
  some,
  SparkContext,
  StreamingContext,
  Time,
} from "../mod.ts";

/** A fresh temporary folder, removed when the test ends. */
const tempDir = async (t: { teardown(f: () => Promise<void>): void }): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "dstreams-text-files-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

/** Runs `build` on a queue stream of `batches` (2 partitions each) under a manual clock. */
const runBatches = async <A>(
  batches: ReadonlyArray<ReadonlyArray<A>>,
  build: (stream: DStream<A>) => void,
): Promise<Error | undefined> => {
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "text-files-test", defaultParallelism: 2, logLevel: "OFF" });
  const ssc = new StreamingContext(sc, Seconds(1), { clock });
  build(ssc.queueStream(batches));
  let failure: Error | undefined;
  const watching = ssc.awaitTermination().catch((error: Error) => {
    failure = error;
  });
  ssc.start();
  for (let i = 0; i < batches.length; i++) await clock.advance(Seconds(1));
  await ssc.stop();
  await watching;
  return failure;
};

/** The files of a folder with their contents, sorted by name. */
const filesOf = async (dir: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name), "utf8");
  return out;
};

t.test("rddToFileName follows Spark: prefix-TIME[.suffix], the dash and dot only when needed", async (t) => {
  const time = new Time(1357008430000);
  t.equal(rddToFileName("out/words", "txt", time), "out/words-1357008430000.txt");
  t.equal(rddToFileName("out/words", undefined, time), "out/words-1357008430000");
  t.equal(rddToFileName("out/words", "", time), "out/words-1357008430000");
  t.equal(rddToFileName("", "txt", time), "1357008430000.txt");
  t.equal(rddToFileName("", undefined, time), "1357008430000");
});

t.test("each batch becomes a folder of part files, one record per line, and _SUCCESS", async (t) => {
  const dir = await tempDir(t);
  const prefix = join(dir, "counts");
  const failure = await runBatches([["a b", "a"], ["c"]], (lines) =>
    pipe(
      lines,
      map((line: string) => line.split(" ").length),
      map((n: number) => ["words", n] as const),
      reduceByKey((a, b) => a + b, 1),
      saveAsTextFiles(prefix, "txt"),
    ));
  t.equal(failure, undefined);
  t.same((await readdir(dir)).sort(), ["counts-1000.txt", "counts-2000.txt"], "one folder per batch, nothing else");
  t.same(await filesOf(join(dir, "counts-1000.txt")), { "_SUCCESS": "", "part-00000": "(words,3)\n" });
  t.same(await filesOf(join(dir, "counts-2000.txt")), { "_SUCCESS": "", "part-00000": "(words,1)\n" });
});

t.test("one part file per partition, records formatted as pprint shows them", async (t) => {
  const dir = await tempDir(t);
  await runBatches([[1, 2, 3, 4]], (numbers) =>
    pipe(numbers, map((n: number) => (n % 2 === 0 ? ["even", some(n)] : `odd ${n}`)), saveAsTextFiles(join(dir, "out"))));
  t.same(await filesOf(join(dir, "out-1000")), {
    "_SUCCESS": "",
    "part-00000": "odd 1\n(even,Some(2))\n",
    "part-00001": "odd 3\n(even,Some(4))\n",
  });
});

t.test("an empty batch still gets a folder, with empty part files and _SUCCESS", async (t) => {
  const dir = await tempDir(t);
  await runBatches([[]], saveAsTextFiles(join(dir, "empty")));
  t.same(await filesOf(join(dir, "empty-1000")), { "_SUCCESS": "", "part-00000": "" });
});

t.test("missing parent folders are created", async (t) => {
  const dir = await tempDir(t);
  await runBatches([["x"]], saveAsTextFiles(join(dir, "a", "b", "out"), "log"));
  t.same(await filesOf(join(dir, "a", "b", "out-1000.log")), { "_SUCCESS": "", "part-00000": "x\n" });
});

t.test("a batch written again (a replay) replaces the old folder whole", async (t) => {
  const dir = await tempDir(t);
  const old = join(dir, "out-1000");
  await mkdir(old);
  await writeFile(join(old, "part-00000"), "stale\n");
  await writeFile(join(old, "part-00007"), "stale\n");
  await runBatches([["fresh"]], saveAsTextFiles(join(dir, "out")));
  t.same(await filesOf(old), { "_SUCCESS": "", "part-00000": "fresh\n" });
  t.same(await readdir(dir), ["out-1000"], "no temporary or old folder is left behind");
});

t.test("a batch that fails while computing writes nothing and leaves no temporary folder", async (t) => {
  const dir = await tempDir(t);
  const failure = await runBatches([["ok"], ["bad"], ["ok too"]], (lines) =>
    pipe(
      lines,
      map((s: string) => {
        if (s === "bad") throw new Error("cannot write bad");
        return s;
      }),
      saveAsTextFiles(join(dir, "out")),
    ));
  t.equal(failure?.message, "Error running job saveAsTextFiles (output 0) at time 2000 ms: map-1 failed: cannot write bad");
  t.same((await readdir(dir)).sort(), ["out-1000", "out-3000"]);
});

t.test("saveAsTextFiles checks its arguments when the pipeline is built", async (t) => {
  t.throws(() => saveAsTextFiles(42 as never), /saveAsTextFiles's prefix must be a string \(a path such as "out\/counts"\), got number/);
  t.throws(() => saveAsTextFiles("out", 1 as never), /saveAsTextFiles's suffix must be a string such as "txt", got number/);
});
