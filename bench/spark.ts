/**
 * `npm run bench:spark`: workload 1 (word count) on PySpark's DStreams against
 * dstreams, on the same generated input. Not part of CI.
 *
 *   npm run bench:spark [-- --master=local[1],local[2]] [--rounds=2]
 *
 * Creates bench/.venv (Python virtual environment, gitignored) with pyspark 3.5 on
 * first use, writes the word-count batches to bench/spark-input/ (one file per batch),
 * runs bench/spark/wordcount.py there (Spark in local mode; needs Java 17), checks its
 * per-batch results against the hand loop's, and prints both rates.
 *
 * Spark's rate is lines / the sum of its batches' processing delays (from a
 * StreamingListener) over the timed round, i.e. the time Spark spent working, not
 * waiting for batch intervals, as dstreams' manual clock does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { measureWorkload } from "./harness.ts";
import { wordCount } from "./workloads/wordcount.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const venv = join(here, ".venv");
const python = join(venv, "bin", "python");
const inputDir = join(here, "spark-input");
const PYSPARK = "pyspark==3.5.*";

const args = process.argv.slice(2);
const value = (name: string, fallback: string): string =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const masters = value("master", "local[1],local[2]").split(",");
const rounds = Number(value("rounds", "2"));

const run = (cmd: string, cmdArgs: ReadonlyArray<string>, what: string): string => {
  const result = spawnSync(cmd, cmdArgs, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
    // Spark binds to loopback only (it would pick the host's first interface).
    env: { ...process.env, SPARK_LOCAL_IP: "127.0.0.1" },
  });
  if (result.error !== undefined) throw new Error(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${cmd} ${cmdArgs.join(" ")}`);
  return result.stdout;
};

// 1. PySpark in a local virtual environment.
if (!existsSync(python)) {
  console.error(`[spark] creating ${venv} and installing ${PYSPARK} (once)…`);
  run("python3", ["-m", "venv", venv], "python3 -m venv");
  run(python, ["-m", "pip", "install", "--quiet", PYSPARK], "pip install pyspark");
}
const java = spawnSync("java", ["-version"], { encoding: "utf8" });
if (java.status !== 0) throw new Error("Spark needs Java (17 works): `java -version` failed; install a JDK and retry");

// 2. The same input as workload 1, on disk.
const input = wordCount.prepare({ quick: false }) as Awaited<ReturnType<typeof wordCount.prepare>>;
rmSync(inputDir, { recursive: true, force: true });
mkdirSync(inputDir, { recursive: true });
input.batches.forEach((batch, i) => writeFileSync(join(inputDir, `batch-${String(i).padStart(3, "0")}.txt`), `${batch.join("\n")}\n`));
const lines = input.batches.reduce((n, b) => n + b.length, 0);
console.error(`[spark] wrote ${input.batches.length} batches of ${input.batches[0]!.length} lines to ${inputDir}`);

// The expected per-batch results: distinct words and total words.
const expected = input.batches.map((batch) => {
  const counts = new Map<string, number>();
  let words = 0;
  for (const line of batch) {
    for (const w of line.split(" ")) {
      counts.set(w, (counts.get(w) ?? 0) + 1);
      words++;
    }
  }
  return { distinct: counts.size, words };
});

// 3. dstreams on the same input (in this process, same protocol as `npm run bench`).
console.error("[spark] dstreams…");
const [ds] = await measureWorkload(wordCount, ["dstreams"], { quick: false });
if (ds === undefined) throw new Error("dstreams was not measured");
if (ds.status !== "ok") throw new Error(`dstreams failed: ${ds.message}`);
const sortedMs = [...ds.runsMs!].sort((a, b) => a - b);
const dsRate = lines / (sortedMs[sortedMs.length >> 1]! / 1000);

// 4. PySpark.
interface SparkResult {
  readonly pyspark: string;
  readonly master: string;
  readonly wallSeconds: number;
  readonly batches: ReadonlyArray<{ readonly distinct: number; readonly words: number; readonly processingMs: number }>;
}
const rows: string[] = [];
for (const master of masters) {
  console.error(`[spark] PySpark ${master}, ${rounds} round(s) of ${input.batches.length} batches (the first warms up)…`);
  const out = run(python, [join(here, "spark", "wordcount.py"), inputDir, master, String(rounds)], "PySpark word count");
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`PySpark printed no result:\n${out}`);
  const spark = JSON.parse(line) as SparkResult;
  const timed = spark.batches.slice(-input.batches.length);
  const wrong = timed.findIndex((b, i) => b.distinct !== expected[i]!.distinct || b.words !== expected[i]!.words);
  if (wrong >= 0) {
    throw new Error(`PySpark's batch ${wrong} differs: ${JSON.stringify(timed[wrong])} vs expected ${JSON.stringify(expected[wrong])}`);
  }
  const processingMs = timed.reduce((s, b) => s + b.processingMs, 0);
  const sparkRate = lines / (processingMs / 1000);
  rows.push(
    `PySpark ${spark.pyspark} ${master.padEnd(9)} ${Math.round(sparkRate).toLocaleString("en-US").padStart(12)} lines/s   (${(processingMs / timed.length).toFixed(1)} ms per batch; results equal)`,
    `  dstreams / PySpark ${master}: ${(dsRate / sparkRate).toFixed(1)} ×`,
  );
}
console.log(`Word count, ${input.batches.length} batches × ${input.batches[0]!.length} lines of 10 words (results checked equal)`);
console.log(`dstreams (1 core)         ${Math.round(dsRate).toLocaleString("en-US").padStart(12)} lines/s   (${(sortedMs[sortedMs.length >> 1]! / input.batches.length).toFixed(1)} ms per batch, median of ${sortedMs.length} runs)`);
for (const row of rows) console.log(row);
